"""``fathom ingest``: a progress bar on a terminal, one JSON summary with ``--json``."""

from __future__ import annotations

import argparse
import itertools
import json
import signal
import sys
from typing import Any

from desktop.core.errors import Cancelled
from desktop.core.ingest.pipeline import FileDone, FileReading, Started, Summary
from desktop.core.ingest.watch import Snapshot, changes, snapshot
from desktop.core.library import ChunkingKept, Library
from desktop.core.progress import CancelToken
from desktop.core.services import Services

EXIT_OK, EXIT_PARTIAL = 0, 3


def run_ingest(services: Services, args: argparse.Namespace) -> int:
    embedder = services.embedder(args.embedding)
    library = Library(services, services.store(args.store))
    try:
        before = snapshot(args.paths) if args.watch else None
        summary = _sync(library, args, embedder)
        if before is not None:
            return _watch(library, args, embedder, before)
    finally:
        library.store.close()
    return EXIT_PARTIAL if summary.failed else EXIT_OK


def _sync(
    library: Library, args: argparse.Namespace, embedder: Any, cancel: CancelToken | None = None
) -> Summary:
    events = library.sync(args.paths, cancel, embedder=embedder)
    try:
        first = next(events)
        if isinstance(first, ChunkingKept):  # said before the progress bar shows
            print(f"fathom: note: {first.note}", file=sys.stderr)
        rest = events if isinstance(first, ChunkingKept) else itertools.chain([first], events)
        summary = _drive_quiet(rest) if args.json else _drive_with_bar(rest)
    finally:
        events.close()  # stops the reader thread here, not whenever the generator is collected
    if args.json:
        print(json.dumps(summary.to_json()), flush=True)
    else:
        _print_summary(summary)
    return summary


def _watch(library: Library, args: argparse.Namespace, embedder: Any, since: Snapshot) -> int:
    """Sync again after every change until interrupted; the store stays open meanwhile.

    Ctrl+C (SIGINT) cancels instead of raising KeyboardInterrupt wherever the main thread
    happens to be: raised while a finished sync's generator was being closed, Python
    reported it as ignored and the watch went on (seen once in CI). A second Ctrl+C
    interrupts at once."""
    cancel = CancelToken()

    def interrupted(_signum: int, _frame: Any) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, interrupted)
    if not args.json:
        print(f"Watching for changes every {args.interval:g} s (Ctrl+C stops).", flush=True)
    try:
        for _ in changes(args.paths, args.interval, cancel, since):
            _sync(library, args, embedder, cancel)
    except (Cancelled, KeyboardInterrupt):
        pass  # a sync cut short resumes at the next run
    finally:
        signal.signal(signal.SIGINT, previous)
    if not args.json:
        print("Stopped watching.")
    return EXIT_OK


def _drive_quiet(events: object) -> Summary:
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, Summary):
            return event
    raise RuntimeError("ingestion ended without a summary")


def _drive_with_bar(events: object) -> Summary:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]Ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        transient=True,
        disable=not sys.stderr.isatty(),
        console=None,
    )
    with progress:
        task = progress.add_task("ingest", total=None, current="")
        for event in events:  # type: ignore[attr-defined]
            if isinstance(event, Started):
                progress.update(task, total=event.total_files)
            elif isinstance(event, FileReading):
                progress.update(task, current=reading_label(event))
            elif isinstance(event, FileDone):
                name = event.path.rsplit("/", 1)[-1]
                progress.update(task, completed=event.done, current=name[-40:])
            elif isinstance(event, Summary):
                return event
    raise RuntimeError("ingestion ended without a summary")


def reading_label(event: FileReading) -> str:
    """``scan.pdf: page 3/50 (OCR)``, for the progress bar."""
    name = event.path.rsplit("/", 1)[-1][-32:]
    return f"{name}: page {event.page}/{event.pages}{' (OCR)' if event.ocr else ''}"


def _print_summary(s: Summary) -> None:
    moved = f" ({s.moved} moved or renamed)" if s.moved else ""
    print(
        f"{s.added} added, {s.updated} updated, {s.unchanged} unchanged{moved}, "
        f"{s.removed} removed, {len(s.failed)} failed; "
        f"{s.chunks} chunks in the library ({s.seconds:.1f} s)"
    )
    for path, error in s.failed:
        print(f"  failed: {path}: {error}", file=sys.stderr)
