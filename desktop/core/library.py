"""A library: the store's active generation and the services that read and write it.

What both fronts do with a library is here; the CLI's commands and the window's backend
only present it. Syncing paths keeps the library's recorded chunking (one library never
mixes two), a folder is removed, questions are embedded with the model that built the
library, a rebuild says first what it would change, and an answer cut short (stopped, a
broken stream, an error) is still an ``Answer`` made of what came (``AnswerSoFar``).
Long work is a generator of events with a cancel token, as everywhere in the core.

The heavy modules (ingestion, retrieval, the store) load when first used, so a front can
import this module before its window is shown.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.embeddings.base import Embedder
    from desktop.core.ingest.pipeline import IngestEvent
    from desktop.core.ingest.reindex import ReindexEvent
    from desktop.core.llm.base import ChatModel, GenerationParams, Message
    from desktop.core.progress import CancelToken
    from desktop.core.rag.answer import Answer, AnswerEvent
    from desktop.core.rag.retrieve import Source
    from desktop.core.services import Services
    from desktop.core.store.base import SearchMode, Store


@dataclass(frozen=True)
class ChunkingKept:
    """The first event of a sync when the settings ask for another chunking than the
    library was built with: new files follow the library (a rebuild changes it)."""

    note: str


class Library:
    """One library on an open store. Safe to share between threads for reading; one
    writer (sync, remove, rebuild) at a time."""

    def __init__(self, services: Services, store: Store) -> None:
        self.services = services
        self.store = store
        self._lock = threading.Lock()
        self._query_embedder: Embedder | None = None

    # --- embedders ---------------------------------------------------------------------

    def ingest_embedder(self) -> Embedder:
        """The embedder the settings name: new files and a rebuild are embedded with it."""
        with self._lock:
            return self.services.embedder()

    def query_embedder(self, spec: str | None = None) -> Embedder:
        """The embedder questions are embedded with: ``spec`` when given, else the one the
        library was built with (as its manifest records it, when still here), else the
        settings' one. A ``StoreError`` says so when the library holds nothing yet."""
        with self._lock:
            if spec:
                self.store.open_existing()
                return self.services.embedder(spec)
            if self._query_embedder is None:
                info = self.store.open_existing()
                source = str(info.get("source") or "")
                if source and (Path(source).exists() or not source.startswith("/")):
                    self._query_embedder = self.services.embedder(source)
                else:
                    self._query_embedder = self.services.embedder()
            return self._query_embedder

    def forget_query_embedder(self) -> None:
        """The library was made or rebuilt: questions embed as it now records."""
        with self._lock:
            self._query_embedder = None

    # --- writing -----------------------------------------------------------------------

    def sync(
        self,
        paths: Sequence[Path],
        cancel: CancelToken | None = None,
        *,
        embedder: Embedder | None = None,
    ) -> Generator[ChunkingKept | IngestEvent, None, None]:
        """Bring the library in line with the files under ``paths``, chunked as the library
        records (a new library is made here, recording the settings' chunking); the last
        event is the ingestion's Summary."""
        from desktop.core.ingest.pipeline import ingest
        from desktop.core.ingest.reindex import library_options

        embedder = embedder or self.ingest_embedder()
        options, note = library_options(self.store, embedder, self.services.ingest_options())
        if note:
            yield ChunkingKept(note)
        yield from ingest(list(paths), self.store, embedder, options, cancel)
        self.forget_query_embedder()  # the library may have been made just now

    def remove(self, path: str | Path, cancel: CancelToken | None = None) -> int:
        """Take the files under ``path`` (a folder, or a file) out of the library; how many
        were in it. Cancelled, the files taken out so far stay out."""
        root = Path(path)
        gone = [p for p in self.store.files() if Path(p).is_relative_to(root)]
        try:
            for p in gone:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                self.store.remove_file(p)
        finally:
            if gone:
                self.store.flush()
        return len(gone)

    def folder_stats(self, folders: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Files and chunks in the library under each folder (a file counts for itself)."""
        return folder_stats(self.store.files(), folders)

    # --- rebuilding --------------------------------------------------------------------

    def pending_changes(self) -> list[str]:
        """What a rebuild with the current embedding and chunking settings would change,
        one line each; empty: nothing, or no library yet."""
        from desktop.core.ingest.reindex import pending_changes

        self.store.bind()
        if self.store.embedding_info() is None:
            return []  # no library yet: nothing to compare, and no model to load for it
        return pending_changes(self.store, self.ingest_embedder(), self.services.ingest_options())

    def rebuild(self, cancel: CancelToken | None = None) -> Iterator[ReindexEvent]:
        """Rebuild with the current settings beside the generation in use (questions keep
        using it until the switch); an interrupted rebuild resumes. The last event is the
        ReindexSummary, when questions already embed with the new model."""
        from desktop.core.ingest.reindex import ReindexSummary, reindex

        options = self.services.ingest_options()
        for event in reindex(self.store, self.ingest_embedder(), options, cancel):
            if isinstance(event, ReindexSummary):
                self.forget_query_embedder()
            yield event

    # --- reading -----------------------------------------------------------------------

    def answer(
        self,
        question: str,
        *,
        model: ChatModel | None,
        params: GenerationParams | None = None,
        top_k: int | None = None,
        mode: SearchMode = "hybrid",
        within: Sequence[str] = (),
        history: Sequence[Message] = (),
        rerank: bool = True,
        embedder: Embedder | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[AnswerEvent]:
        """``desktop.core.rag.answer.answer`` over this library, the settings filling in
        what is not given (the generation parameters, top_k, the reranker when
        ``rerank``); ``model=None`` only retrieves. Follow the events with an
        ``AnswerSoFar`` to have an Answer however they end."""
        from desktop.core.rag.answer import answer

        return answer(
            question,
            store=self.store,
            embedder=embedder or self.query_embedder(),
            model=model,
            params=params or self.services.generation_params(),
            top_k=top_k or self.services.settings.rag.top_k,
            mode=mode,
            cancel=cancel,
            history=history,
            within=within,
            reranker=self.services.reranker() if rerank else None,
        )

    def search(self, query: str, k: int | None = None, mode: SearchMode = "hybrid") -> list[Source]:
        """Retrieval only: the ``k`` best sources (default: rag.top_k), reranked as the
        settings say."""
        from desktop.core.rag.retrieve import retrieve

        k = k or self.services.settings.rag.top_k
        return retrieve(
            self.store, self.query_embedder(), query, k, mode, reranker=self.services.reranker()
        )


class AnswerSoFar:
    """What an answer's events have brought; ``result`` is the Answer however they ended:
    the finished one, or one made of the text, reasoning and sources that came (its
    citations checked against them)."""

    def __init__(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self.sources: list[Source] = []
        self.final: Answer | None = None

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def follow(self, events: Iterable[Any]) -> Iterator[Any]:
        """The same events, noted as they pass."""
        for event in events:
            self.add(event)
            yield event

    def add(self, event: object) -> None:
        from desktop.core.llm.base import AnswerText, Reasoning
        from desktop.core.rag.answer import Answer, SourcesFound

        if isinstance(event, AnswerText):
            self._text.append(event.text)
        elif isinstance(event, Reasoning):
            self._reasoning.append(event.text)
        elif isinstance(event, SourcesFound):
            self.sources.extend(event.sources)
        elif isinstance(event, Answer):
            self.final = event

    def result(self, finish_reason: str) -> Answer:
        """The finished Answer, else what came, ending for ``finish_reason``."""
        from desktop.core.rag.answer import Answer
        from desktop.core.rag.citations import verify_citations

        if self.final is not None:
            return self.final
        out = Answer(answer=self.text, reasoning=self.reasoning, finish_reason=finish_reason)
        out.sources = list(self.sources)
        out.citations = verify_citations(out.answer, out.sources)
        return out


def folder_stats(files: dict[str, Any], folders: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Files and chunks under each folder of a manifest (a file counts for itself)."""
    out: dict[str, tuple[int, int]] = {}
    for folder in folders:
        root = Path(folder)
        mine = [r for p, r in files.items() if Path(p).is_relative_to(root)]
        out[folder] = (len(mine), sum(int(r.chunks) for r in mine))
    return out
