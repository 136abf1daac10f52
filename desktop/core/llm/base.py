"""The chat model protocol and the events a model streams."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from desktop.core.progress import CancelToken

Effort = Literal["low", "medium", "high"]
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


class ChatModel(Protocol):
    """A model that streams events for a conversation of ``{"role", "content"}`` messages."""

    @property
    def name(self) -> str: ...

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
    ) -> Iterator[ModelEvent]: ...

    def close(self) -> None: ...
