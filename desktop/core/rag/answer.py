"""Answer a question from the store: retrieve, prompt, stream, verify, time.

A model without tools gets single-shot retrieval: the sources travel with the question.
A tool-capable model (gpt-oss) gets a ``search_documents`` function instead and may
search several times (bounded) before it answers; every passage it is shown becomes a
numbered source. Either way the sources are fitted to the context window, and the
answer's citations are checked against them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.core.embeddings.base import Embedder
from desktop.core.embeddings.rerank import Reranker
from desktop.core.llm.base import (
    AnswerText,
    ChatModel,
    GenerationParams,
    Message,
    Reasoning,
    ToolCall,
    TurnEnd,
    Usage,
)
from desktop.core.progress import CancelToken
from desktop.core.rag.budget import REASONING_RESERVE, Budget, fit_sources
from desktop.core.rag.citations import Citation, verify_citations
from desktop.core.rag.prompt import (
    SEARCH_TOOL,
    TOOL_INSTRUCTIONS,
    build_messages,
    format_sources,
)
from desktop.core.rag.retrieve import Source, retrieve
from desktop.core.store.base import SearchMode, Store

MAX_SEARCHES = 3
WHOLE_DOC_MAX_CHUNKS = 6
BAD_CALL = 'That call could not be read: its arguments must be JSON like {"query": "...", "k": 5}.'


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
    citations: list[Citation] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    finish_reason: str = ""
    searches: list[str] = field(default_factory=list)  # the queries a tool model ran

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "reasoning": self.reasoning,
            "sources": [s.to_json() for s in self.sources],
            "citations": [c.to_json() for c in self.citations],
            "timings": self.timings.to_json(),
        }


AnswerEvent = SourcesFound | Reasoning | AnswerText | Answer


class _Run:
    """One answer being produced: the model, the sources so far, the clock."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        model: ChatModel,
        params: GenerationParams,
        mode: SearchMode,
        cancel: CancelToken,
        within: Sequence[str] = (),
        reranker: Reranker | None = None,
    ) -> None:
        self.store, self.embedder, self.model = store, embedder, model
        self.params, self.mode, self.cancel = params, mode, cancel
        self.within, self.reranker = within, reranker
        self.result = Answer()
        self.answer_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.t_start = time.perf_counter()
        self.decode_s = 0.0
        self.seen: set[tuple[str, int, int]] = set()

    def reserve(self) -> int:
        reasons = self.model.capabilities.reasoning
        extra = REASONING_RESERVE[self.params.reasoning_effort] if reasons else 0
        return self.params.max_tokens + extra

    def search(self, query: str, k: int, messages: Sequence[Message]) -> list[Source]:
        """Retrieve ``k`` passages not given before (a search again finds some of the same:
        it looks as much deeper), fit them, number them on."""
        t0 = time.perf_counter()
        depth = k + len(self.seen)
        found = retrieve(
            self.store, self.embedder, query, depth, self.mode, self.within, self.reranker
        )
        self.result.timings.retrieve_ms += (time.perf_counter() - t0) * 1000
        fresh = [s for s in found if (s.path, s.page, hash(s.text)) not in self.seen][:k]
        overhead = sum(self.model.count_tokens(str(m.get("content", ""))) for m in messages)
        budget = Budget(self.model.context_length, self.reserve(), overhead + 64)

        def whole(path: str) -> str | None:
            return self.store.document_text(path, WHOLE_DOC_MAX_CHUNKS)

        fitted = fit_sources(fresh, budget, self.model.count_tokens, whole)
        first = len(self.result.sources) + 1
        numbered = [replace(s, rank=first + i) for i, s in enumerate(fitted)]
        self.seen.update((s.path, s.page, hash(s.text)) for s in fresh)
        self.result.sources.extend(numbered)
        return numbered

    def generate(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]]
    ) -> Iterator[Reasoning | AnswerText | ToolCall]:
        t_first: float | None = None
        for event in self.model.stream(messages, self.params, self.cancel, tools):
            if isinstance(event, AnswerText | Reasoning):
                if t_first is None:
                    t_first = time.perf_counter()
                    if self.result.timings.ttft_ms is None:
                        self.result.timings.ttft_ms = (t_first - self.t_start) * 1000
                parts = self.answer_parts if isinstance(event, AnswerText) else self.reasoning_parts
                parts.append(event.text)
                yield event
            elif isinstance(event, ToolCall):
                yield event
            elif isinstance(event, Usage):
                self.result.timings.tokens += event.completion_tokens
            elif isinstance(event, TurnEnd):
                self.result.finish_reason = event.reason
        if t_first is not None:
            self.decode_s += time.perf_counter() - t_first

    def finish(self) -> Answer:
        r = self.result
        r.answer = "".join(self.answer_parts)
        r.reasoning = "".join(self.reasoning_parts)
        r.citations = verify_citations(r.answer, r.sources)
        if r.timings.tokens > 1 and self.decode_s > 0:
            r.timings.tokens_per_s = r.timings.tokens / self.decode_s
        return r


def answer(
    question: str,
    *,
    store: Store,
    embedder: Embedder,
    model: ChatModel | None,
    params: GenerationParams,
    top_k: int,
    mode: SearchMode = "hybrid",
    cancel: CancelToken | None = None,
    history: Sequence[Message] = (),
    max_searches: int = MAX_SEARCHES,
    within: Sequence[str] = (),
    reranker: Reranker | None = None,
) -> Iterator[AnswerEvent]:
    """Yield sources as they are found, reasoning and answer text as generated, and last
    the Answer. With ``model=None`` only retrieval runs (``--retrieve-only``). A
    ``reranker`` reorders every search's candidates, the model's own searches too."""
    cancel = cancel or CancelToken()
    if model is None:
        result = Answer()
        t0 = time.perf_counter()
        result.sources = retrieve(store, embedder, question, top_k, mode, within, reranker)
        result.timings.retrieve_ms = (time.perf_counter() - t0) * 1000
        yield SourcesFound(result.sources, result.timings.retrieve_ms)
        yield result
        return
    run = _Run(store, embedder, model, params, mode, cancel, within, reranker)
    if model.capabilities.tools and params.json_schema is None:
        yield from _with_tools(run, question, history, top_k, max_searches)
    else:
        base = build_messages(question, [], history)
        sources = run.search(question, top_k, base)
        yield SourcesFound(sources, run.result.timings.retrieve_ms)
        for event in run.generate(build_messages(question, sources, history), ()):
            if not isinstance(event, ToolCall):
                yield event
    cancel.raise_if_cancelled()
    yield run.finish()


def _with_tools(
    run: _Run, question: str, history: Sequence[Message], top_k: int, max_searches: int
) -> Iterator[AnswerEvent]:
    messages: list[Message] = [
        {"role": "system", "content": TOOL_INSTRUCTIONS},
        *history,
        {"role": "user", "content": question},
    ]
    for round_no in range(max_searches + 1):
        tools = [SEARCH_TOOL] if round_no < max_searches else []
        calls: list[ToolCall] = []
        reasoning_before = len(run.reasoning_parts)
        for event in run.generate(messages, tools):
            if isinstance(event, ToolCall):
                calls.append(event)
            else:
                yield event
        if not calls and tools and run.result.finish_reason == "call":
            # The model meant to call a tool but its call could not be read: say so, let
            # it try again within the same bound.
            messages.append({"role": "tool", "name": SEARCH_TOOL["name"], "content": BAD_CALL})
            continue
        if not calls or not tools:
            return
        reasoning = "".join(run.reasoning_parts[reasoning_before:])
        for call in calls:
            run.cancel.raise_if_cancelled()
            messages.append(
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning": reasoning,
                    "tool_calls": [{"name": call.name, "arguments": call.arguments}],
                }
            )
            reasoning = ""
            result, found = _run_tool(run, call, messages, top_k)
            messages.append({"role": "tool", "name": call.name, "content": result})
            if found:
                yield SourcesFound(found, run.result.timings.retrieve_ms)


def _run_tool(
    run: _Run, call: ToolCall, messages: Sequence[Message], top_k: int
) -> tuple[str, list[Source]]:
    """Run one tool call: the text the model gets back and the new sources."""
    if call.name != SEARCH_TOOL["name"]:
        return f"Unknown tool {call.name}: only search_documents exists.", []
    query = str(call.arguments.get("query") or "").strip()
    if not query:
        return "search_documents needs a non-empty query.", []
    try:
        k = int(call.arguments.get("k", top_k))
    except (TypeError, ValueError):
        k = top_k
    run.result.searches.append(query)
    found = run.search(query, max(1, min(k, 10)), messages)
    if not found:
        return "No new passages were found for that query.", []
    return format_sources(found), found
