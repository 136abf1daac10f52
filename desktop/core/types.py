"""Plain records that several layers of the core share, low enough that each imports
down to it: the passage (``Chunk``) that ingestion cuts, the store keeps and retrieval
cites, and the OCR mark its heading carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PureWindowsPath

_LEADING_HEADINGS = re.compile(r"\A(?:\s*#{1,6}\s+[^\n]*\n?)+")

# What a chunk's heading ends with when its text was read by OCR. The store keeps a
# chunk's heading but no flag for OCR, so the mark travels in the heading to the sources
# people and the model see ("scan.pdf (page 3, OCR)"); ``Chunk.ocr`` says it as well.
OCR_MARK = "(OCR)"


def mark_ocr(heading: str) -> str:
    """``heading`` as an OCR'd chunk carries it: the mark after it."""
    return f"{heading} {OCR_MARK}" if heading else OCR_MARK


def pages_label(page: int, page_end: int = 0) -> str:
    """How a passage's pages are named: "page 3", "pages 3-4" when it runs on over a page
    break, "" when it has none."""
    if not page:
        return ""
    return f"pages {page}-{page_end}" if page_end > page else f"page {page}"


# Between the levels of a heading path: "3M 2022 10K > Consolidated Balance Sheet".
HEADING_JOIN = " > "


def document_name(path: str) -> str:
    """The name a person gave the file, as words: "3M_2022_10K.pdf" is "3M 2022 10K"."""
    return " ".join(PureWindowsPath(path).stem.replace("_", " ").split())  # / and \\ both


def shown_heading(path: str, heading: str) -> str:
    """A source's heading as shown beside its file's name: without the document's name
    that leads the headings of a PDF without an outline (desktop.core.ingest.readers.pdf),
    since the file's name is already there. The heading the model reads keeps it."""
    name = document_name(path)
    text, ocr = split_ocr_mark(heading)
    if name and text == name:
        text = ""
    elif name and text.startswith(name + HEADING_JOIN):
        text = text[len(name) + len(HEADING_JOIN) :]
    else:
        return heading
    return mark_ocr(text) if ocr else text


def split_ocr_mark(heading: str) -> tuple[str, bool]:
    """(heading without the OCR mark, whether it had one)."""
    if heading == OCR_MARK:
        return "", True
    if heading.endswith(" " + OCR_MARK):
        return heading[: -len(OCR_MARK) - 1], True
    return heading, False


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, with what a citation needs to point at it.

    An OCR'd passage has ``ocr`` set and its heading ends with ``OCR_MARK``. A passage
    that runs on over a page break has ``page_end`` (its last page) past ``page`` (its
    first); 0 means the same as ``page``. ``kind`` is "" for a passage, or what else it
    is: a page of a table of contents or of an index (desktop.core.ingest.contents)."""

    text: str
    path: str
    ordinal: int
    start: int
    end: int
    heading: str = ""
    page: int = 0
    ocr: bool = False
    page_end: int = 0
    kind: str = ""

    @property
    def last_page(self) -> int:
        """The page the passage ends on (its first page when it does not run on)."""
        return max(self.page, self.page_end)

    def embedding_text(self) -> str:
        """What the embedder sees: the heading path, then the passage without its own
        heading line, so every fragment of a section carries the section's context and
        markup such as ``####`` does not dilute the vector. The OCR mark is left out: it
        says where the text came from, not what it is about."""
        heading = split_ocr_mark(self.heading)[0] if self.ocr else self.heading
        if not heading:
            return self.text
        body = _LEADING_HEADINGS.sub("", self.text, count=1).strip()
        return f"{heading}\n\n{body}"
