"""The words keyword search (BM25) matches on, cut by Fathom itself.

Milvus Lite's analyzers lowercase and split on ``\\w+`` (no stemming), a Milvus server's
have more filters, and the two differ; so Fathom writes each chunk's search terms into a
text field of its own (lowercased words, English stop words dropped, Snowball-stemmed,
joined by spaces) and cuts the question the same way. Both stores then split that field
on spaces and see exactly the same terms: "configuring indexes" and "configure an index"
both become ``configur index``.
"""

from __future__ import annotations

import re
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
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    stem: str = _STEMMER.stemWord(word)
    return stem


def terms(text: str) -> list[str]:
    """The search terms of a text, in order: words lowercased, stop words dropped, stemmed.
    A word made only of digits or a code identifier is kept as it is written."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        out.append(word if not word.isalpha() else _stem(word))
    return out


def lexical_text(text: str) -> str:
    """The terms joined by spaces: what the BM25 field holds and what a question is
    searched with. Never empty for a non-empty text (a question made only of stop words
    keeps its words), since an empty BM25 query matches nothing."""
    found = terms(text)
    if not found:
        found = _WORD.findall(text.lower())
    return " ".join(found)
