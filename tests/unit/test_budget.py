from desktop.core.rag.budget import SEPARATOR_TOKENS, Budget, fit_sources
from desktop.core.rag.retrieve import Source


def count(text: str) -> int:
    return len(text.split())


def _src(rank: int, words: int, path: str = "") -> Source:
    return Source(rank, path or f"/d/{rank}.md", 0, "H", 1.0, " ".join(["w"] * words))


def test_sources_fill_the_room_and_are_renumbered() -> None:
    room = 3 * (100 + SEPARATOR_TOKENS)  # exactly three 100-token sources
    budget = Budget(context=1000, reserve=600, overhead=400 - room)
    srcs = [_src(4, 100), _src(7, 100), _src(9, 100)]
    fitted = fit_sources(srcs, budget, count)
    assert [s.rank for s in fitted] == [1, 2, 3]
    assert [s.text for s in fitted] == [s.text for s in srcs]  # none shortened
    one_less = Budget(context=1000, reserve=600, overhead=401 - room)
    assert fit_sources(srcs, one_less, count)[2].text.endswith("…")


def test_the_last_source_is_shortened_not_dropped() -> None:
    budget = Budget(context=1000, reserve=600, overhead=100)  # 300 tokens
    fitted = fit_sources([_src(1, 200), _src(2, 200)], budget, count)
    assert len(fitted) == 2
    left = 300 - (200 + SEPARATOR_TOKENS) - SEPARATOR_TOKENS  # for the second one's text
    assert fitted[1].text.endswith("…") and left - 10 <= count(fitted[1].text) <= left + 1
    tight = Budget(context=1000, reserve=600, overhead=150)  # 34 left: too little to bother
    assert len(fit_sources([_src(1, 200), _src(2, 200)], tight, count)) == 1


def test_nothing_fits_when_the_reserve_takes_the_window() -> None:
    assert fit_sources([_src(1, 10)], Budget(1000, 990, 20), count) == []


def test_a_small_document_is_given_whole_once() -> None:
    whole = {"/d/small.md": "the whole small document " * 5}
    srcs = [_src(1, 20, "/d/small.md"), _src(2, 20), _src(3, 20, "/d/small.md")]
    fitted = fit_sources(srcs, Budget(10_000, 1000, 100), count, whole.get)
    assert [s.path for s in fitted] == ["/d/small.md", "/d/2.md"]
    assert fitted[0].text == whole["/d/small.md"] and fitted[0].heading == ""
    assert [s.rank for s in fitted] == [1, 2]
