"""``fathom reindex``: rebuild the library with another embedding model or chunking.

The new model and chunk sizes are saved in the settings first, so a later ``fathom ingest``
uses them and a rebuild that was interrupted goes on with a plain ``fathom reindex``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.cli.ingest_cmd import reading_label
from desktop.core.ingest.pipeline import FileDone, FileReading, Started
from desktop.core.ingest.reindex import Planned, ReindexEvent, ReindexSummary
from desktop.core.library import Library
from desktop.core.modelhub.manager import embedding_values
from desktop.core.services import Services
from desktop.core.settings import Settings, set_keys

EXIT_OK, EXIT_PARTIAL = 0, 3


def _asked(settings: Settings, args: argparse.Namespace) -> dict[str, object]:
    """The settings this command changes, by dotted key: another embedding model brings
    its own chunk size, unless one is given."""
    changes: dict[str, object] = {}
    if args.embedding:
        model = args.embedding
        if Path(model).expanduser().exists():
            model = str(Path(model).expanduser().resolve())
        changes.update(embedding_values(settings, model))
    sizes = {"ingest.chunk_tokens": args.chunk_tokens, "ingest.chunk_overlap": args.chunk_overlap}
    changes.update({key: value for key, value in sizes.items() if value is not None})
    return changes


def run_reindex(services: Services, args: argparse.Namespace) -> int:
    changes = _asked(services.settings, args)
    asked = services.with_settings(set_keys(services.settings, changes))  # nothing saved yet
    asked.embedder()  # a model that does not load is not saved
    library = Library(asked, asked.store(args.store))
    try:
        library.store.open_existing()  # nor is anything when there is no library
        if changes:  # saved (without the environment's overrides) before the long work
            services.update_settings(changes)
        summary = _drive(library.rebuild(), quiet=args.json)
    finally:
        library.store.close()
    if args.json:
        print(json.dumps(summary.to_json()), flush=True)
    else:
        _print_summary(summary)
    return EXIT_PARTIAL if summary.failed or summary.missing else EXIT_OK


def _drive(events: object, *, quiet: bool) -> ReindexSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("[bold]Rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        transient=True,
        disable=quiet or not sys.stderr.isatty(),
    )
    with progress:
        task = progress.add_task("reindex", total=None, current="")
        event: ReindexEvent
        for event in events:  # type: ignore[attr-defined]
            if isinstance(event, Planned) and not quiet:
                how = "Resuming the rebuild" if event.resumed else "Rebuilding the library"
                print(f"{how} ({'; '.join(event.reasons)}): {event.files} files.", flush=True)
                print("The current library keeps answering until the new one is complete.")
            elif isinstance(event, Started):
                progress.update(task, total=event.total_files)
            elif isinstance(event, FileReading):
                progress.update(task, current=reading_label(event))
            elif isinstance(event, FileDone):
                name = event.path.rsplit("/", 1)[-1]
                progress.update(task, completed=event.done, current=name[-40:])
            elif isinstance(event, ReindexSummary):
                return event
    raise RuntimeError("the rebuild ended without a summary")


def _print_summary(s: ReindexSummary) -> None:
    if not s.rebuilt:
        print("The library already uses this embedding model and chunking; nothing to rebuild.")
        return
    print(
        f"Rebuilt: {s.files} files, {s.chunks} chunks ({s.seconds:.1f} s); "
        f"searches now use the new library."
    )
    for path in s.missing:
        print(f"  left out (no longer on disk): {path}", file=sys.stderr)
    for path, error in s.failed:
        print(f"  failed: {path}: {error}", file=sys.stderr)
