"""Pages that are not passages: a table of contents, an index.

Such a page answers "where is X" but no other question, yet its words match every
question about X: on a manual's dev set, contents and index pages came back among the
top sources of ordinary questions. ``page_kind`` recognises them from the page's text
alone, cheaply (a few regular expressions a line), so that the reader can keep them
apart and retrieval can rank them below passages.

A contents page is mostly entries that end in a page number: after dot leaders
("Arrow . . . . 131") or a space ("ITEM 1A Risk Factors 10"), the numbers rising down the
page. An index page is mostly "term, 12, 45-47" lines, or entries with dot leaders whose
pages do not rise (Texinfo's indexes). A page of a financial table also
has many lines ending in numbers, but they are amounts ("3,393", "(8)", "12.5%"), several
to a line, in no order: an entry line holds one bare number of at most four digits and
no other amount, and the entries' numbers must rise.
"""

from __future__ import annotations

import re
from itertools import pairwise

CONTENTS = "contents"
INDEX = "index"

# Lines that make a page a contents or index page: at least this many, and this share
# of its lines (the rest: the title, a running head, a preamble).
MIN_ENTRIES = 6
MIN_SHARE = 0.5
# Of consecutive contents entries, this share at least must not go back in page number.
MIN_RISING = 0.8

_LEADERS = re.compile(r"(?:\.\s?){4,}|…{2,}|_{4,}")
# An entry's numbering, left out before the title is read: "ITEM 1A", "Note 5.", "3.2.1".
_NUMBERING = re.compile(
    r"^(?:(?:part|item|note|chapter|section|appendix|schedule)\s+)?"
    r"(?:[0-9]{1,3}[A-Z]?|[IVXLC]{1,6}|[A-Z])(?:[.:][0-9]{1,3})*[.:]?\s+",
    re.IGNORECASE,
)
_ENTRY = re.compile(r"^(?P<title>.*?[^\W\d_].*?)[\s.…_]+(?P<page>[0-9]{1,4})$")
_AMOUNT = re.compile(r"(?<![\w.])[$(]?[0-9][0-9,.]*%?\)?(?![\w])")
# "term, 12, 45-47, 103": a term (any words), then page numbers or ranges after commas.
# A comma then a space: "1,343" is an amount.
_REF = r"[0-9]{1,4}(?:\s*[\u2013-]\s*[0-9]{1,4})?"  # a page or a range of pages
_INDEX = re.compile(rf"^(?P<term>.*?[^\W\d_].*?),\s+(?:{_REF},\s+)*{_REF}$")
_NUMBER = re.compile(r"[0-9]{1,4}")


def _contents_page(line: str) -> int | None:
    """The page number a contents entry ends in (None: the line is no entry)."""
    if not line[-1:].isdigit():
        return None  # the cheap test first: most lines of most pages end otherwise
    m = _ENTRY.match(line)
    if m is None:
        return None
    title = _NUMBERING.sub("", m.group("title"), count=1)
    if _AMOUNT.search(_LEADERS.sub(" ", title)) and not _LEADERS.search(line):
        return None  # another number in the line: a table row, unless it has leaders
    return int(m.group("page"))


def _index_entry(line: str) -> bool:
    """Whether a line is an index entry whose page numbers rise."""
    if not line[-1:].isdigit():
        return False
    m = _INDEX.match(line)
    if m is None:
        return False
    numbers = [int(n) for n in _NUMBER.findall(line[m.end("term") :])]
    return all(a <= b for a, b in pairwise(numbers))


def page_kind(text: str) -> str:
    """``CONTENTS`` or ``INDEX`` for a page of a table of contents or an index, "" for
    any other page."""
    lines = [" ".join(x.split()) for x in text.splitlines()]
    lines = [x for x in lines if x]
    if len(lines) < MIN_ENTRIES:
        return ""
    pages = [p for p in map(_contents_page, lines) if p is not None]
    index = sum(1 for x in lines if _index_entry(x))
    need = max(MIN_ENTRIES, MIN_SHARE * len(lines))
    if index >= need and index >= len(pages):
        return INDEX
    if len(pages) >= need:
        rising = sum(1 for a, b in pairwise(pages) if a <= b)
        if rising >= MIN_RISING * (len(pages) - 1):
            return CONTENTS
        # Entries in alphabetical order, their pages not: an index with dot leaders.
        if sum(1 for x in lines if _LEADERS.search(x) and _contents_page(x)) >= need:
            return INDEX
    return ""
