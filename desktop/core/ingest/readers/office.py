"""Word (DOCX, python-docx) and PowerPoint (PPTX, python-pptx) documents."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import ReadError, TextBuilder, one_line, open_zip, reason

if TYPE_CHECKING:
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.styles.style import ParagraphStyle
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pptx.shapes.base import BaseShape
    from pptx.table import Table as SlideTable

_HEADING_STYLE = re.compile(r"heading ([1-9])", re.I)


def _check_package(data: bytes, kind: str) -> None:
    with open_zip(data, kind, "Office file") as archive:
        if "[Content_Types].xml" not in archive.namelist():
            raise ReadError(f"corrupt {kind}: not a valid Office file (no [Content_Types].xml)")


def read_docx(path: str, data: bytes) -> Document:
    """Sections per heading (styles Title, Heading 1-9, or an outline level); tables
    become one line per row, cells separated by `` | ``."""
    _check_package(data, "DOCX")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        builder = TextBuilder()
        for block in _docx_blocks(document.element.body, document):
            if isinstance(block, str):
                builder.block(block)
            else:
                builder.heading(*block)
        return builder.build(path)
    except ReadError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on damaged files
        raise ReadError(f"corrupt DOCX: {reason(exc)}") from exc


def _docx_blocks(element: BaseOxmlElement, parent: object) -> Iterator[str | tuple[int, str]]:
    """Paragraphs and tables in reading order, content controls (w:sdt) opened up.

    Yields a paragraph's or a table's text, or ``(level, title)`` for a heading.
    """
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, parent)  # type: ignore[arg-type]
            level = _heading_level(paragraph)
            text = paragraph.text
            if level is not None:
                yield level, text
            elif child.xpath("./w:pPr/w:numPr"):
                yield "- " + text.strip() if text.strip() else ""
            else:
                yield text
        elif child.tag == qn("w:tbl"):
            yield _table_text(Table(child, parent))  # type: ignore[arg-type]
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _docx_blocks(content, parent)


def _heading_level(paragraph: Paragraph) -> int | None:
    """0 for a Title, n for Heading n (or outline level n-1), None for body text."""
    direct = paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")
    if direct and str(direct[0]).isdigit() and int(direct[0]) < 9:
        return int(direct[0]) + 1
    style: ParagraphStyle | None = paragraph.style
    for _ in range(8):  # a style and the styles it is based on
        if style is None:
            return None
        name = style.name or ""
        if name == "Title":
            return 0
        m = _HEADING_STYLE.fullmatch(name)
        if m:
            return int(m.group(1))
        level = style.element.xpath("./w:pPr/w:outlineLvl/@w:val")
        if level and str(level[0]).isdigit() and int(level[0]) < 9:
            return int(level[0]) + 1
        style = style.base_style
    return None


def _table_text(table: Table) -> str:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(one_line(cell.text))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def read_pptx(path: str, data: bytes) -> Document:
    """One section per slide: ``page`` is the slide number, the heading its title."""
    _check_package(data, "PPTX")
    import pptx

    try:
        presentation = pptx.Presentation(io.BytesIO(data))
        builder = TextBuilder()
        for number, slide in enumerate(presentation.slides, start=1):
            builder.page(number)
            title = slide.shapes.title
            if title is not None and title.has_text_frame:
                builder.heading(1, title.text_frame.text)
            for shape in _reading_order(slide.shapes):
                if title is None or shape.shape_id != title.shape_id:
                    for text in _shape_texts(shape):
                        builder.block(text)
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None and notes.text.strip():
                    builder.block("Notes: " + notes.text.replace("\v", "\n").strip())
        return builder.build(path)
    except ReadError:
        raise
    except Exception as exc:  # python-pptx and lxml raise many kinds on damaged files
        raise ReadError(f"corrupt PPTX: {reason(exc)}") from exc


def _reading_order(shapes: object) -> list[BaseShape]:
    """Shapes top to bottom, then left to right (their order in the file is z-order)."""
    found: list[BaseShape] = list(shapes)  # type: ignore[call-overload]
    return sorted(found, key=lambda s: (s.top or 0, s.left or 0))


def _shape_texts(shape: BaseShape) -> Iterator[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

    if shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.DATE,
        PP_PLACEHOLDER.FOOTER,
        PP_PLACEHOLDER.SLIDE_NUMBER,
    ):
        return
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in _reading_order(shape.shapes):  # type: ignore[attr-defined]
            yield from _shape_texts(inner)
    elif getattr(shape, "has_table", False):
        yield _slide_table_text(shape.table)  # type: ignore[attr-defined]
    elif shape.has_text_frame:
        yield shape.text_frame.text.replace("\v", "\n")  # type: ignore[attr-defined]


def _slide_table_text(table: SlideTable) -> str:
    lines = []
    for row in table.rows:
        cells = [one_line(cell.text) for cell in row.cells if not cell.is_spanned]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)
