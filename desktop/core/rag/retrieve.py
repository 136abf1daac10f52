"""Retrieve numbered sources for a question.

Passages are retrieved as chunks, but people read sources: when neighbouring chunks of
the same section come back together (a section longer than one chunk), they are joined
into one source, ranked by its best chunk, so the passage is whole and counted once.

Pages of contents and of an index (desktop.core.ingest.contents) come after the passages
found, unless the question asks where something is (which page, which section): their
words match every question about what they list, but they answer none but that one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from desktop.core.embeddings.base import Embedder
from desktop.core.embeddings.rerank import Reranker
from desktop.core.store.base import Hit, SearchMode, Store

CANDIDATES_PER_SOURCE = 2  # chunks fetched per requested source, before joining
# Chunks a reranker reorders: the fused dense and BM25 lists' best. On the dev sets the
# right passage is among them far more often than it is first (tests/bench/bench_recall).
RERANK_CANDIDATES = 30
ADJACENT = 2  # characters of gap (white space) under which two chunks are neighbours
# A question that a contents or index page answers: where something is in the documents,
# asked in one of the languages the keyword side knows (desktop.core.lexical) or in
# Chinese or Japanese.
_WHERE = (
    # English
    r"\b(?:which|what) (?:page|pages|section|sections|chapter|chapters|part)\b"
    r"|\bpage numbers?\b|\btable of contents\b|\bcontents\b|\bin the index\b"
    r"|\bwhere (?:is|are|can i find|do i find|does it (?:say|talk|discuss))\b.*\b"
    r"(?:discussed|described|covered|documented|explained|mentioned|listed|about)\b",
    # German
    r"\b(?:welche[nrsm]?|auf welcher) (?:seite|seiten|abschnitt|kapitel|teil)\b"
    r"|\bseitenzahl(?:en)?\b|\binhaltsverzeichnis\b|\bim (?:index|register)\b"
    r"|\bwo\b.*\b(?:beschrieben|erklärt|erläutert|erwähnt|behandelt|dokumentiert)\b",
    # French
    r"\b(?:quelle|quelles|quel|quels) (?:page|pages|section|sections|chapitre|chapitres"
    r"|partie)\b|\bnum[ée]ros? de page\b|\btable des mati[èe]res\b|\bdans l'index\b"
    r"|\bo[ùu]\b.*\b(?:décrit|expliqué|documenté|mentionné|traité|abordé)e?s?\b",
    # Spanish, Italian, Portuguese
    r"\b(?:qu[ée]|cu[áa]l|quale|quali|qual|quais|em que) (?:p[áa]gina|p[áa]ginas|secci[óo]n"
    r"|sezione|se[çc][ãa]o|cap[íi]tulo|capitolo)\b|\bn[úu]mero de p[áa]gina\b"
    r"|\b(?:en el|no) [íi]ndice\b|\bnell'indice\b|\bsum[áa]rio\b|\bsommario\b"
    r"|\b(?:d[óo]nde|dove|onde)\b.*\b(?:describe|descrit[oa]|explica|explicad[oa]"
    r"|descritt[oa]|spiegat[oa]|mencionad[oa]|menzionat[oa])\b",
    # Dutch, Russian
    r"\bwelke (?:pagina|pagina's|sectie|hoofdstuk)\b|\binhoudsopgave\b"
    r"|\bwaar\b.*\b(?:beschreven|uitgelegd|vermeld|besproken)\b"
    r"|\bна какой странице\b|\bв каком (?:разделе|главе)\b|\bномер страницы\b"
    r"|\bоглавлени|\bгде\b.*\b(?:описан|объяснен|упоминается|рассказ)",
    # Chinese (both scripts), Japanese; not 目录 or 索引 alone: also a folder, a database index
    r"哪一?[页頁章节節]|第几[页頁章]|第幾[頁章]|页码|頁碼|目录页|目錄頁|在目[录錄]中"
    r"|在哪[里裡儿兒]?(?:讲|講|介绍|介紹|说明|說明|提到|描述)"
    r"|何ページ|どのページ|どの章|目次|どこに(?:書|記載|説明)",
)
ASKS_WHERE = re.compile("|".join(f"(?:{w})" for w in _WHERE), re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    rank: int  # the [n] a citation uses, from 1
    path: str
    page: int
    heading: str
    score: float
    text: str
    start: int = 0  # character span in the document, for pointing at the passage
    end: int = 0
    page_end: int = 0  # its last page, when it runs on over a page break (0: ``page``)
    kind: str = ""  # "" for a passage; "contents" or "index" for such a page

    @property
    def last_page(self) -> int:
        return max(self.page, self.page_end)

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "path": self.path,
            "page": self.page,
            "page_end": self.last_page,
            "kind": self.kind,
            "heading": self.heading,
            "score": self.score,
            "text": self.text,
        }


@dataclass
class _Passage:
    path: str
    page: int
    heading: str
    score: float
    start: int
    end: int
    text: str
    page_end: int = 0
    kind: str = ""

    def joins(self, hit: Hit) -> bool:
        """Whether the hit is this passage's neighbour: in the same section (which may run
        on over a page break), overlapping or next to it."""
        same = (hit.path, hit.heading, hit.kind) == (self.path, self.heading, self.kind)
        return same and hit.start <= self.end + ADJACENT and hit.end + ADJACENT >= self.start

    def join(self, hit: Hit) -> None:
        if hit.page:
            self.page = min(self.page or hit.page, hit.page)
            self.page_end = max(self.page_end, hit.page_end, hit.page)
        if hit.start < self.start:
            self.text = hit.text + self.text[max(0, hit.end - self.start) :]
            self.start = hit.start
        if hit.end > self.end:
            self.text = self.text + hit.text[max(0, self.end - hit.start) :]
            self.end = hit.end
        self.score = max(self.score, hit.score)


def join_neighbours(hits: Sequence[Hit]) -> list[_Passage]:
    """Group hits into passages; hits arrive best first, and so do passages."""
    passages: list[_Passage] = []
    for hit in hits:
        merged = False
        for p in passages:
            if p.joins(hit):
                p.join(hit)
                merged = True
                break
        if not merged:
            passages.append(
                _Passage(
                    hit.path,
                    hit.page,
                    hit.heading,
                    hit.score,
                    hit.start,
                    hit.end,
                    hit.text,
                    max(hit.page, hit.page_end),
                    hit.kind,
                )
            )
    return passages


def passages_first(passages: Sequence[_Passage], question: str) -> list[_Passage]:
    """Contents and index pages after the passages (each group in its order), unless the
    question asks where something is (``ASKS_WHERE``)."""
    if ASKS_WHERE.search(question):
        return list(passages)
    return [p for p in passages if not p.kind] + [p for p in passages if p.kind]


def rerank(reranker: Reranker, question: str, hits: Sequence[Hit]) -> list[Hit]:
    """The hits in the reranker's order, each scored by it (ties keep the search's order)."""
    texts = [f"{h.heading}\n\n{h.text}" if h.heading else h.text for h in hits]
    scored = zip(reranker.scores(question, texts), range(len(hits)), hits, strict=True)
    ranked = sorted(scored, key=lambda t: (-t[0], t[1]))
    return [replace(h, score=s) for s, _, h in ranked]


def retrieve(
    store: Store,
    embedder: Embedder,
    question: str,
    k: int,
    mode: SearchMode = "hybrid",
    within: Sequence[str] = (),
    reranker: Reranker | None = None,
    candidates: int = RERANK_CANDIDATES,
) -> list[Source]:
    """The ``k`` best sources, from the files or folders in ``within`` when given. With a
    reranker, the first ``candidates`` chunks of the search are put in its order."""
    vector = embedder.encode_queries([question])[0]
    want = k * CANDIDATES_PER_SOURCE
    if reranker is None:
        hits = store.search(vector, question, want, mode, within)
    else:
        hits = rerank(
            reranker, question, store.search(vector, question, max(want, candidates), mode, within)
        )[:want]
    passages = passages_first(join_neighbours(hits), question)[:k]
    return [
        Source(i, p.path, p.page, p.heading, p.score, p.text, p.start, p.end, p.page_end, p.kind)
        for i, p in enumerate(passages, start=1)
    ]
