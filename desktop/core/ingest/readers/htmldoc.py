"""HTML (BeautifulSoup with the standard library's html.parser): h1-h6 headings, blocks,
tables as rows; scripts, styles and navigation dropped. EPUB chapters go through here too.
"""

from __future__ import annotations

import codecs
import re
import warnings
from typing import TYPE_CHECKING

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import ReadError, TextBuilder, one_line, reason
from desktop.core.ingest.readers.text import decode_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

DROPPED = frozenset(
    ("script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object",
     "canvas", "audio", "video")
)  # fmt: skip
BLOCKS = frozenset(
    ("p", "div", "section", "article", "main", "aside", "header", "footer", "blockquote",
     "figure", "figcaption", "address", "details", "summary", "dl", "dt", "dd", "ul", "ol",
     "li", "form", "fieldset", "hr", "center", "body", "html", "caption")
)  # fmt: skip
_HEADING_TAG = re.compile(r"h([1-6])")
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
# What browsers read in place of some declared names (the WHATWG Encoding Standard).
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def decode_html(data: bytes) -> str:
    """Decode by the byte order mark, else the declared charset (meta or XML declaration)
    when the bytes fit it, else by detection."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    m = _DECLARED.search(data[:4096])
    if m:
        name = (m.group(1) or m.group(2)).decode("ascii").lower()
        try:
            return data.decode(_ALIASES.get(name, name))
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown name, or a declaration the bytes do not keep: detect
    return decode_text(data)


def parse_html(text: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "XML parsed as HTML" for XHTML: intended
        return BeautifulSoup(text, "html.parser")


def has_headings(soup: BeautifulSoup) -> bool:
    return soup.find(_HEADING_TAG) is not None


def read_html(path: str, data: bytes) -> Document:
    text = decode_html(data)
    try:
        builder = TextBuilder()
        HtmlWalker(builder).walk(parse_html(text))
        return builder.build(path)
    except RecursionError as exc:
        raise ReadError("unreadable HTML: elements nested too deeply") from exc
    except Exception as exc:
        raise ReadError(f"unreadable HTML: {reason(exc)}") from exc


def inline_text(node: Tag) -> str:
    """An element's text on one line; block boundaries inside it become spaces."""
    from bs4.element import NavigableString, PreformattedString, Tag

    parts: list[str] = []

    def collect(parent: Tag) -> None:
        for child in parent.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctypes, ...
                    parts.append(str(child))
            elif isinstance(child, Tag) and child.name not in DROPPED:
                separate = child.name in BLOCKS or child.name in ("br", "td", "th", "tr")
                parts.append(" " if separate else "")
                collect(child)
                parts.append(" " if separate else "")

    collect(node)
    return one_line("".join(parts))


class HtmlWalker:
    """Walk an HTML tree into a TextBuilder: headings, paragraphs, list items, tables."""

    def __init__(self, builder: TextBuilder) -> None:
        self.builder = builder
        self._inline: list[str | None] = []  # None: a line break
        self._prefix = ""

    def _flush(self) -> None:
        lines: list[str] = []
        current: list[str] = []
        for part in [*self._inline, None]:
            if part is None:
                line = one_line("".join(current))
                if line:
                    lines.append(line)
                current = []
            else:
                current.append(part)
        self._inline = []
        if lines:
            self.builder.block(self._prefix + "\n".join(lines))
            self._prefix = ""

    def walk(self, node: Tag) -> None:
        self._walk(node)
        self._flush()

    def _walk(self, node: Tag) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    self._inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in DROPPED or child.has_attr("hidden"):
                continue
            if name == "br":
                self._inline.append(None)
            elif m := _HEADING_TAG.fullmatch(name):
                self._flush()
                self.builder.heading(int(m.group(1)), inline_text(child))
            elif name == "table":
                self._flush()
                self.builder.block(self._table(child))
            elif name == "pre":
                self._flush()
                self.builder.block(child.get_text().strip("\n"))
            elif name in BLOCKS:
                self._flush()
                if name == "li":
                    self._prefix = "- "
                self._walk(child)
                self._flush()
            else:
                self._walk(child)

    @staticmethod
    def _table(table: Tag) -> str:
        lines = []
        for row in table.find_all("tr"):
            cells = [inline_text(c) for c in row.find_all(["td", "th"], recursive=False)]
            if any(cells):
                lines.append(" | ".join(cells))
        caption = table.find("caption")
        if caption is not None and inline_text(caption):
            lines.insert(0, inline_text(caption))
        return "\n".join(lines)
