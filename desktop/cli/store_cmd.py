"""``fathom store copy``: move a library between stores (a Lite directory, a server)."""

from __future__ import annotations

import argparse
import json
import re
import sys

from desktop.core.errors import ConfigError
from desktop.core.services import Services
from desktop.core.store.connection import display_uri
from desktop.core.store.copy import CopyDone, CopyEvent, CopyProgress, CopyStarted, copy_library

LIBRARY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,40}$")


def _library(name: str | None, fallback: str) -> str:
    if name is None:
        return fallback
    if not LIBRARY.match(name):
        raise ConfigError(
            f"'{name}' is not a library name.",
            "Use a letter, then letters, digits or '_' (at most 41 characters).",
        )
    return name


def run_store(services: Services, args: argparse.Namespace) -> int:
    library = _library(args.library, services.settings.store.library)
    to_library = _library(args.to_library, library)
    source = services.store(args.source, library)
    try:
        target = services.store(args.target, to_library)
        try:
            events = copy_library(source, target, replace=args.replace)
            done = _drive_quiet(events) if args.json else _drive_with_bar(events)
        finally:
            target.close()
    finally:
        source.close()
    if args.json:
        print(json.dumps({"chunks": done.chunks, "files": done.files, "seconds": done.seconds}))
    else:
        print(
            f"Copied {done.chunks} chunks of {done.files} files from "
            f"{display_uri(services.store_uri(args.source))} ({library}) to "
            f"{display_uri(services.store_uri(args.target))} ({to_library}) "
            f"in {done.seconds:.1f} s; nothing was embedded again."
        )
    return 0


def _drive_quiet(events: object) -> CopyDone:
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, CopyDone):
            return event
    raise RuntimeError("the copy ended without a summary")


def _drive_with_bar(events: object) -> CopyDone:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("[bold]Copying chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with progress:
        task = progress.add_task("copy", total=None)
        event: CopyEvent
        for event in events:  # type: ignore[attr-defined]
            if isinstance(event, CopyStarted):
                progress.update(task, total=event.chunks)
            elif isinstance(event, CopyProgress):
                progress.update(task, completed=event.chunks_done)
            elif isinstance(event, CopyDone):
                return event
    raise RuntimeError("the copy ended without a summary")
