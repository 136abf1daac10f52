"""Fusing the dense and the keyword (BM25) result lists of a hybrid search.

Plain reciprocal rank fusion gives both lists the same say, so any passage that BM25 also
lists jumps ahead of dense search's first choice; on paraphrased questions (whose words
differ from the passage's) that put the right passage first less often than dense search
alone. Here each list has a weight, and the fused score of a passage is the weighted sum
of ``1 / (k + rank)`` over the lists that hold it (``tests/bench/bench_recall.py``
compares the choices on the dev sets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar


class _Ranked(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def score(self) -> float: ...


H = TypeVar("H", bound=_Ranked)


@dataclass(frozen=True)
class Fusion:
    """How a hybrid search merges its lists: ``bm25_weight`` is BM25's say against
    dense search's 1.0; ``k`` damps the head of each list (60 is the usual RRF value)."""

    bm25_weight: float = 1.0
    k: int = 60


RRF = Fusion(1.0, 60)
# Both lists count the same, with RRF's constant at 5 rather than the usual 60, so each
# list's first few places weigh more: of the fusions tried on the dev sets (332 questions
# over the Milvus docs, the gnuplot manual and 5 filings, tests/bench/bench_recall.py),
# it found the most passages first and in the top 5, by a few questions (README:
# Retrieval). Lower BM25 weights did worse on every corpus.
DEFAULT_FUSION = Fusion(bm25_weight=1.0, k=5)


def fuse(dense: Sequence[H], bm25: Sequence[H], limit: int, fusion: Fusion = RRF) -> list[H]:
    """The ``limit`` best hits of both lists (each best first), scored by weighted RRF;
    a hit in both lists is returned once, with the fused score."""
    scores: dict[str, float] = {}
    first: dict[str, H] = {}
    for weight, hits in ((1.0, dense), (fusion.bm25_weight, bm25)):
        if weight <= 0:
            continue
        for rank, hit in enumerate(hits, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + weight / (fusion.k + rank)
            first.setdefault(hit.id, hit)
    order = sorted(scores, key=lambda i: scores[i], reverse=True)[:limit]
    return [_rescored(first[i], scores[i]) for i in order]


def _rescored(hit: H, score: float) -> H:
    try:
        return replace(hit, score=score)  # type: ignore[type-var]
    except TypeError:  # not a dataclass: keep it as it is
        return hit
