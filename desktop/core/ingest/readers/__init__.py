"""Readers turn a file's bytes into a Document with sections (headings, pages).

Each reader is a function ``(path, data) -> Document``; ``reader_for`` picks one by suffix.
A reader raises ``ReadError`` with a one-line reason for input it cannot read, and nothing
else. Readers of pages (PDF, images, which may need OCR at about a second a page) also take
an ``on_page`` hook that they call before each page: ``reader_for(path, on_page=...)``
binds it. The libraries for binary formats are imported when a file of that kind is read, so
that importing this package (as the command line does at start) stays cheap.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import PagedReader, PageHook, Reader, ReadError
from desktop.core.ingest.readers.text import decode_text, read_markdown, read_rst, read_text

__all__ = [
    "PageHook",
    "PagedReader",
    "ReadError",
    "Reader",
    "decode_text",
    "read_csv",
    "read_docx",
    "read_epub",
    "read_html",
    "read_image",
    "read_markdown",
    "read_pdf",
    "read_pptx",
    "read_rst",
    "read_text",
    "reader_for",
]


# The readers of formats that need a library: thin wrappers, so that the library's module
# (and the module of this package that uses it) loads on the first file of that kind.
def read_pdf(path: str, data: bytes, on_page: PageHook | None = None) -> Document:
    from desktop.core.ingest.readers.pdf import read_pdf

    return read_pdf(path, data, on_page)


def read_image(path: str, data: bytes, on_page: PageHook | None = None) -> Document:
    from desktop.core.ingest.readers.image import read_image

    return read_image(path, data, on_page)


def read_docx(path: str, data: bytes) -> Document:
    from desktop.core.ingest.readers.office import read_docx

    return read_docx(path, data)


def read_pptx(path: str, data: bytes) -> Document:
    from desktop.core.ingest.readers.office import read_pptx

    return read_pptx(path, data)


def read_html(path: str, data: bytes) -> Document:
    from desktop.core.ingest.readers.htmldoc import read_html

    return read_html(path, data)


def read_epub(path: str, data: bytes) -> Document:
    from desktop.core.ingest.readers.epub import read_epub

    return read_epub(path, data)


def read_csv(path: str, data: bytes) -> Document:
    from desktop.core.ingest.readers.table import read_csv

    return read_csv(path, data)


MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
# Images are read by OCR, a page per image or TIFF frame.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
TEXT_SUFFIXES = {
    ".txt",
    ".text",
    ".log",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".xml",
    ".tex",
    ".org",
    ".adoc",
    # source code
    ".py",
    ".pyi",
    ".js",
    ".jsx",
    ".ts",
    ".tsx",
    ".java",
    ".kt",
    ".go",
    ".rs",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".rb",
    ".php",
    ".swift",
    ".scala",
    ".sh",
    ".bash",
    ".sql",
    ".r",
    ".lua",
    ".pl",
    ".m",
    ".css",
    ".scss",
    ".proto",
}
PAGED_READERS: dict[str, PagedReader] = {
    ".pdf": read_pdf,
    **dict.fromkeys(IMAGE_SUFFIXES, read_image),
}
READERS: dict[str, Reader] = {
    **dict.fromkeys(MARKDOWN_SUFFIXES, read_markdown),
    **dict.fromkeys(TEXT_SUFFIXES, read_text),
    ".rst": read_rst,
    ".rest": read_rst,
    **PAGED_READERS,
    ".docx": read_docx,
    ".pptx": read_pptx,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".epub": read_epub,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".tab": read_csv,
}


def reader_for(path: Path, on_page: PageHook | None = None) -> Reader | None:
    """The reader of ``path``'s kind, None for a kind Fathom does not read; a reader of
    pages calls ``on_page`` (when given) before each page."""
    suffix = path.suffix.lower()
    paged = PAGED_READERS.get(suffix)
    if paged is not None and on_page is not None:
        return partial(paged, on_page=on_page)
    return READERS.get(suffix)
