"""Cut a document's sections into passages of bounded size, on natural boundaries.

Sizes are counted in the embedding model's tokens when a tokenizer is given (so no chunk
is silently truncated by the model), in characters otherwise. A section that fits is one
chunk, so a FAQ entry or a short chapter stays whole. A longer one is cut at the last
paragraph, line, sentence or word boundary before the limit, and the next chunk starts a
little earlier (the overlap), at a word boundary. No chunk is longer than
``MAX_CHUNK_CHARS`` characters, whatever the tokenizer says, which keeps it far below the
store's byte limit even for CJK text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from itertools import pairwise

from desktop.core.ingest.document import Document, Section
from desktop.core.types import Chunk, mark_ocr

# Where a chunk may end, best first; the CJK marks are the full-width period, exclamation
# and question marks, semicolon, comma and enumeration comma.
_BREAKS = (
    "\n\n", "\n", ". ", "? ", "! ", "\u3002", "\uff01", "\uff1f",
    "; ", "\uff1b", ", ", "\uff0c", "\u3001", " ",
)  # fmt: skip
MAX_CHUNK_CHARS = 4000  # at most 16 KB of UTF-8, a quarter of the store's text field
# A section's part on one page shorter than this share of a chunk is no chunk of its own:
# it runs on into the next page's part (desktop.core.ingest.chunking.page_parts).
RUN_ON_SHARE = 0.5
TokenSpans = Callable[[str], Sequence[tuple[int, int]]]  # character span of each token


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


class _Tokens:
    """Token boundaries of one section, as absolute character offsets."""

    def __init__(self, spans: Sequence[tuple[int, int]], offset: int) -> None:
        self.starts = [offset + a for a, _ in spans]
        self.ends = [offset + b for _, b in spans]

    def limit(self, start: int, size: int, end: int) -> int:
        """The furthest character a chunk from ``start`` may reach within ``size`` tokens."""
        first = bisect_left(self.ends, start + 1)
        last = first + size
        return end if last >= len(self.ends) else self.ends[last - 1]

    def count(self, start: int, end: int) -> int:
        """Tokens between two character offsets."""
        return bisect_left(self.starts, end) - bisect_left(self.ends, start + 1)

    def back(self, cut: int, overlap: int) -> int:
        """Characters spanned by the ``overlap`` tokens that end at ``cut``."""
        j = bisect_right(self.ends, cut)
        i = max(0, j - overlap)
        return cut - self.starts[i] if j > i else 0


def split_span(
    text: str,
    start: int,
    end: int,
    size: int,
    overlap: int,
    token_spans: TokenSpans | None = None,
) -> Iterator[tuple[int, int]]:
    """Yield (start, end) spans covering ``text[start:end]``, none longer than ``size``
    tokens (with ``token_spans``) or characters (without)."""
    overlap = min(overlap, size // 2)
    tokens = _Tokens(token_spans(text[start:end]), start) if token_spans else None
    while start < end:
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            return
        # Balanced pieces: a section a little over the size becomes two halves rather than
        # a full chunk and a scrap.
        left = tokens.count(start, end) if tokens else end - start
        pieces = -(-left // size)
        target = min(size, -(-left // pieces) + overlap) if pieces > 1 else size
        limit = tokens.limit(start, target, end) if tokens else start + target
        limit = min(limit, start + MAX_CHUNK_CHARS)
        if end <= limit:
            yield start, end
            return
        cut = _cut_point(text, start, limit)
        yield start, cut
        back = tokens.back(cut, overlap) if tokens else overlap
        start = _next_start(text, cut, start, min(back, (cut - start) // 2))


def _merge_heading_only(doc: Document) -> list[Section]:
    """Fold a section that holds nothing but its heading line into the next one."""
    merged: list[Section] = []
    pending: Section | None = None
    for sec in doc.sections:
        if pending is not None:
            sec = replace(sec, start=pending.start, page=sec.page or pending.page)
            pending = None
        body = doc.text[sec.start : sec.end].strip()
        if "\n" not in body and body.startswith("#"):
            pending = sec
            continue
        merged.append(sec)
    if pending is not None:
        merged.append(pending)
    return merged


def page_parts(
    text: str, sec: Section, size: int, token_spans: TokenSpans | None = None
) -> list[tuple[int, int]]:
    """The spans of a section that are cut into chunks apart: the whole section when it
    fits in one chunk or has no page breaks; else its pages, each page's part shorter than
    ``RUN_ON_SHARE`` of a chunk joined to the next page's (the last to the one before), so
    that a question at the foot of a page keeps its answer from the next. The section is
    tokenized once; its parts are counted on those tokens."""
    breaks = [b for b in sec.breaks if sec.start < b < sec.end]
    if not breaks:
        return [(sec.start, sec.end)]
    tokens = _Tokens(token_spans(text[sec.start : sec.end]), sec.start) if token_spans else None

    def length(start: int, end: int) -> int:
        return tokens.count(start, end) if tokens else end - start

    if length(sec.start, sec.end) <= size:
        return [(sec.start, sec.end)]
    small = size * RUN_ON_SHARE
    merged: list[list[int]] = []
    for start, end in pairwise([sec.start, *breaks, sec.end]):
        if merged and length(*merged[-1]) < small:
            merged[-1][1] = end  # the page before was a scrap: it runs on into this one
        else:
            merged.append([start, end])
    if len(merged) > 1 and length(*merged[-1]) < small:
        last = merged.pop()
        merged[-1][1] = last[1]
    return [(a, b) for a, b in merged]


def chunk_document(
    doc: Document, *, size: int, overlap: int, token_spans: TokenSpans | None = None
) -> list[Chunk]:
    """Chunks of at most ``size`` tokens (given ``token_spans``) or characters; those of
    an OCR'd section carry the OCR mark in their heading. A section that runs on over page
    breaks is cut at them (``page_parts``) unless it fits in one chunk or a page holds
    only a scrap of it; a chunk has the pages of its first and last characters."""
    chunks: list[Chunk] = []
    for sec in _merge_heading_only(doc):
        heading = mark_ocr(sec.heading) if sec.ocr else sec.heading
        spans = [
            span
            for a, b in page_parts(doc.text, sec, size, token_spans)
            for span in split_span(doc.text, a, b, size, overlap, token_spans)
        ]
        for s, e in spans:
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
                    heading=heading,
                    page=sec.page_at(s),
                    ocr=sec.ocr,
                    page_end=sec.page_at(s + len(piece) - 1),
                    kind=sec.kind,
                )
            )
    return chunks
