"""Retrieve numbered sources for a question."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from desktop.core.embeddings.base import Embedder
from desktop.core.store.milvus import MilvusStore, SearchMode


@dataclass(frozen=True)
class Source:
    rank: int  # the [n] a citation uses, from 1
    path: str
    page: int
    heading: str
    score: float
    text: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def retrieve(
    store: MilvusStore,
    embedder: Embedder,
    question: str,
    k: int,
    mode: SearchMode = "hybrid",
) -> list[Source]:
    vector = embedder.encode_queries([question])[0]
    hits = store.search(vector, question, k, mode)
    return [
        Source(rank=i, path=h.path, page=h.page, heading=h.heading, score=h.score, text=h.text)
        for i, h in enumerate(hits, start=1)
    ]
