"""The words keyword search (BM25) matches on, cut by Fathom itself.

Milvus Lite's analyzers lowercase and split on ``\\w+`` (no stemming), a Milvus server's
have more filters, and the two differ; so Fathom writes each chunk's search terms into a
text field of its own (lowercased words, English stop words dropped, Snowball-stemmed,
joined by spaces) and cuts the question the same way. Both stores then split that field
on spaces and see exactly the same terms: "configuring indexes" and "configure an index"
both become ``configur index``.

Chinese, Japanese and Korean are written without spaces between words, so ``\\w+`` takes a
whole clause as one "word" that no question repeats. Runs of those scripts are cut into
overlapping pairs of characters instead ("全文检索" -> "全文 文检 检索"), as Lucene's CJK
analyzer does: no dictionary, any of the three languages, and a question matches a
passage on every pair they share. Latin, Cyrillic and other words around them are cut as
above, so mixed text works.

What these functions return is what libraries of the current store layout hold: a change
here needs a new layout (desktop/core/store/schema.py, SCHEMA) so that existing libraries
are rebuilt rather than searched with terms they were not cut into.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Function words that match nearly every passage and every question ("what is the"),
# including the question words people start with. Kept short on purpose: words that
# carry meaning in a technical text ("not", "no", "all", "only") stay.
# fmt: off
STOP_WORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in", "on",
    "at", "by", "for", "with", "from", "into", "onto", "over", "under", "about", "as",
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing",
    "done", "have", "has", "had", "having", "i", "me", "my", "mine", "we", "us", "our",
    "you", "your", "yours", "he", "him", "his", "she", "her", "it", "its", "they", "them",
    "their", "this", "that", "these", "those", "there", "here", "what", "which", "who",
    "whom", "whose", "when", "where", "why", "how", "can", "could", "should", "would",
    "will", "shall", "may", "might", "must", "so", "than", "too", "very", "just", "also",
    "any", "some", "such", "each", "other", "own", "same", "s", "t", "get", "got",
    "please",
))
# fmt: on

_WORD = re.compile(r"\w+", re.UNICODE)
# Han (with extensions and compatibility forms), kana (with half-width katakana), Hangul.
_CJK_CHARS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af\u1100-\u11ff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    stem: str = _STEMMER.stemWord(word)
    return stem


def terms(text: str) -> list[str]:
    """The search terms of a text, in order: words lowercased (after NFKC, so full-width
    "ＡＰＩ" is "api"), stop words dropped, stemmed; CJK runs as pairs of characters. A
    word made only of digits or a code identifier is kept as it is written."""
    out: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if _CJK_RUN.search(word):
            _split_cjk(word, out)
        elif word not in STOP_WORDS:
            out.append(word if not word.isalpha() else _stem(word))
    return out


def _split_cjk(word: str, out: list[str]) -> None:
    """Append the terms of a word with CJK characters in it: each CJK run as its pairs of
    characters (a lone character as itself), what lies between as ordinary words."""
    at = 0
    for run in _CJK_RUN.finditer(word):
        if run.start() > at:
            out.extend(terms(word[at : run.start()]))
        chars = run.group()
        out.extend(
            [chars] if len(chars) == 1 else [chars[i : i + 2] for i in range(len(chars) - 1)]
        )
        at = run.end()
    if at < len(word):
        out.extend(terms(word[at:]))


def lexical_text(text: str) -> str:
    """The terms joined by spaces: what the BM25 field holds and what a question is
    searched with. Never empty for a non-empty text (a question made only of stop words
    keeps its words), since an empty BM25 query matches nothing."""
    found = terms(text)
    if not found:
        found = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return " ".join(found)
