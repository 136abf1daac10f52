"""``fathom setup``: detect the machine, recommend models, then download or use a GGUF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.core.llm.hardware import GIB, Machine, detect_machine
from desktop.core.modelhub.catalog import DEFAULT_CHAT, MULTILINGUAL_EMBEDDING, HubFile
from desktop.core.modelhub.manager import InstalledModel, list_models, use_model
from desktop.core.services import Services
from desktop.core.setup import (
    Recommendation,
    free_disk_bytes,
    recommend,
    recommended_embedding,
)


def _machine_json(m: Machine) -> dict[str, Any]:
    return {
        "threads": m.threads,
        "ram_bytes": m.ram_bytes,
        "gpu_offload": m.gpu_offload,
        "gpu_name": m.gpu_name,
        "vram_bytes": m.vram_bytes,
    }


def _rec_json(r: Recommendation) -> dict[str, Any]:
    return {
        "chat": {"repo_id": r.chat.repo_id, "filename": r.chat.filename},
        "embedding": r.embedding,
        "embedding_reason": r.embedding_reason,
        "where": r.where,
        "n_gpu_layers": r.n_gpu_layers,
        "cpu_moe_layers": r.cpu_moe_layers,
        "download_bytes": r.download_bytes,
        "free_disk": r.free_disk,
        "fits_disk": r.fits_disk,
        "warnings": r.warnings,
    }


def _describe_machine(m: Machine) -> str:
    gpu = (
        f"{m.gpu_name or 'GPU'} with {m.vram_bytes / GIB:.1f} GiB"
        if m.gpu_offload and m.vram_bytes
        else "no GPU that this llama.cpp build can use"
    )
    return f"{m.threads} CPU threads, {m.ram_bytes / GIB:.1f} GiB memory, {gpu}"


def _ask(question: str) -> str:
    try:
        return input(question).strip()
    except EOFError:
        return ""


def run_setup(services: Services, args: argparse.Namespace) -> int:
    services.paths.ensure()
    machine = detect_machine(unused_gpu=True)
    chat = DEFAULT_CHAT
    if args.repo or args.file:
        chat = HubFile(args.repo or chat.repo_id, args.file or chat.filename, size_gb=0.0)
    folders = [Path(f).expanduser() for f in args.folder or []]
    embedding = recommended_embedding(folders)
    llm = services.settings.llm
    rec = recommend(
        machine,
        free_disk_bytes(services.paths.base),
        chat,
        embedding,
        flash_attn=llm.flash_attn,
        kv_cache_type=llm.kv_cache_type,
    )
    if args.json and not (args.yes or args.use_gguf):
        print(json.dumps({"machine": _machine_json(machine), "recommended": _rec_json(rec)}))
        return 0
    print(f"This machine: {_describe_machine(machine)}")
    print(f"Free disk in {services.paths.base}: {rec.free_disk / 1e9:.1f} GB")
    print(f"Recommended: {rec.describe()}")
    if rec.embedding != MULTILINGUAL_EMBEDDING.repo_id and not args.embedding:
        print(
            "  Documents or questions in other languages? Add --embedding "
            f"{MULTILINGUAL_EMBEDDING.repo_id} ({MULTILINGUAL_EMBEDDING.languages}), "
            "or --folder PATH to check your documents."
        )
    for warning in rec.warnings:
        print(f"  warning: {warning}")

    gguf: str | None = args.use_gguf
    download = bool(args.yes)
    if not gguf and not download:
        if not sys.stdin.isatty():
            print(
                "Run 'fathom setup --yes' to download it, or 'fathom setup --use-gguf PATH' "
                "to use a GGUF you already have."
            )
            return 0
        answer = _ask(
            f"Download {chat.filename} now? [Y]es / [n]o / or type the path of a GGUF you have: "
        )
        if answer.lower() in ("", "y", "yes"):
            download = True
        elif answer.lower() in ("n", "no"):
            print("Nothing downloaded. 'fathom setup' or 'fathom models pull' does it later.")
            return 0
        else:
            gguf = answer
    if gguf:
        model = use_model(services, Path(gguf))
        print(f"Using {model.name} ({model.architecture}): {model.path}")
    else:
        from desktop.cli.models_cmd import pull_with_progress

        path = pull_with_progress(chat.repo_id, chat.filename, None, services.paths.models_dir)
        model = use_model(services, path)
        print(f"Ready: {path}")
    _setup_embedding(services, args.embedding or rec.embedding)
    print("Set up. Next: fathom ingest FOLDER, then fathom ask QUESTION.")
    return 0


def _setup_embedding(services: Services, spec: str) -> InstalledModel | None:
    """Fetch the embedding model if it is a hub id not yet here; make it the active one."""
    local = Path(spec).expanduser()
    if local.is_dir():
        return use_model(services, local)
    from desktop.core.modelhub.download import embedding_folder

    print(f"Embedding model: {spec}")
    embedding_folder(spec, services.paths.hub_cache)
    found = [m for m in list_models(services) if m.kind == "embedding" and m.name == spec]
    return use_model(services, spec) if found else None
