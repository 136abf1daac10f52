"""What every reader shares: the error it raises and a builder for text with sections."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Protocol

from desktop.core.ingest.document import Document, Section


class ReadError(Exception):
    """A file cannot be read; the message is the one-line reason people see."""


Reader = Callable[[str, bytes], Document]

# What a reader of pages (PDF, images) calls before it reads page ``page`` of ``pages``
# (from 1), ``ocr`` true when OCR reads that page (about a second): an ingestion reports
# progress with it, and stops a read by raising Cancelled from it, which readers let
# through.
PageHook = Callable[[int, int, bool], None]


class PagedReader(Protocol):
    """A reader that reports each page as it reads it (a PDF, an image's frames)."""

    def __call__(self, path: str, data: bytes, on_page: PageHook | None = None) -> Document: ...


# A zip member larger than this, or members adding up to more, is taken for a zip bomb.
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024

_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Whitespace runs (newlines included) become one space; the ends are trimmed."""
    return _SPACES.sub(" ", text).strip()


def reason(exc: BaseException) -> str:
    """A library exception's message as one short line, for a ReadError."""
    text = one_line(str(exc)) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def open_zip(data: bytes, kind: str, what: str) -> zipfile.ZipFile:
    """Open a zip container (DOCX, PPTX, EPUB), refusing what is not one or is a bomb.

    ``kind`` names the format in reasons ("DOCX"); ``what`` says what a valid one is
    ("Office file").
    """
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE compound file, not a zip
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ReadError(f"encrypted {kind} (password required)")
        raise ReadError(f"corrupt {kind}: an old binary Office file renamed, not a valid {what}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ReadError(f"corrupt {kind}: not a valid {what} ({reason(exc)})") from exc
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise ReadError(f"{kind} too large once unpacked (over 1 GB)")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, kind: str) -> bytes:
    """One member's bytes; a damaged member is a ReadError."""
    try:
        return archive.read(name)
    except KeyError as exc:
        raise ReadError(f"corrupt {kind}: {name} is missing") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ReadError(f"corrupt {kind}: {name} cannot be unpacked ({reason(exc)})") from exc


class TextBuilder:
    """Assemble a document's text from headings and blocks, recording exact sections.

    A heading opens a section whose path is ``A > B > C``; the heading is written as a
    Markdown ATX line (``## Wiring``) so that chunks and their embedding text treat it
    as they treat Markdown. A heading with no text under it is not a section of its own:
    the section of the next heading starts at it. Blocks are separated by blank lines.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._start = 0
        self._end = 0  # where the open section's content ends (no trailing separator)
        self._heading = ""
        self._page = 0
        self._ocr = False
        self._kind = ""
        self._breaks: list[int] = []
        self._has_body = False

    def _write(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def _close(self, *, headings_alone: bool) -> None:
        """End the open section; one holding only heading lines is kept when asked."""
        if self._has_body or (headings_alone and self._end > self._start):
            breaks = tuple(b for b in self._breaks if b < self._end)
            self._sections.append(
                Section(
                    self._start, self._end, self._heading, self._page, self._ocr, breaks, self._kind
                )
            )
        self._start = self._end = self._length
        self._has_body = False
        self._breaks = []

    def heading(self, level: int, title: str) -> None:
        """A heading of ``level`` (smaller is higher; any integer) opens a section."""
        title = one_line(title)
        if not title:
            return
        if self._has_body:
            self._close(headings_alone=False)
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        self._heading = " > ".join(t for _, t in self._stack)
        self._write("#" * min(len(self._stack), 6) + " " + title)
        self._end = self._length
        self._write("\n\n")

    def section(self, heading: str, page: int = 0, *, ocr: bool = False, kind: str = "") -> None:
        """Open a section with an explicit heading path and page, writing no heading line;
        ``ocr`` marks text read from an image (it holds for the headings under it);
        ``kind`` what the section is when it is not text (a contents page)."""
        self._close(headings_alone=True)
        self._stack = [(0, heading)] if heading else []
        self._heading = heading
        self._page = page
        self._ocr = ocr
        self._kind = kind

    def runs_on(self) -> bool:
        """Whether a section with text is open, for the next page to continue it."""
        return self._has_body

    def next_page(self) -> None:
        """The open section runs on over a page break: what is written next is on its
        next page."""
        self._breaks.append(self._length)

    def page(self, number: int) -> None:
        """Open a new page (a PDF page, a slide): headings start afresh."""
        self.section("", number)

    def block(self, text: str) -> None:
        """A paragraph, a table, a list item: written as is, trailing space trimmed."""
        text = text.rstrip()
        if not text.strip():
            return
        self._write(text)
        self._end = self._length
        self._has_body = True
        self._write("\n\n")

    def build(self, path: str) -> Document:
        self._close(headings_alone=True)
        return Document(path, "".join(self._parts).rstrip() + "\n", self._sections)
