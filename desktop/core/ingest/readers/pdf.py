"""PDF: the text layer page by page (pypdf), headings from the PDF's outline (bookmarks).

A PDF that pypdf cannot open (a cross-reference table missing or broken, as scanners and
cut-short downloads leave them) is read again with PDFium, which repairs what PDF viewers
repair; only what neither can read is refused, with pypdf's reason.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from typing import TYPE_CHECKING

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import ReadError, TextBuilder, reason

if TYPE_CHECKING:
    from pypdf import PdfReader

_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t\f\v]+\n")


def read_pdf(path: str, data: bytes) -> Document:
    """One section per page (``page`` from 1), cut again where an outline entry starts.

    Fails on what has no text to give: an encrypted PDF that needs a password, a scan
    without a text layer, a damaged or truncated file.
    """
    if b"%PDF-" not in data[:1024]:
        raise ReadError("corrupt PDF: no PDF header (not a PDF file)")
    if data.rfind(b"%%EOF") < 0:
        raise ReadError("truncated PDF: the end of the file is missing (incomplete download?)")
    # pypdf logs every oddity it repairs; a desktop app's terminal is no place for them.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from pypdf.errors import DependencyError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(path, data)
    except ReadError:
        raise
    except DependencyError as exc:
        raise ReadError(f"encrypted PDF: cannot decrypt ({reason(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files; all mean the same
        repaired = _read_repaired(path, data)
        if repaired is None:
            raise ReadError(f"corrupt PDF: {reason(exc)}") from exc
        return repaired


def _read_repaired(path: str, data: bytes) -> Document | None:
    """The text of a damaged PDF as PDFium repairs it, one section per page; None when
    PDFium cannot open it or finds no text on any page either."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # an install without it: refuse as before
        return None
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # PdfiumError: not repairable (or a password it was not given)
        return None
    try:
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(_clean(textpage.get_text_range()))
            textpage.close()
            page.close()
    except Exception:
        return None
    finally:
        pdf.close()
    if not any(texts):
        return None
    builder = TextBuilder()
    for number, text in enumerate(texts, start=1):
        builder.section("", number)
        builder.block(text)
    return builder.build(path)


def _read(path: str, data: bytes) -> Document:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ReadError("encrypted PDF (password required)")
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            raw = page.extract_text()
        except Exception as exc:
            raise ReadError(f"corrupt PDF: page {number} cannot be read ({reason(exc)})") from exc
        texts.append(_clean(raw))
    if not texts:
        raise ReadError("empty PDF: it has no pages")
    if not any(texts):
        raise ReadError("scanned PDF without a text layer (OCR is not supported)")
    marks = _outline(reader)
    builder = TextBuilder()
    heading = ""
    for number, text in enumerate(texts, start=1):
        # (start, heading path, title) of each run of the page under one outline entry
        runs: list[tuple[int, str, str]] = [(0, heading, "")]
        for title, heading in marks.get(number, []):
            found = _find_title(text, title, runs[-1][0])
            runs.append((runs[-1][0] if found is None else found, heading, title))
        ends = [start for start, _, _ in runs[1:]] + [len(text)]
        start = 0
        for (_, run_heading, title), end in zip(runs, ends, strict=True):
            if title and end < len(text) and " ".join(text[start:end].split()) == title:
                continue  # only the heading: the next entry's section starts with it
            builder.section(run_heading, number)
            builder.block(text[start:end])
            start = end
    return builder.build(path)


def _clean(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    return _BLANK_LINES.sub("\n\n", text).strip()


def _find_title(text: str, title: str, start: int) -> int | None:
    """Where an outline title appears on its page, at or after ``start``, if it does."""
    pos = text.find(title, start)
    if pos >= 0:
        return pos
    words = title.split()
    if not words:
        return None
    m = re.compile(r"\s+".join(re.escape(w) for w in words)).search(text, start)
    return m.start() if m else None


def _outline(reader: PdfReader) -> dict[int, list[tuple[str, str]]]:
    """Outline entries by 1-based page: (title, heading path), in outline order.

    An outline that cannot be read is no reason to lose the text: it is ignored.
    """
    marks: dict[int, list[tuple[str, str]]] = {}

    def walk(items: list[object], parents: list[str], depth: int) -> None:
        last: str | None = None
        for item in items:
            if isinstance(item, list):
                if depth < 16:
                    walk(item, [*parents, last] if last else parents, depth + 1)
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if not title:
                continue
            last = title
            try:
                index = reader.get_destination_page_number(item)  # type: ignore[arg-type]
            except Exception:
                continue
            if index is not None and index >= 0:
                marks.setdefault(index + 1, []).append((title, " > ".join([*parents, title])))

    try:
        walk(list(reader.outline), [], 0)
    except Exception:
        return {}
    return marks
