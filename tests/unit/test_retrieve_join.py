from desktop.core.rag.retrieve import join_neighbours
from desktop.core.store.base import Hit

TEXT = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."


def _hit(start: int, end: int, score: float, heading: str = "H", path: str = "/a.md") -> Hit:
    return Hit(f"{path}-{start}", TEXT[start:end], path, 0, heading, start, end, score)


def test_overlapping_chunks_of_a_section_become_one_passage() -> None:
    passages = join_neighbours([_hit(18, 53, 0.9), _hit(0, 25, 0.5)])
    assert len(passages) == 1
    p = passages[0]
    assert (p.start, p.end, p.text, p.score) == (0, 53, TEXT, 0.9)


def test_adjacent_chunks_join_and_distant_or_foreign_ones_do_not() -> None:
    joined = join_neighbours([_hit(0, 17, 0.9), _hit(18, 37, 0.8)])
    assert [(p.start, p.end) for p in joined] == [(0, 37)]
    apart = join_neighbours([_hit(0, 10, 0.9), _hit(38, 53, 0.8)])
    assert len(apart) == 2
    other_section = join_neighbours([_hit(0, 25, 0.9), _hit(18, 53, 0.8, heading="Other")])
    other_file = join_neighbours([_hit(0, 25, 0.9), _hit(18, 53, 0.8, path="/b.md")])
    assert len(other_section) == len(other_file) == 2


def test_order_follows_the_best_hit() -> None:
    passages = join_neighbours(
        [_hit(0, 10, 0.9, path="/x.md"), _hit(0, 25, 0.8), _hit(18, 53, 0.7)]
    )
    assert [p.path for p in passages] == ["/x.md", "/a.md"]
    assert passages[1].text == TEXT
