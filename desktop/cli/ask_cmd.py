"""``fathom ask``: stream the answer to the terminal, then list the numbered sources."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.core.embeddings.base import Embedder
from desktop.core.llm.base import AnswerText, ChatModel, Reasoning
from desktop.core.rag.answer import Answer, answer
from desktop.core.rag.retrieve import Source
from desktop.core.services import Services
from desktop.core.store.milvus import MilvusStore

DIM, RESET = "\x1b[2m", "\x1b[0m"


def store_embedder(services: Services, store: MilvusStore, override: str | None) -> Embedder:
    """The embedder to query with: as asked, else the one the library was built with."""
    info = store.open_existing()
    if override:
        return services.embedder(override)
    source = str(info.get("source") or "")
    if source and (Path(source).exists() or not source.startswith("/")):
        return services.embedder(source)
    return services.embedder()


def run_ask(services: Services, args: argparse.Namespace) -> int:
    store = services.store(args.store)
    model: ChatModel | None = None
    try:
        embedder = store_embedder(services, store, args.embedding)
        if not args.retrieve_only:
            model = services.chat_model(args.model)
        top_k = args.top_k or services.settings.rag.top_k
        events = answer(
            args.question,
            store=store,
            embedder=embedder,
            model=model,
            params=services.generation_params(args.reasoning),
            top_k=top_k,
            mode=args.mode,
        )
        result = _drive(events, stream=not args.json)
    finally:
        if model is not None:
            model.close()
        store.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _print_sources(result.sources)
    return 0


def _drive(events: object, *, stream: bool) -> Answer:
    tty = sys.stdout.isatty()
    in_reasoning = False
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, Answer):
            if stream and (event.answer or event.reasoning):
                print(RESET if tty and in_reasoning else "", flush=True)
            return event
        if not stream:
            continue
        if isinstance(event, Reasoning):
            if not in_reasoning:
                in_reasoning = True
                sys.stdout.write(DIM if tty else "Reasoning: ")
            sys.stdout.write(event.text)
        elif isinstance(event, AnswerText):
            if in_reasoning:
                in_reasoning = False
                sys.stdout.write(RESET + "\n\n" if tty else "\n\nAnswer: ")
            sys.stdout.write(event.text)
        sys.stdout.flush()
    raise RuntimeError("the answer ended without a result")


def _print_sources(sources: list[Source]) -> None:
    if not sources:
        print("No sources found in the library.")
        return
    print("Sources:")
    for s in sources:
        where = s.path
        if s.heading:
            where += f" — {s.heading}"
        if s.page:
            where += f" (page {s.page})"
        print(f"  [{s.rank}] {where}  (score {s.score:.4f})")
