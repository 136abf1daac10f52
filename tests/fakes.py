"""A scripted chat model for unit tests of one piece: it emits harmony text.

Each call to ``stream`` takes the next scripted reply (raw gpt-oss output, special tokens
and all), cuts it into uneven byte pieces the way a tokenizer's pieces arrive, and reads
it back through Fathom's real harmony reader, so everything downstream sees exactly what
the llama.cpp backend would produce for that output.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from desktop.core.llm.base import (
    Capabilities,
    GenerationParams,
    Message,
    ModelEvent,
    Tool,
    Usage,
)
from desktop.core.llm.prompting import HarmonyReader
from desktop.core.progress import CancelToken


class ScriptedHarmonyModel:
    name = "scripted-gpt-oss"
    capabilities = Capabilities(tools=True, reasoning=True, device="CPU")
    loaded = True  # nothing to load
    load_fraction = 1.0

    def __init__(self, replies: Sequence[str], *, context_length: int = 8192, seed: int = 7):
        self.replies = list(replies)
        self.context_length = context_length
        self.calls: list[dict[str, Any]] = []  # what each call was given
        self._rng = random.Random(seed)

    def wait_loaded(self, timeout: float | None = None) -> None:
        pass

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
        tools: Sequence[Tool] = (),
    ) -> Iterator[ModelEvent]:
        self.calls.append({"messages": [dict(m) for m in messages], "tools": list(tools)})
        if not self.replies:
            raise AssertionError("the model was called more often than scripted")
        data = self.replies.pop(0).encode("utf-8")
        reader = HarmonyReader()
        pieces = 0
        i = 0
        while i < len(data) and not reader.done:
            n = self._rng.randint(1, 7)
            pieces += 1
            yield from reader.feed(data[i : i + n])
            i += n
        yield from reader.close("length")
        yield Usage(prompt_tokens=0, completion_tokens=pieces)

    def close(self) -> None:
        pass


def tool_call(query: str, k: int = 3, analysis: str = "I should search.") -> str:
    """A gpt-oss reply that thinks, then calls search_documents."""
    return (
        f"<|channel|>analysis<|message|>{analysis}<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.search_documents "
        f'<|constrain|>json<|message|>{{"query": "{query}", "k": {k}}}<|call|>'
    )


def final(text: str, analysis: str = "The passages answer it.") -> str:
    """A gpt-oss reply that thinks, then answers."""
    return (
        f"<|channel|>analysis<|message|>{analysis}<|end|>"
        f"<|start|>assistant<|channel|>final<|message|>{text}<|return|>"
    )
