"""Find a passage in another extraction of the same text, word by word (no Qt).

A PDF page's text as Qt's PDF module gives it and the chunk the core stored from the
same page differ in line breaks, spacing and hyphenation; a quote in an answer differs
from its passage in quotes and case. ``locate`` compares lowercased words and finds the
part of the text that holds most of the passage's words in order, and which of the
passage's words it covers (the rest may be on the next or the previous page).

Offsets are Python string indices; Qt counts UTF-16 units (``utf16``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_GAP_WORDS = 12  # matched runs further apart than this are separate places
MIN_SHARE = 0.5  # a place must hold at least this share of the passage's words


@dataclass(frozen=True)
class Word:
    text: str  # lowercased
    start: int
    end: int


def words(text: str, lo: int = 0, hi: int | None = None) -> list[Word]:
    """The words of ``text[lo:hi]`` with their offsets in ``text``."""
    return [
        Word(m.group().lower(), m.start(), m.end())
        for m in _WORD.finditer(text, lo, hi or len(text))
    ]


@dataclass(frozen=True)
class Match:
    start: int  # character span in the text searched
    end: int
    first: int  # the passage's words it covers: [first, last)
    last: int
    matched: int  # how many of them were found

    def covers(self, total: int, slack: int = 2) -> tuple[bool, bool]:
        """(the passage starts before this, it goes on after this), allowing ``slack``
        unmatched words at either end."""
        return self.first > slack, self.last < total - slack


def locate(
    text: str,
    passage: str | list[Word],
    lo: int = 0,
    hi: int | None = None,
    min_share: float = MIN_SHARE,
) -> Match | None:
    """Where in ``text[lo:hi]`` the passage's words are, or None when fewer than
    ``min_share`` of them (and fewer than all of a short one) are there in order."""
    needle = words(passage) if isinstance(passage, str) else passage
    hay = words(text, lo, hi)
    if not needle or not hay:
        return None
    blocks = [
        b
        for b in SequenceMatcher(
            None, [w.text for w in hay], [w.text for w in needle], autojunk=False
        ).get_matching_blocks()
        if b.size
    ]
    if not blocks:
        return None
    # Runs close together in the text (and in order in the passage) form one place; the
    # place with the most matched words wins.
    best: list[tuple[int, int, int]] = []
    group: list[tuple[int, int, int]] = []
    for b in blocks:
        if group and (b.a - (group[-1][0] + group[-1][2]) > MAX_GAP_WORDS):
            best = max(best, group, key=lambda g: sum(x[2] for x in g))
            group = []
        group.append((b.a, b.b, b.size))
    best = max(best, group, key=lambda g: sum(x[2] for x in g))
    matched = sum(size for _, _, size in best)
    if matched < min(len(needle), max(2, int(min_share * len(needle) + 0.999))):
        return None
    a0, b0, _ = best[0]
    a1, b1, n1 = best[-1]
    return Match(hay[a0].start, hay[a1 + n1 - 1].end, b0, b1 + n1, matched)


def utf16(text: str, index: int) -> int:
    """A Python string index as Qt counts it (UTF-16 code units)."""
    head = text[:index]
    return index + sum(1 for ch in head if ord(ch) > 0xFFFF)


_BREAKS = ("\n\n", "\n", ". ", " ")
NEIGHBOUR_CHARS = (200, 2000)  # a neighbour is about as long as its passage, within these


def neighbour_span(
    text: str, start: int, end: int, forward: bool, length: int = 0
) -> tuple[int, int] | None:
    """The text just after ``text[start:end]`` (or just before it), about as long as it
    (or ``length``), cut at a paragraph, line, sentence or word; None at the text's end
    (or start)."""
    lo, hi = NEIGHBOUR_CHARS
    length = max(lo, min(hi, length or (end - start)))
    if forward:
        s = end
        while s < len(text) and text[s].isspace():
            s += 1
        if s >= len(text):
            return None
        e = len(text)
        if s + length < len(text):
            e = s + length
            for sep in _BREAKS:
                pos = text.rfind(sep, s + length * 6 // 10, s + length * 14 // 10)
                if pos > s:
                    e = pos + (1 if sep == ". " else 0)
                    break
        return s, e
    e = start
    while e > 0 and text[e - 1].isspace():
        e -= 1
    if e <= 0:
        return None
    s = 0
    if e - length > 0:
        s = e - length
        for sep in _BREAKS:
            pos = text.find(sep, max(0, e - length * 14 // 10), max(0, e - length * 6 // 10))
            if pos >= 0:
                s = pos + len(sep)
                break
    while s < e and text[s].isspace():
        s += 1
    return s, e
