"""What readers produce: plain data, no behaviour. What chunking cuts from it, the
``Chunk``, lives in ``desktop.core.types`` because the store keeps it too."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """A run of a document's text under one heading (or on one page).

    ``start`` and ``end`` are character offsets into ``Document.text``; ``ocr`` says the
    text was read from an image by OCR (a scanned page, a photo).
    """

    start: int
    end: int
    heading: str = ""
    page: int = 0
    ocr: bool = False


@dataclass(frozen=True)
class Document:
    path: str
    text: str
    sections: list[Section] = field(default_factory=list)
