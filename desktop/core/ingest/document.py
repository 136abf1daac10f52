"""What readers produce: plain data, no behaviour. What chunking cuts from it, the
``Chunk``, lives in ``desktop.core.types`` because the store keeps it too."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """A run of a document's text under one heading (or on one page).

    ``start`` and ``end`` are character offsets into ``Document.text``; ``ocr`` says the
    text was read from an image by OCR (a scanned page, a photo). A section that runs on
    over page breaks starts on ``page``; ``breaks`` are the offsets where each next page's
    text begins (page + 1, page + 2, ...). ``kind`` is "" for text, or "contents" or
    "index" for such a page (desktop.core.ingest.contents).
    """

    start: int
    end: int
    heading: str = ""
    page: int = 0
    ocr: bool = False
    breaks: tuple[int, ...] = ()
    kind: str = ""

    def page_at(self, offset: int) -> int:
        """The page that the character at ``offset`` is on."""
        return self.page + bisect_right(self.breaks, offset)


@dataclass(frozen=True)
class Document:
    path: str
    text: str
    sections: list[Section] = field(default_factory=list)
