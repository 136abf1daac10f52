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
Device = Literal["CPU", "GPU", "remote"]


@dataclass(frozen=True)
class Capabilities:
    """What a chat model can do, as its backend declares it (nothing probes a model for
    members it may lack)."""

    tools: bool = False  # it calls the tools it is given (the library search); else ignores them
    reasoning: bool = False  # it reasons before answering (that needs room in the context too)
    exact_token_count: bool = False  # count_tokens uses its own vocabulary; else an estimate
    device: Device = "remote"  # where it runs: on this computer's CPU or GPU, or a server


class ModelLoading(Protocol):
    """How a model says that it is loading and how far it got: a local model loads on its
    own thread once it is made; a model on a server is loaded already."""

    @property
    def loaded(self) -> bool:
        """Loading has ended (``wait_loaded`` says whether it failed)."""
        ...

    @property
    def load_fraction(self) -> float:
        """How much is loaded, 0.0 to 1.0."""
        ...

    def wait_loaded(self, timeout: float | None = None) -> None:
        """Block until the model is loaded (or ``timeout`` s); raise what loading raised."""
        ...


class ChatModel(ModelLoading, Protocol):
    """A model that streams events for a conversation of ``{"role", "content"}`` messages.

    Messages may also be ``{"role": "assistant", "content", "tool_calls": [{"name",
    "arguments"}]}`` and ``{"role": "tool", "name", "content"}`` in a tool round. Models
    without the ``tools`` capability ignore ``tools``.
    """

    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

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
