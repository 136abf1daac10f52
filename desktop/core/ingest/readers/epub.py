"""EPUB 2 and 3: the chapters in spine order (zipfile, the OPF package document), each
read as HTML. Chapters without h1-h6 headings take their title from the table of contents.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag
from xml.etree import ElementTree

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import (
    ReadError,
    TextBuilder,
    open_zip,
    read_member,
    reason,
)
from desktop.core.ingest.readers.htmldoc import (
    HtmlWalker,
    decode_html,
    has_headings,
    inline_text,
    parse_html,
)

if TYPE_CHECKING:
    from bs4 import Tag

_AddTitle = Callable[[str, str, list[str]], None]
_HTML_TYPES = {"application/xhtml+xml", "text/html"}


@dataclass(frozen=True)
class _Item:
    path: str  # inside the zip
    media_type: str
    properties: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(read_member(archive, name, "EPUB"))
    except ElementTree.ParseError as exc:
        raise ReadError(f"corrupt EPUB: {name} is not valid XML ({reason(exc)})") from exc


def _resolve(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(href)))


def read_epub(path: str, data: bytes) -> Document:
    with open_zip(data, "EPUB", "EPUB (zip) file") as archive:
        try:
            return _read(path, archive)
        except ReadError:
            raise
        except RecursionError as exc:
            raise ReadError("corrupt EPUB: elements nested too deeply") from exc
        except Exception as exc:
            raise ReadError(f"corrupt EPUB: {reason(exc)}") from exc


def _read(path: str, archive: zipfile.ZipFile) -> Document:
    container = _xml(archive, "META-INF/container.xml")
    rootfile = next((e for e in container.iter() if _local(e.tag) == "rootfile"), None)
    opf_path = rootfile.get("full-path", "") if rootfile is not None else ""
    if not opf_path:
        raise ReadError("corrupt EPUB: META-INF/container.xml names no package document")
    opf = _xml(archive, opf_path)
    items: dict[str, _Item] = {}
    spine: list[str] = []
    ncx_id = ""
    for e in opf.iter():
        tag = _local(e.tag)
        if tag == "item" and e.get("id") and e.get("href"):
            items[e.get("id", "")] = _Item(
                _resolve(opf_path, e.get("href", "")),
                e.get("media-type", ""),
                e.get("properties", ""),
            )
        elif tag == "itemref" and e.get("idref"):
            spine.append(e.get("idref", ""))
        elif tag == "spine":
            ncx_id = e.get("toc", "")
    chapters = [items[i] for i in spine if i in items and items[i].media_type in _HTML_TYPES]
    if not chapters:
        raise ReadError("corrupt EPUB: its package document lists no chapters")
    _refuse_drm(archive, {c.path for c in chapters})
    titles = _toc(archive, items, ncx_id)
    builder = TextBuilder()
    for chapter in chapters:
        soup = parse_html(decode_html(read_member(archive, chapter.path, "EPUB")))
        if not has_headings(soup) and chapter.path in titles:
            builder.section(titles[chapter.path])  # its text holds the title already
        HtmlWalker(builder).walk(soup)
    doc = builder.build(path)
    if not doc.sections:
        raise ReadError("EPUB without text (only images?)")
    return doc


def _refuse_drm(archive: zipfile.ZipFile, chapters: set[str]) -> None:
    """Encrypted chapters mean DRM (font obfuscation, also listed there, is harmless)."""
    if "META-INF/encryption.xml" not in archive.namelist():
        return
    for e in _xml(archive, "META-INF/encryption.xml").iter():
        uri = e.get("URI", "")
        if _local(e.tag) == "CipherReference" and posixpath.normpath(unquote(uri)) in chapters:
            raise ReadError("DRM-protected EPUB: its chapters are encrypted")


def _toc(archive: zipfile.ZipFile, items: dict[str, _Item], ncx_id: str) -> dict[str, str]:
    """Chapter file -> heading path from the EPUB 3 navigation document or the NCX.

    The table of contents is a help, not a need: one that cannot be read is ignored.
    """
    titles: dict[str, str] = {}

    def add(base: str, href: str, path: list[str]) -> None:
        target = _resolve(base, urldefrag(href).url)
        if all(path) and target not in titles:
            titles[target] = " > ".join(path)

    nav = next((i for i in items.values() if "nav" in i.properties.split()), None)
    try:
        if nav is not None:
            soup = parse_html(decode_html(read_member(archive, nav.path, "EPUB")))
            toc = soup.find("nav", attrs={"epub:type": "toc"}) or soup.find("nav")
            for a in toc.find_all("a", href=True) if toc is not None else []:
                add(nav.path, str(a["href"]), _nav_path(a))
        elif ncx_id in items:
            ncx = items[ncx_id].path
            _ncx_points(_xml(archive, ncx), ncx, [], add)
    except Exception:
        return {}
    return titles


def _nav_path(a: Tag) -> list[str]:
    """The titles of the entries that hold this link, outermost first, then its own."""
    path = [inline_text(a)]
    for li in a.find_parents("li")[1:]:
        label = li.find(["a", "span"], recursive=False)
        path.insert(0, inline_text(label) if label is not None else "")
    return path


def _ncx_points(parent: ElementTree.Element, base: str, parents: list[str], add: _AddTitle) -> None:
    for point in parent:
        if _local(point.tag) == "navMap":
            _ncx_points(point, base, parents, add)
        elif _local(point.tag) == "navPoint":
            label = next((e.text for e in point.iter() if _local(e.tag) == "text"), "") or ""
            path = [*parents, " ".join(label.split())]
            content = next((e for e in point if _local(e.tag) == "content"), None)
            if content is not None:
                add(base, content.get("src", ""), path)
            _ncx_points(point, base, path, add)
