from desktop.core.rag.budget import Budget, fit_sources
from desktop.core.rag.retrieve import Source


def count(text: str) -> int:
    return len(text.split())


def _src(rank: int, words: int, path: str = "") -> Source:
    return Source(rank, path or f"/d/{rank}.md", 0, "H", 1.0, " ".join(["w"] * words))


def test_sources_fill_the_room_and_are_renumbered() -> None:
    budget = Budget(context=1000, reserve=600, overhead=100)  # 300 tokens for sources
    fitted = fit_sources(
        [_src(1, 100), _src(2, 100), _src(3, 100)], budget, count, separator_tokens=0
    )
    assert [s.rank for s in fitted] == [1, 2, 3]
    assert sum(count(s.text) for s in fitted) <= 300


def test_the_last_source_is_shortened_not_dropped() -> None:
    budget = Budget(context=1000, reserve=600, overhead=100)  # 300 tokens
    fitted = fit_sources([_src(1, 200), _src(2, 200)], budget, count, separator_tokens=0)
    assert len(fitted) == 2
    assert fitted[1].text.endswith("…") and 90 <= count(fitted[1].text) <= 101
    tight = Budget(context=1000, reserve=600, overhead=150)  # 50 left: too little to bother
    assert len(fit_sources([_src(1, 200), _src(2, 200)], tight, count, separator_tokens=0)) == 1


def test_nothing_fits_when_the_reserve_takes_the_window() -> None:
    assert fit_sources([_src(1, 10)], Budget(1000, 990, 20), count) == []


def test_a_small_document_is_given_whole_once() -> None:
    whole = {"/d/small.md": "the whole small document " * 5}
    srcs = [_src(1, 20, "/d/small.md"), _src(2, 20), _src(3, 20, "/d/small.md")]
    fitted = fit_sources(srcs, Budget(10_000, 1000, 100), count, whole.get)
    assert [s.path for s in fitted] == ["/d/small.md", "/d/2.md"]
    assert fitted[0].text == whole["/d/small.md"] and fitted[0].heading == ""
    assert [s.rank for s in fitted] == [1, 2]
