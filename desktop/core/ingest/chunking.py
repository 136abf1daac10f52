"""Cut a document's sections into passages of bounded size, on natural boundaries.

A section that fits is one chunk, so a FAQ entry or a short chapter stays whole. A longer
one is cut at the last paragraph, line, sentence or word boundary before the size limit,
and the next chunk starts a little earlier (the overlap), at a word boundary.
"""

from __future__ import annotations

from collections.abc import Iterator

from desktop.core.ingest.document import Chunk, Document, Section

_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def _cut_point(text: str, start: int, limit: int) -> int:
    """The best place to end a chunk that starts at ``start`` and may not pass ``limit``."""
    floor = start + (limit - start) // 2
    for sep in _BREAKS:
        pos = text.rfind(sep, floor, limit)
        if pos > start:
            return pos + len(sep)
    return limit  # one very long word: nothing better than a hard cut


def _next_start(text: str, cut: int, start: int, overlap: int) -> int:
    """Start the next chunk ``overlap`` characters back, at the start of a word."""
    if overlap <= 0:
        return cut
    pos = max(cut - overlap, start + 1)
    while pos < cut and not text[pos - 1].isspace():
        pos += 1
    return pos


def split_span(
    text: str, start: int, end: int, size: int, overlap: int
) -> Iterator[tuple[int, int]]:
    """Yield (start, end) spans covering ``text[start:end]``, none longer than ``size``."""
    overlap = min(overlap, size // 2)
    while start < end:
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            return
        if end - start <= size:
            yield start, end
            return
        cut = _cut_point(text, start, start + size)
        yield start, cut
        start = _next_start(text, cut, start, overlap)


def _merge_heading_only(doc: Document) -> list[Section]:
    """Fold a section that holds nothing but its heading line into the next one."""
    merged: list[Section] = []
    pending: Section | None = None
    for sec in doc.sections:
        if pending is not None:
            sec = Section(pending.start, sec.end, sec.heading, sec.page or pending.page)
            pending = None
        body = doc.text[sec.start : sec.end].strip()
        if "\n" not in body and body.startswith("#"):
            pending = sec
            continue
        merged.append(sec)
    if pending is not None:
        merged.append(pending)
    return merged


def chunk_document(doc: Document, *, size: int, overlap: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for sec in _merge_heading_only(doc):
        for s, e in split_span(doc.text, sec.start, sec.end, size, overlap):
            piece = doc.text[s:e].rstrip()
            if not piece:
                continue
            chunks.append(
                Chunk(
                    text=piece,
                    path=doc.path,
                    ordinal=len(chunks),
                    start=s,
                    end=s + len(piece),
                    heading=sec.heading,
                    page=sec.page,
                )
            )
    return chunks
