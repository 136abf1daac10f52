"""Prompts for GGUF chat models: harmony for gpt-oss, the GGUF's template otherwise.

The backend renders the prompt (``harmony.render_prompt`` for gpt-oss, the GGUF's chat
template or a fallback format otherwise) and pairs it with a reader: ``HarmonyReader`` or
``TemplateReader`` turns the generated pieces back into events (``feed``/``close``/``done``),
so the decode loop stays the same for every model.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import Any

from desktop.core.llm.base import (
    AnswerText,
    Message,
    ModelEvent,
    Reasoning,
    ToolCall,
    TurnEnd,
)
from desktop.core.llm.gguf import architecture

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
FINAL_PREFILL = "<|channel|>final<|message|>"


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


class StopMatcher:
    """Cuts streamed text at the first stop string, holding back what may begin one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        text = self._held + text
        for stop in self.stops:
            at = text.find(stop)
            if at >= 0:
                self.stopped = True
                self._held = ""
                return text[:at]
        hold = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        self._held = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        held, self._held = self._held, ""
        return "" if self.stopped else held


class TemplateReader:
    """Reads a template-formatted model's pieces: all of it is answer text."""

    special_pieces = False

    def __init__(self, stops: Sequence[str]) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stops = StopMatcher(stops)

    def feed(self, piece: bytes) -> list[ModelEvent]:
        text = self._stops.feed(self._utf8.decode(piece))
        return [AnswerText(text)] if text else []

    @property
    def done(self) -> bool:
        return self._stops.stopped

    def close(self, reason: str) -> list[ModelEvent]:
        text = self._stops.feed(self._utf8.decode(b"", final=True)) + self._stops.flush()
        out: list[ModelEvent] = [AnswerText(text)] if text else []
        return [*out, TurnEnd(reason)]


class HarmonyReader:
    """Reads gpt-oss output (special tokens rendered) through the harmony parser."""

    special_pieces = True

    def __init__(self, prefill: str = "") -> None:
        from desktop.core.llm.harmony import HarmonyStreamParser

        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._parser = HarmonyStreamParser()
        self.done = False
        if prefill:
            self._parser.feed(prefill)

    def _map(self, events: Sequence[object]) -> list[ModelEvent]:
        from desktop.core.llm.harmony import Commentary, ParseError

        out: list[ModelEvent] = []
        for e in events:
            if isinstance(e, Commentary):
                out.append(Reasoning(e.text))  # a preamble to tool calls: shown, not the answer
            elif isinstance(e, ParseError):
                out.append(Reasoning(f"\n[unreadable model output: {e.message}]\n"))
            elif isinstance(e, AnswerText | Reasoning | ToolCall | TurnEnd):
                out.append(e)
        return out

    def feed(self, piece: bytes) -> list[ModelEvent]:
        events = self._map(self._parser.feed(self._utf8.decode(piece)))
        if any(isinstance(e, TurnEnd) for e in events):
            self.done = True  # <|return|> or <|call|>: the turn is over
        return events

    def close(self, reason: str) -> list[ModelEvent]:
        """Flush what is pending; end the turn with ``reason`` unless the model ended it."""
        raw = [*self._parser.feed(self._utf8.decode(b"", final=True)), *self._parser.close()]
        events: list[ModelEvent] = [e for e in self._map(raw) if not isinstance(e, TurnEnd)]
        return events if self.done else [*events, TurnEnd(reason)]
