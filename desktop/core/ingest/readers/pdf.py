"""PDF: the text layer page by page, headings from the PDF's outline (bookmarks) or, in a
PDF without one, from its name and the titles its pages open with, and OCR for pages that
are pictures of text (scans).

The text comes from PDFium (pypdfium2), which is fast and repairs what PDF viewers repair
(a cross-reference table missing or broken, as scanners and cut-short downloads leave
them); pypdf reads what PDFium cannot open, and gives the reason when neither can.

A page whose text layer holds fewer than ``OCR_BELOW`` characters (white space aside) but
that shows an image is read by OCR instead: PDFium renders it at ``OCR_SCALE`` and the
page's pixels are let go before the next page is rendered. So a PDF with a few scanned
pages keeps its real text everywhere else, and one that is all scans is read at all.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections import Counter
from typing import TYPE_CHECKING, Any

from desktop.core.errors import Cancelled
from desktop.core.ingest.contents import page_kind
from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import PageHook, ReadError, TextBuilder, reason
from desktop.core.types import HEADING_JOIN, document_name

if TYPE_CHECKING:
    from pypdf import PdfReader

_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t\f\v]+\n")
# PDFium joins a line that ends in a hyphen to the next and marks the hyphen U+FFFE: a
# word cut by hyphenation ("func-tion") or a hyphenated one ("non-GAAP") at a line end.
_LINE_END_HYPHEN = re.compile(r"(\w+)\ufffe\s*(\w+)")
_WORD = re.compile(r"\w+")
_HYPHENATED = re.compile(r"\w+-\w+")


# Text engines in the order they are tried. PDFium reads 191 pages/s where pypdf reads 7.7
# (the 5 FinanceBench filings, 646 pages, same run) and repairs what viewers repair; pypdf
# is the fallback for what PDFium cannot open, and gives the reason when neither can.
ENGINES = ("pdfium", "pypdf")

# A page with less text than this (white space aside) and an image is OCR'd. A scan's
# text layer is empty, or holds a stamp that scanners and archives add ("Scanned with
# CamScanner" is 19 characters, "Page 3 of 10" 10, a Bates number about 12); a page of
# text, even a title page or a figure's caption, has more. A page without an image (a
# blank page, a vector drawing) has nothing for OCR to read.
OCR_BELOW = 32
# Render scale for OCR (1 = 72 dpi): 144 dpi. On the gnuplot manual's 10-point text, words
# read right stop improving at about 90 dpi (72: 97.9%, 90: 99.5%, 108 to 180: 99.6%); 144
# keeps that margin for print down to 6 points (footnotes, scans of small print). It costs
# in detection only (recognition does not depend on the resolution): 4.3 s a page against
# 3.4 at 108 dpi on 2 cores (tests/bench/bench_ocr.py).
OCR_SCALE = 2.0

# The longest line taken for a page's running head (a title, a chapter, the page number).
RUNNING_HEAD_CHARS = 80

# A PDF without an outline gets its headings from its pages: a page that opens with a
# title (a line set as one: short, no figures, no sentence end, its words capitalised)
# starts a section headed "document name > title"; the pages that follow, until the next
# title, run on under it. A passage cut from the middle of a balance sheet then says whose
# balance sheet it is. On the five FinanceBench filings (no outline; each statement page
# opens with its title), 50 paraphrased questions (tests/data/recall/filings.jsonl),
# all-MiniLM-L6-v2, R@1 / R@5: hybrid 0.36 / 0.72 -> 0.44 / 0.84, dense 0.44 / 0.76 ->
# 0.56 / 0.86 (tests.bench.bench_recall, and --no-page-titles for before).
PAGE_TITLES = True  # off only to measure without them (tests.bench.bench_recall)
TITLE_LINES = 2  # lines of a title at most (a company, then the statement)
TITLE_WORDS = 10
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"]
)
# Figures as tables and prose write them (1,234 / 3.5 / $ / % / 12345); a year is no figure.
_FIGURE = re.compile(r"\d[.,]\d|[$%\u20ac\u00a3]|\d{5,}")
_CONTENTS_ENTRY = re.compile(r"\S+\s+\S+\s.*\s\d+$")  # words, then a page number
_LETTERS = re.compile(r"[^\W\d_]{3}")
# A list item's marker: a bulleted name ("◦ Red Oak Sourcing, LLC (Delaware)") is no title.
_BULLET = re.compile(
    r"^[\u2022\u2023\u2043\u25aa\u25ab\u25cb\u25cf\u25e6\u25a0\u25a1\u00b7*\u2013\u2014-]\s"
)
_PAGE_NUMBER = re.compile(  # "12", "Page 3 of 10", "- 4 -", "xii"
    r"(?:page\s+)?(?:\d+|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"(?:\s*(?:of|/)\s*\d+)?|[-\u2013\s\d]+",
    re.IGNORECASE,
)
# A link back to the contents, as filings open many pages with: passed over like a running
# head (a contents page itself has no title taken: it is a section of its own kind).
_BACK_LINK = re.compile(
    r"(?:back to |return to )?(?:the )?(?:table of contents|contents|index|top)"
    r"|inhalt(?:sverzeichnis)?|sommaire|table des mati\u00e8res|\u00edndice|indice",
    re.IGNORECASE,
)
# A line at the top or foot of more pages than this share (and than RUNNING_MIN) is the
# document's running head or foot ("Table of Contents", the company's name), not a title.
RUNNING_SHARE = 0.2
RUNNING_MIN = 3

# Per page: its text, whether OCR read it; then the outline marks by page.
Pages = tuple[list[str], list[bool], dict[int, list[tuple[str, str]]]]


def read_pdf(path: str, data: bytes, on_page: PageHook | None = None) -> Document:
    """One section per page (``page`` from 1), cut again where an outline entry starts;
    pages without a text layer are read by OCR. ``on_page`` is called before each page.

    Fails on what has no text to give: an encrypted PDF that needs a password, a damaged
    or truncated file.
    """
    if b"%PDF-" not in data[:1024]:
        raise ReadError("corrupt PDF: no PDF header (not a PDF file)")
    if data.rfind(b"%%EOF") < 0:
        raise ReadError("truncated PDF: the end of the file is missing (incomplete download?)")
    pages: Pages | None = None
    for engine in ENGINES:
        pages = _pdfium_pages(data, on_page) if engine == "pdfium" else _pypdf_pages(data, on_page)
        if pages is not None:
            break
    if pages is None:  # only when pypdf is not among the engines
        raise ReadError("corrupt PDF: no text engine could open it")
    return _document(path, *pages)


def _chars(text: str) -> int:
    """Characters other than white space."""
    return len("".join(text.split()))


def _pdfium_pages(data: bytes, on_page: PageHook | None) -> Pages | None:
    """Each page's text (by OCR where it needs it) and the outline, as PDFium reads them;
    None when PDFium cannot open the file (another engine may), ReadError when it needs a
    password."""
    try:
        import pypdfium2 as pdfium
    except (ImportError, OSError):  # not installed, or its PDFium library missing
        return None
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReadError("encrypted PDF (password required)") from exc
        return None
    try:
        texts: list[str] = []
        ocr: list[bool] = []
        total = len(pdf)
        for index in range(total):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                text = _clean(textpage.get_text_range())
                textpage.close()
                scan = _chars(text) < OCR_BELOW and _images(page) > 0
                if on_page is not None:
                    on_page(index + 1, total, scan)
                if scan:
                    read = _ocr_page(page, index + 1)
                    if _chars(read) >= _chars(text):  # a stamp over a photo: the stamp
                        text = read
                    else:
                        scan = False
            finally:
                page.close()
            texts.append(text)
            ocr.append(scan)
        return _line_end_hyphens(texts), ocr, _pdfium_outline(pdf)
    except pdfium.PdfiumError:
        return None
    finally:
        pdf.close()


def _images(page: Any) -> int:
    """How many images the page draws (inside its form objects too), up to one."""
    import pypdfium2.raw as pdfium_c

    try:
        for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
            return 1
    except Exception:  # objects that cannot be listed: take it for a picture, OCR decides
        return 1
    return 0


def _ocr_page(page: Any, number: int) -> str:
    """The page's text by OCR: rendered grey at ``OCR_SCALE`` (less for a page so large
    that OCR would shrink it), read, and let go."""
    from desktop.core.ingest.readers.ocr import MAX_SIDE, ocr_image

    width, height = page.get_size()
    scale = min(OCR_SCALE, MAX_SIDE / max(width, height, 1.0))
    try:
        bitmap = page.render(scale=scale, grayscale=True)
        pixels = bitmap.to_numpy()
    except Exception as exc:
        raise ReadError(f"corrupt PDF: page {number} cannot be rendered ({reason(exc)})") from exc
    try:
        return _clean(ocr_image(pixels))
    except ReadError as exc:
        raise ReadError(f"{exc} (page {number})") from exc
    finally:
        del pixels
        bitmap.close()


def _pdfium_outline(pdf: Any) -> dict[int, list[tuple[str, str]]]:
    marks: dict[int, list[tuple[str, str]]] = {}
    path: list[str] = []
    try:
        for item in pdf.get_toc(max_depth=16):
            title = " ".join(str(item.get_title() or "").split())
            del path[item.level :]
            if not title:
                continue
            path.append(title)
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            if index is not None and index >= 0:
                marks.setdefault(index + 1, []).append((title, " > ".join(path)))
    except Exception:  # an outline that cannot be read is no reason to lose the text
        return {}
    return marks


def _pypdf_pages(data: bytes, on_page: PageHook | None) -> Pages:
    """Each page's text layer as pypdf reads it: no OCR (PDFium, which renders the pages
    for it, could not open the file)."""
    # pypdf logs every oddity it repairs; a desktop app's terminal is no place for them.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from pypdf.errors import DependencyError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_pypdf(data, on_page)
    except (ReadError, Cancelled):
        raise
    except DependencyError as exc:
        raise ReadError(f"encrypted PDF: cannot decrypt ({reason(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files; all mean the same
        raise ReadError(f"corrupt PDF: {reason(exc)}") from exc


def _read_pypdf(data: bytes, on_page: PageHook | None) -> Pages:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ReadError("encrypted PDF (password required)")
    texts: list[str] = []
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        if on_page is not None:
            on_page(number, total, False)
        try:
            raw = page.extract_text()
        except Exception as exc:
            raise ReadError(f"corrupt PDF: page {number} cannot be read ({reason(exc)})") from exc
        texts.append(_clean(raw))
    if texts and not any(texts):
        raise ReadError(
            "scanned PDF without a text layer, and too damaged for PDFium to render its "
            "pages for OCR"
        )
    return texts, [False] * len(texts), _outline(reader)


def _document(
    path: str, texts: list[str], ocr: list[bool], marks: dict[int, list[tuple[str, str]]]
) -> Document:
    """The pages as sections; a document without text (blank pages, scans of photos) is
    an empty document, not an error.

    A section runs on over a page break unless an outline entry starts the next page: an
    FAQ entry whose question ends one page and whose answer fills the next stays one
    passage. A page of contents or of an index is a section of its own, of that kind
    (desktop.core.ingest.contents), and so is a page read another way (OCR or not)."""
    if not texts:
        raise ReadError("empty PDF: it has no pages")
    builder = TextBuilder()
    untitled = bool(marks) or not PAGE_TITLES
    titles = [""] * len(texts) if untitled else page_titles(texts)
    name = "" if untitled else document_name(path)
    heading = name
    before: tuple[str, bool] | None = None  # the previous page's kind and OCR, if it had text
    for number, text in enumerate(texts, start=1):
        kind = page_kind(text)
        titled = bool(titles[number - 1]) and not kind
        if titled:
            heading = HEADING_JOIN.join(filter(None, (name, titles[number - 1])))
        # (start, heading path, title) of each run of the page under one outline entry
        runs: list[tuple[int, str, str]] = [(0, heading, "")]
        for title, heading in marks.get(number, []):
            found = _find_title(text, title, runs[-1][0])
            runs.append((runs[-1][0] if found is None else found, heading, title))
        if len(runs) > 1 and _running_head(text[: text.rfind("\n", 0, runs[1][0]) + 1], number):
            runs[1] = (0, *runs[1][1:])  # the page's head goes with the entry under it
        ends = [start for start, _, _ in runs[1:]] + [len(text)]
        start = 0
        for (_, run_heading, title), end in zip(runs, ends, strict=True):
            if title and end < len(text) and " ".join(text[start:end].split()) == title:
                continue  # only the heading: the next entry's section starts with it
            runs_on = not (title or titled) and before == ("", ocr[number - 1]) and not kind
            if runs_on and builder.runs_on() and text[start:end].strip():
                builder.next_page()
            else:
                builder.section(run_heading, number, ocr=ocr[number - 1], kind=kind)
            builder.block(text[start:end])
            start = end
        before = (kind, ocr[number - 1]) if text.strip() else None
    return builder.build(path)


def title_like(line: str) -> bool:
    """Whether a line is set as a title: at most ``TITLE_WORDS`` words with letters, no
    figures, no sentence or clause end, no page number at its end (a contents entry), no
    list item's bullet before it, every word capitalised but the small ones ("of",
    "and"). Scripts without capitals have no titles found this way."""
    words = line.split()
    if not words or len(words) > TITLE_WORDS or line[-1] in ".,;:" or _FIGURE.search(line):
        return False
    if _CONTENTS_ENTRY.match(line) or _BULLET.match(line):  # "Note 5. Restructuring ... 64"
        return False
    if not _LETTERS.search(line):
        return False
    return all(not w[0].isalpha() or w[0].isupper() or w in _SMALL_WORDS for w in words)


def page_titles(texts: list[str]) -> list[str]:
    """Each page's title ("" for none): the title-like lines (``TITLE_LINES`` at most)
    that open it, once its running head and page number are passed; titles joined with
    " > ", as a heading path."""
    lines = [[" ".join(x.split()) for x in t.splitlines() if x.strip()] for t in texts]
    seen = Counter(line for page in lines for line in set(page[:3] + page[-3:]))
    running = max(RUNNING_MIN, len(texts) * RUNNING_SHARE)
    titles = []
    for page in lines:
        found: list[str] = []
        for line in page:
            if (
                seen.get(line, 0) > running
                or _PAGE_NUMBER.fullmatch(line)
                or _BACK_LINK.fullmatch(line)
            ):
                if found:
                    break
                continue
            if not title_like(line) or len(found) == TITLE_LINES:
                break
            found.append(line)
        titles.append(HEADING_JOIN.join(found))
    return titles


def _running_head(text: str, number: int) -> bool:
    """Whether the lines before a page's first outline entry are only its running head:
    none, or one short line with the page's number in it ("gnuplot 5.4 303")."""
    line = text.strip()
    if not line:
        return True
    return len(line) <= RUNNING_HEAD_CHARS and "\n" not in line and str(number) in line.split()


def _line_end_hyphens(texts: list[str]) -> list[str]:
    """PDFium's U+FFFE at a line end, decided by the document's own words: the word is
    joined again where the document has it whole ("function", or "completes" beside
    "complete") and not hyphenated, else the hyphen is kept ("non-GAAP")."""
    if not any("\ufffe" in t for t in texts):
        return texts
    whole = "\n".join(texts)
    words = {w.lower() for w in _WORD.findall(whole)}
    hyphenated = {w.lower() for w in _HYPHENATED.findall(whole)}  # hyphens in the lines

    def mend(m: re.Match[str]) -> str:
        left, right = m[1], m[2]
        joined = (left + right).lower()
        if f"{left}-{right}".lower() not in hyphenated:
            # the whole word, or its stem a little shorter (still reaching into ``right``)
            for cut in range(0, 5):
                stem = joined[: len(joined) - cut]
                if len(stem) < len(left) + 2:
                    break
                if stem in words:
                    return left + right
        return f"{left}-{right}"

    return [_LINE_END_HYPHEN.sub(mend, t).replace("\ufffe", "-") for t in texts]


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
