"""``fathom models list | add PATH | remove NAME | use NAME_OR_PATH | pull``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from desktop.core.errors import Cancelled
from desktop.core.modelhub.catalog import DEFAULT_CHAT, HubFile
from desktop.core.modelhub.download import DownloadDone, DownloadProgress, download
from desktop.core.modelhub.manager import (
    InstalledModel,
    add_model,
    list_models,
    partial_downloads,
    remove_model,
    use_model,
)
from desktop.core.progress import CancelToken
from desktop.core.services import Services


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


def _line(m: InstalledModel) -> str:
    mark = "*" if m.active else " "
    arch = f", {m.architecture}" if m.architecture else ""
    return f"{mark} {m.name}  ({_gb(m.size_bytes)}{arch})  {m.path}"


def run_models(services: Services, args: argparse.Namespace) -> int:
    action = args.models_command
    if action == "pull":
        return pull(services, args)
    if action == "add":
        model = add_model(services, Path(args.path))
        print(f"Added {model.kind} model {model.name} ({_gb(model.size_bytes)}): {model.path}")
        return 0
    if action == "remove":
        model = remove_model(services, args.name)
        how = "forgotten (the file stays)" if model.source == "added" else "deleted"
        print(f"Removed {model.kind} model {model.name}: {model.path} {how}")
        return 0
    if action == "use":
        model = use_model(services, args.name)
        print(f"Using {model.kind} model {model.name}: {model.path}")
        if model.kind == "embedding":
            print("  A library built with another embedding model must be ingested again.")
        return 0
    return list_cmd(services, args)


def list_cmd(services: Services, args: argparse.Namespace) -> int:
    models = list_models(services)
    partial = partial_downloads(services)
    if args.json:
        payload = {
            "models": [m.as_json() for m in models],
            "partial_downloads": [
                {"path": str(p.path), "size_bytes": p.size_bytes} for p in partial
            ],
        }
        print(json.dumps(payload, indent=2))
        return 0
    for kind, title in (("chat", "Chat models"), ("embedding", "Embedding models")):
        mine = [m for m in models if m.kind == kind]
        hint = " (fathom models pull, or fathom models add FILE.gguf)" if kind == "chat" else ""
        print(f"{title}:" if mine else f"{title}: none{hint}")
        for m in mine:
            print("  " + _line(m))
    for p in partial:
        print(f"Unfinished download: {p.path} ({_gb(p.size_bytes)}; 'fathom models pull' resumes)")
    if any(m.active for m in models):
        print("(* = in use)")
    return 0


def pull(services: Services, args: argparse.Namespace) -> int:
    if args.reranker:
        return pull_reranker(services)
    item = DEFAULT_CHAT
    if args.repo or args.file:
        item = HubFile(args.repo or DEFAULT_CHAT.repo_id, args.file or DEFAULT_CHAT.filename)
    revision = getattr(args, "revision", None) or item.revision
    path = pull_with_progress(item.repo_id, item.filename, revision, services.paths.models_dir)
    print(f"Ready: {path}")
    return 0


def pull_reranker(services: Services) -> int:
    """Fetch the reranker that rag.reranker names (a hub id) into the hub cache, verified
    like the embedding models; a local folder is only checked."""
    from desktop.core.embeddings.rerank import OnnxReranker
    from desktop.core.modelhub.download import embedding_folder

    spec = services.settings.rag.reranker
    folder = services.reranker_folder(spec)
    if folder is None:
        print(f"Downloading the reranker {spec} into {services.paths.hub_cache}")
        folder = embedding_folder(spec, services.paths.hub_cache)
    OnnxReranker(folder, model_id=spec)  # loads: a damaged download fails here, clearly
    on = services.settings.rag.rerank
    print(f"Ready: {folder}")
    if not on:
        print("Reranking is off; turn it on with: fathom config set rag.rerank true")
    return 0


def pull_with_progress(repo_id: str, filename: str, revision: str | None, dest: Path) -> Path:
    """Run a download with a progress bar on a terminal (a line per event otherwise is
    noise: plain output only says where it starts and ends)."""
    print(f"Downloading {repo_id}/{filename} into {dest}")
    cancel = CancelToken()
    events = download(repo_id, filename, dest, revision=revision, cancel=cancel)
    if not sys.stderr.isatty():
        return _drain(events)
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    finished: DownloadDone | None = None
    try:
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(filename, total=None)
            for event in events:
                if isinstance(event, DownloadProgress):
                    label = "checking the partial file" if event.phase == "rehash" else filename
                    bar.update(task, completed=event.done, total=event.total, description=label)
                else:
                    finished = event
    except KeyboardInterrupt:
        cancel.cancel()
        events.close()  # closes the part file now
        print("Stopped; run the same command again to resume.", file=sys.stderr)
        raise Cancelled() from None
    if finished is None:
        raise Cancelled()
    return _done(finished)


def _drain(events: Iterator[DownloadProgress | DownloadDone]) -> Path:
    said_resume = False
    for event in events:
        if isinstance(event, DownloadProgress) and event.resumed_from and not said_resume:
            print(f"Resuming after {_gb(event.resumed_from)} already downloaded")
            said_resume = True
        elif isinstance(event, DownloadDone):
            return _done(event)
    raise Cancelled()


def _done(event: DownloadDone) -> Path:
    if event.already_present:
        print(f"Already downloaded: {event.path}")
    else:
        print(f"Verified: SHA-256 {event.sha256}" if len(event.sha256) == 64 else "Verified")
    return event.path
