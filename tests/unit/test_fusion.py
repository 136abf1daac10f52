"""Weighted reciprocal rank fusion of the dense and BM25 lists."""

from __future__ import annotations

from desktop.core.store.base import Hit
from desktop.core.store.fusion import RRF, Fusion, fuse


def hits(*ids: str) -> list[Hit]:
    return [Hit(i, f"text {i}", "/doc.md", 0, "", 0, 0, 1.0 / (n + 1)) for n, i in enumerate(ids)]


def test_plain_rrf_lets_a_passage_in_both_lists_pass_dense_first_choice() -> None:
    fused = fuse(hits("a", "b", "c"), hits("b", "x", "y"), 3, RRF)
    assert [h.id for h in fused] == ["b", "a", "x"]


def test_with_a_small_k_a_light_bm25_weight_keeps_dense_first_choice_first() -> None:
    dense, bm25 = hits("a", "b", "c"), hits("b", "x", "y")
    flat = fuse(dense, bm25, 4, Fusion(bm25_weight=0.3, k=60))
    assert [h.id for h in flat][:2] == ["b", "a"]  # k=60: ranks barely differ
    fused = fuse(dense, bm25, 4, Fusion(bm25_weight=0.3, k=1))
    assert [h.id for h in fused][:2] == ["a", "b"]
    assert fused[0].score == 1 / 2
    assert abs(fused[1].score - (1 / 3 + 0.3 / 2)) < 1e-12


def test_weight_zero_is_dense_alone_and_each_hit_comes_once() -> None:
    fused = fuse(hits("a", "b"), hits("b", "a", "z"), 10, Fusion(bm25_weight=0.0))
    assert [h.id for h in fused] == ["a", "b"]
    both = fuse(hits("a", "b"), hits("b", "a"), 10)
    assert sorted(h.id for h in both) == ["a", "b"]
