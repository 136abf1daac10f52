"""What readers produce and what chunking cuts: plain data, no behaviour."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LEADING_HEADINGS = re.compile(r"\A(?:\s*#{1,6}\s+[^\n]*\n?)+")


@dataclass(frozen=True)
class Section:
    """A run of a document's text under one heading (or on one page).

    ``start`` and ``end`` are character offsets into ``Document.text``.
    """

    start: int
    end: int
    heading: str = ""
    page: int = 0


@dataclass(frozen=True)
class Document:
    path: str
    text: str
    sections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, with what a citation needs to point at it."""

    text: str
    path: str
    ordinal: int
    start: int
    end: int
    heading: str = ""
    page: int = 0

    def embedding_text(self) -> str:
        """What the embedder sees: the heading path, then the passage without its own
        heading line, so every fragment of a section carries the section's context and
        markup such as ``####`` does not dilute the vector."""
        if not self.heading:
            return self.text
        body = _LEADING_HEADINGS.sub("", self.text, count=1).strip()
        return f"{self.heading}\n\n{body}"
