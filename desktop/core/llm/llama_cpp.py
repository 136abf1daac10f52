"""The llama.cpp backend: one thread owns the model; callers stream from a queue.

llama.cpp contexts are not thread-safe, and loading a model takes seconds, so a single
long-lived thread loads it and runs every generation; ``stream`` hands it a request and
yields the events it sends back. Cancelling stops generation at the next token.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.llm.base import (
    AnswerText,
    GenerationParams,
    Message,
    ModelEvent,
    TurnEnd,
    Usage,
)
from desktop.core.llm.gguf import architecture, read_gguf_metadata
from desktop.core.progress import CancelToken

# Chat formats of llama-cpp-python for GGUFs that carry no chat template, by architecture.
FALLBACK_FORMATS = {
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "llama": "llama-3",
    "qwen2": "chatml",
    "qwen3": "chatml",
    "phi3": "chatml",
    "mistral": "mistral-instruct",
}
# Formats whose prompt has no place for a system message: it goes before the first user turn.
NO_SYSTEM_ROLE = {"gemma", "mistral-instruct"}
_DONE = object()
log = logging.getLogger("fathom.llama_cpp")
GGML_LOG_ERROR = 4  # ggml's levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation
_LOG_CALLBACK: Any = None  # kept alive: llama.cpp holds a pointer to it


def route_llama_logs() -> None:
    """Send llama.cpp's own log lines to Python logging instead of the terminal.

    Errors stay visible as warnings; everything else (load notes, cache details) is debug.
    """
    global _LOG_CALLBACK
    import llama_cpp

    if _LOG_CALLBACK is not None:
        return

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def forward(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", errors="replace").rstrip()
        if message:
            log.log(logging.WARNING if level == GGML_LOG_ERROR else logging.DEBUG, "%s", message)

    _LOG_CALLBACK = forward
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


@dataclass
class _Request:
    messages: list[Message]
    params: GenerationParams
    cancel: CancelToken
    stop: threading.Event = field(default_factory=threading.Event)  # the consumer went away
    out: queue.Queue[Any] = field(default_factory=queue.Queue)

    @property
    def stopped(self) -> bool:
        return self.cancel.cancelled or self.stop.is_set()


def chat_format_for(meta: dict[str, Any]) -> str | None:
    """None when the GGUF carries its own template; else a llama-cpp-python format name."""
    if meta.get("tokenizer.chat_template"):
        return None
    return FALLBACK_FORMATS.get(architecture(meta), "chatml")


def fold_system(messages: Sequence[Message]) -> list[Message]:
    """Move system text into the first user message, for formats without a system role."""
    system = "\n\n".join(str(m["content"]) for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        for m in rest:
            if m["role"] == "user":
                m["content"] = f"{system}\n\n{m['content']}"
                break
        else:
            rest.insert(0, {"role": "user", "content": system})
    return rest


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


class LlamaCppModel:
    """A GGUF model run by llama.cpp on a thread of its own."""

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 8192,
        n_threads: int = 0,
        n_gpu_layers: int = -1,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(
                f"The chat model {self.path} does not exist.",
                "Pass --model PATH to a .gguf file, or run 'fathom models pull'.",
            )
        self.metadata = read_gguf_metadata(self.path)
        self.chat_format = chat_format_for(self.metadata)
        self._load_args: dict[str, Any] = {
            "model_path": str(self.path),
            "n_ctx": n_ctx,
            "n_threads": n_threads or default_threads(),
            "n_gpu_layers": n_gpu_layers,
            "chat_format": self.chat_format,
            "verbose": False,
        }
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._loaded = threading.Event()
        self._load_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fathom-llm", daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    def wait_loaded(self, timeout: float | None = None) -> None:
        """Block until the model is in memory; raise what loading raised."""
        self._loaded.wait(timeout)
        if self._load_error is not None:
            raise ModelError(
                f"llama.cpp could not load {self.path.name}: {self._load_error}",
                "Check that the file is a complete GGUF that this llama.cpp build supports.",
            ) from self._load_error

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
    ) -> Iterator[ModelEvent]:
        self.wait_loaded()
        msgs = list(messages)
        if self.chat_format in NO_SYSTEM_ROLE:
            msgs = fold_system(msgs)
        req = _Request(msgs, params, cancel or CancelToken())
        self._requests.put(req)
        try:
            while True:
                item = req.out.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise ModelError(f"Generation failed: {item}") from item
                yield item
        finally:
            req.stop.set()  # a consumer that stops early stops the generation too

    def close(self) -> None:
        self._requests.put(None)
        self._thread.join(timeout=30)

    # --- the owner thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            from llama_cpp import Llama

            route_llama_logs()
            llm = Llama(**self._load_args)
        except BaseException as exc:
            self._load_error = exc
            self._loaded.set()
            return
        self._loaded.set()
        while (req := self._requests.get()) is not None:
            try:
                self._generate(llm, req)
            except BaseException as exc:
                req.out.put(exc)
            finally:
                req.out.put(_DONE)
        llm.close()

    def _generate(self, llm: Any, req: _Request) -> None:
        stream = llm.create_chat_completion(
            messages=req.messages,
            stream=True,
            max_tokens=req.params.max_tokens,
            temperature=req.params.temperature,
        )
        tokens, reason = 0, "stop"
        for chunk in stream:
            if req.stopped:
                reason = "cancelled"
                break
            choice = chunk["choices"][0]
            text = choice["delta"].get("content")
            if text:
                tokens += 1
                req.out.put(AnswerText(text))
            if choice.get("finish_reason"):
                reason = choice["finish_reason"]
        stream.close()
        req.out.put(Usage(prompt_tokens=0, completion_tokens=tokens))
        req.out.put(TurnEnd(reason))
