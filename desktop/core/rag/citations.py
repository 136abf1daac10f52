"""Citations in an answer: which [n] it uses, and whether each holds up.

A citation is verified when its number names a source that was given, and every passage
the answer quotes next to it ("…" before the [n], in the same sentence) occurs in that
source's text. What fails is reported, not silently dropped.

Quotes and sources are compared after the same normalisation: NFKC (full-width forms),
typographic quotes, case, runs of white space as one space, and no white space next to
a Chinese, Japanese or Korean character (PDFs and OCR put spaces and line breaks between
them that the model does not repeat), nor next to punctuation (OCR reads "sensitive ."
and "end.Next", which a model quoting them tidies up), and no hyphen between two letters
(a word hyphenated at a line's end, "sensi- tive", is one word in a quote). CJK
quotation marks 「」『』 count as quotes, and 。！？ end sentences without a space after
them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.rag.retrieve import Source

_CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_QUOTE = re.compile(r"[\"“«「『]([^\"”»」』]{4,}?)[\"”»」』]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n{2,}")
MIN_QUOTE_WORDS = 3  # a CJK character counts as half a word
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3000-\u303f"
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACE_BY_PUNCT = re.compile(r"\s*([.,;:!?()\[\]])\s*")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-\s*(?=[^\W\d_])")


@dataclass(frozen=True)
class Citation:
    number: int
    path: str  # "" when no such source
    verified: bool
    problem: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "path": self.path,
            "verified": self.verified,
            "problem": self.problem,
        }


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"\s+", " ", text).strip().lower()
    text = _HYPHEN.sub("", _SPACE_BY_PUNCT.sub(r"\1", text))
    return _SPACE_BY_CJK.sub("", text)


def _quote_words(quote: str) -> float:
    """How many words a quote holds (0 for a Latin one under 12 characters: a term in
    quotes, not a quotation)."""
    cjk = len(_CJK_CHAR.findall(quote))
    if not cjk and len(quote) < 12:
        return 0
    return len(_CJK_CHAR.sub(" ", quote).split()) + cjk / 2


def cited_numbers(answer: str) -> list[int]:
    """Every number cited, in order of first appearance."""
    seen: dict[int, None] = {}
    for m in _CITE.finditer(answer):
        for part in re.split(r"[,;]", m.group(1)):
            seen.setdefault(int(part), None)
    return list(seen)


def quotes_by_number(answer: str) -> dict[int, list[str]]:
    """Quoted passages and the numbers cited in the same sentence."""
    out: dict[int, list[str]] = {}
    for sentence in _SENTENCE_END.split(answer):
        quotes = [q for q in _QUOTE.findall(sentence) if _quote_words(q) >= MIN_QUOTE_WORDS]
        if not quotes:
            continue
        for n in cited_numbers(sentence):
            out.setdefault(n, []).extend(quotes)
    return out


def verify_citations(answer: str, sources: Sequence[Source]) -> list[Citation]:
    by_rank = {s.rank: s for s in sources}
    quotes = quotes_by_number(answer)
    result: list[Citation] = []
    for n in cited_numbers(answer):
        source = by_rank.get(n)
        if source is None:
            result.append(Citation(n, "", False, f"there is no source [{n}]"))
            continue
        text = _norm(source.text)
        missing = [q for q in quotes.get(n, []) if _norm(q).strip(" .,;:。、，") not in text]
        if missing:
            shown = missing[0] if len(missing[0]) <= 60 else missing[0][:57] + "..."
            result.append(
                Citation(n, source.path, False, f'quoted text not found in the source: "{shown}"')
            )
        else:
            result.append(Citation(n, source.path, True))
    return result
