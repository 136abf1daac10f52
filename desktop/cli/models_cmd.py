"""``fathom models pull | list``."""

from __future__ import annotations

import argparse
import json

from desktop.core.modelhub.catalog import (
    DEFAULT_CHAT,
    HubFile,
    installed_embeddings,
    installed_ggufs,
)
from desktop.core.modelhub.download import pull_file
from desktop.core.services import Services


def run_models(services: Services, args: argparse.Namespace) -> int:
    paths = services.paths
    if args.models_command == "pull":
        item = DEFAULT_CHAT
        if args.repo or args.file:
            item = HubFile(args.repo or DEFAULT_CHAT.repo_id, args.file or DEFAULT_CHAT.filename)
        print(f"Downloading {item.repo_id}/{item.filename} into {paths.models_dir}")
        path = pull_file(item, paths.models_dir)
        print(f"Ready: {path}")
        return 0
    ggufs = installed_ggufs(paths.models_dir)
    chat = [{"path": str(p), "bytes": p.stat().st_size} for p in ggufs]
    embeddings = installed_embeddings(paths.hub_cache)
    if args.json:
        print(json.dumps({"chat": chat, "embedding": embeddings}, indent=2))
        return 0
    print("Chat models:" if chat else "Chat models: none (run: fathom models pull)")
    for p in ggufs:
        print(f"  {p}  ({p.stat().st_size / 1e9:.2f} GB)")
    print("Embedding models:" if embeddings else "Embedding models: none downloaded")
    for name in embeddings:
        print(f"  {name}")
    return 0
