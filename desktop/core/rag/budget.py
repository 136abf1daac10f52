"""Fit sources into the model's context window, measured in the model's own tokens.

Room is kept for the model's reasoning and its answer. Sources go in by rank; a small
document that fits whole is given whole (its passages merged into one source) rather than
in fragments; the last source that does not fit is shortened rather than dropped when a
useful part of it fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from desktop.core.llm.base import REASONING_RESERVE
from desktop.core.rag.retrieve import Source

__all__ = ["REASONING_RESERVE", "Budget", "fit_sources"]

MIN_USEFUL_TOKENS = 64
# What a source costs beside its text: its "[n] path — heading (page)" line and the blank
# lines between sources (prompt.format_sources).
SEPARATOR_TOKENS = 16
WHOLE_DOC_SHARE = 0.34  # a whole document may take at most this share of the room


@dataclass(frozen=True)
class Budget:
    context: int  # the model's context window
    reserve: int  # tokens kept free for reasoning and the answer
    overhead: int  # tokens of the prompt without any source

    @property
    def for_sources(self) -> int:
        return max(0, self.context - self.reserve - self.overhead)


def _shorten(text: str, tokens: int, count: Callable[[str], int]) -> str:
    """The longest word-boundary prefix of ``text`` within ``tokens``."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[:mid]) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    cut = text.rfind(" ", 0, lo)
    return text[: cut if cut > lo // 2 else lo].rstrip() + " …"


def fit_sources(
    sources: Sequence[Source],
    budget: Budget,
    count: Callable[[str], int],
    whole_text: Callable[[str], str | None] = lambda _path: None,
) -> list[Source]:
    """Choose and renumber the sources that fit; ``whole_text(path)`` gives a small
    document's full text (or None when it is not small)."""
    room = budget.for_sources
    chosen: list[Source] = []
    whole_done: set[str] = set()
    for s in sources:
        if s.path in whole_done:
            continue  # already given whole
        whole = whole_text(s.path)
        if whole is not None:
            need = count(whole) + SEPARATOR_TOKENS
            if need <= room * WHOLE_DOC_SHARE or (need <= room and not chosen):
                chosen.append(replace(s, text=whole, heading="", page=0))
                whole_done.add(s.path)
                room -= need
                continue
        need = count(s.text) + SEPARATOR_TOKENS
        if need <= room:
            chosen.append(s)
            room -= need
        elif room - SEPARATOR_TOKENS >= MIN_USEFUL_TOKENS:
            chosen.append(replace(s, text=_shorten(s.text, room - SEPARATOR_TOKENS, count)))
            break
        else:
            break
    return [replace(s, rank=i) for i, s in enumerate(chosen, start=1)]
