"""Answer a question from the store: retrieve, prompt, stream, time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from desktop.core.embeddings.base import Embedder
from desktop.core.llm.base import AnswerText, ChatModel, GenerationParams, Reasoning, TurnEnd, Usage
from desktop.core.progress import CancelToken
from desktop.core.rag.prompt import build_messages
from desktop.core.rag.retrieve import Source, retrieve
from desktop.core.store.milvus import MilvusStore, SearchMode


@dataclass(frozen=True)
class SourcesFound:
    sources: list[Source]
    retrieve_ms: float


@dataclass
class Timings:
    retrieve_ms: float = 0.0
    ttft_ms: float | None = None
    tokens: int = 0
    tokens_per_s: float | None = None

    def to_json(self) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 2)

        return {
            "retrieve_ms": r(self.retrieve_ms),
            "ttft_ms": r(self.ttft_ms),
            "tokens": self.tokens,
            "tokens_per_s": r(self.tokens_per_s),
        }


@dataclass
class Answer:
    """The finished answer; the last event of ``answer``."""

    answer: str = ""
    reasoning: str = ""
    sources: list[Source] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    finish_reason: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "reasoning": self.reasoning,
            "sources": [s.to_json() for s in self.sources],
            "timings": self.timings.to_json(),
        }


AnswerEvent = SourcesFound | Reasoning | AnswerText | Answer


def answer(
    question: str,
    *,
    store: MilvusStore,
    embedder: Embedder,
    model: ChatModel | None,
    params: GenerationParams,
    top_k: int,
    mode: SearchMode = "hybrid",
    cancel: CancelToken | None = None,
) -> Iterator[AnswerEvent]:
    """Yield the sources, then reasoning and answer text as generated, then the Answer.

    With ``model=None`` only retrieval runs (``--retrieve-only``).
    """
    cancel = cancel or CancelToken()
    result = Answer()
    t0 = time.perf_counter()
    result.sources = retrieve(store, embedder, question, top_k, mode)
    result.timings.retrieve_ms = (time.perf_counter() - t0) * 1000
    yield SourcesFound(result.sources, result.timings.retrieve_ms)
    if model is None:
        yield result
        return
    cancel.raise_if_cancelled()
    answer_parts: list[str] = []
    reasoning_parts: list[str] = []
    t_start = time.perf_counter()
    t_first: float | None = None
    pieces = 0
    for event in model.stream(build_messages(question, result.sources), params, cancel):
        if isinstance(event, AnswerText | Reasoning):
            if t_first is None:
                t_first = time.perf_counter()
            pieces += 1
            (answer_parts if isinstance(event, AnswerText) else reasoning_parts).append(event.text)
            yield event
        elif isinstance(event, Usage):
            result.timings.tokens = event.completion_tokens
        elif isinstance(event, TurnEnd):
            result.finish_reason = event.reason
    t_end = time.perf_counter()
    result.answer = "".join(answer_parts)
    result.reasoning = "".join(reasoning_parts)
    timings = result.timings
    timings.tokens = timings.tokens or pieces
    if t_first is not None:
        timings.ttft_ms = (t_first - t_start) * 1000
        if timings.tokens > 1 and t_end > t_first:
            timings.tokens_per_s = (timings.tokens - 1) / (t_end - t_first)
    cancel.raise_if_cancelled()
    yield result
