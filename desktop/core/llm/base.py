"""The chat model protocol and the events a model streams."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from desktop.core.progress import CancelToken

Effort = Literal["low", "medium", "high"]
# Tokens kept free for a reasoning model's thinking, on top of the answer's max_tokens.
REASONING_RESERVE: dict[str, int] = {"low": 256, "medium": 1024, "high": 3072}
Message = dict[str, Any]


@dataclass(frozen=True)
class Reasoning:
    """A piece of the model's visible reasoning (gpt-oss: the analysis channel)."""

    text: str


@dataclass(frozen=True)
class AnswerText:
    """A piece of the answer people read."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class TurnEnd:
    """The model stopped: ``stop`` (done), ``length`` (token limit), ``call``, ``cancelled``."""

    reason: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


ModelEvent = Reasoning | AnswerText | ToolCall | TurnEnd | Usage


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 1024
    temperature: float = 0.2
    reasoning_effort: Effort = "medium"
    json_schema: dict[str, Any] | None = None  # constrain the answer to this JSON schema


Tool = dict[str, Any]  # {"name", "description", "parameters": JSON schema}


class ChatModel(Protocol):
    """A model that streams events for a conversation of ``{"role", "content"}`` messages.

    Messages may also be ``{"role": "assistant", "content", "tool_calls": [{"name",
    "arguments"}]}`` and ``{"role": "tool", "name", "content"}`` in a tool round. Models
    whose ``supports_tools`` is False ignore ``tools``.
    """

    @property
    def name(self) -> str: ...

    @property
    def supports_tools(self) -> bool: ...

    @property
    def reasoning(self) -> bool:
        """Whether the model reasons before answering (its reasoning needs room too)."""
        ...

    @property
    def context_length(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
        tools: Sequence[Tool] = (),
    ) -> Iterator[ModelEvent]: ...

    def close(self) -> None: ...
