"""``fathom ask``: stream the answer to the terminal, then list the numbered sources."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop.core.errors import ConfigError, FathomError
from desktop.core.library import AnswerSoFar, Library
from desktop.core.llm.base import AnswerText, ChatModel, Reasoning
from desktop.core.llm.openai_compat import StreamCutError
from desktop.core.rag.answer import Answer
from desktop.core.rag.citations import Citation
from desktop.core.rag.retrieve import Source
from desktop.core.services import Services
from desktop.core.types import pages_label, shown_heading

DIM, RESET = "\x1b[2m", "\x1b[0m"


def load_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the JSON schema {path}: {exc}") from exc
    if not isinstance(schema, dict):
        raise ConfigError(f"The JSON schema {path} must be a JSON object.")
    return schema


def run_ask(services: Services, args: argparse.Namespace) -> int:
    schema = load_schema(args.schema) if args.schema else None
    params = services.generation_params(args.reasoning)
    if schema is not None:
        params = replace(params, json_schema=schema)
    library = Library(services, services.store(args.store))
    model: ChatModel | None = None
    try:
        embedder = library.query_embedder(args.embedding)  # no library: said before loading
        if not args.retrieve_only:
            model = services.chat_model(args.model, llm_url=args.llm_url, llm_model=args.llm_model)
        events = library.answer(
            args.question,
            model=model,
            params=params,
            top_k=args.top_k,
            mode=args.mode,
            within=args.within,
            rerank=args.rerank,
            embedder=embedder,
        )
        result, cut = _drive(events, stream=not (args.json or schema))
    finally:
        if model is not None:
            model.close()
        library.store.close()
    if cut is not None:  # the stream broke: show what came, then say why
        if args.json:
            out = result.to_json()
            out["error"] = {"message": cut.message, "hint": cut.hint}
            print(json.dumps(out, ensure_ascii=False))
        elif result.sources:
            _print_sources(result.sources)
        raise cut
    if schema is not None and model is not None:
        return _print_structured(result, as_json=args.json)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _print_sources(result.sources)
        _print_citation_problems(result.citations)
    return 0


def _print_structured(result: Answer, *, as_json: bool) -> int:
    try:
        value = json.loads(result.answer)
    except ValueError as exc:
        raise FathomError(
            f"The model's answer is not complete JSON ({result.finish_reason}): {exc}",
            "Raise llm.max_tokens, or simplify the schema.",
        ) from exc
    if as_json:
        out = result.to_json()
        out["answer"] = value
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(json.dumps(value, ensure_ascii=False, indent=2))
    return 0


def _print_citation_problems(citations: list[Citation]) -> None:
    for c in citations:
        if not c.verified:
            print(f"  ! citation [{c.number}] not verified: {c.problem}")


def _drive(events: Iterator[object], *, stream: bool) -> tuple[Answer, StreamCutError | None]:
    """Show the events; the Answer, or what had come when a remote stream broke."""
    tty = sys.stdout.isatty()
    in_reasoning = False
    so_far = AnswerSoFar()
    try:
        for event in so_far.follow(events):
            if isinstance(event, Answer):
                if stream and (event.answer or event.reasoning):
                    print(RESET if tty and in_reasoning else "", flush=True)
                return event, None
            if stream:
                in_reasoning = _show(event, in_reasoning, tty)
    except StreamCutError as cut:
        if stream:
            print(RESET if tty and in_reasoning else "", flush=True)
        return so_far.result("interrupted"), cut
    raise RuntimeError("the answer ended without a result")


def _show(event: object, in_reasoning: bool, tty: bool) -> bool:
    """Write one streamed event; whether reasoning is being shown now."""
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
    return in_reasoning


def _print_sources(sources: list[Source]) -> None:
    if not sources:
        print("No sources found in the library.")
        return
    print("Sources:")
    for s in sources:
        where = s.path
        heading = shown_heading(s.path, s.heading)
        if heading:
            where += f" — {heading}"
        if s.page:
            where += f" ({pages_label(s.page, s.page_end)})"
        print(f"  [{s.rank}] {where}  (score {s.score:.4f})")
