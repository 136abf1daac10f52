"""``fathom doctor``: what is installed, what the llama.cpp build can do, where data lives."""

from __future__ import annotations

import argparse
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from desktop import __version__
from desktop.core.errors import FathomError
from desktop.core.modelhub.catalog import installed_embeddings, installed_ggufs
from desktop.core.services import Services

PACKAGES = [
    "llama-cpp-python",
    "pymilvus",
    "milvus-lite",
    "onnxruntime",
    "tokenizers",
    "huggingface-hub",
    "PySide6",
]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _llama_build() -> dict[str, Any]:
    """Which backend the llama.cpp build has and, for a GPU one, whether it found a device."""
    from desktop.core.llm.llama_build import describe_build, library_dir
    from desktop.core.llm.llama_cpp import gpu_offload_supported

    try:
        offload = gpu_offload_supported()
    except Exception as exc:
        return {"backend": "unknown", "device": False, "text": f"llama_cpp does not load: {exc}"}
    return describe_build(library_dir(), offload)


def _gpu_offload(build: dict[str, Any]) -> str:
    """The offload line, from the build's report."""
    if build["backend"] == "unknown":
        return f"unknown ({build['text']})"
    if build["device"]:
        return "yes"
    return (
        "no (CPU-only build)" if build["backend"] in ("cpu", "none") else "no (no GPU device found)"
    )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _store_report(services: Services, uri: str | None) -> dict[str, Any]:
    from desktop.core.store.connection import display_uri

    location = services.store_uri(uri)
    server = location.startswith(("http://", "https://", "tcp://", "unix:"))
    report: dict[str, Any] = {
        "location": display_uri(location),  # never a user:password@ part
        "kind": "Milvus server" if server else "Milvus Lite directory",
        "library": services.settings.store.library,
    }
    local = Path(location)
    if not server:
        report["size_bytes"] = _size(local)
        if not local.exists():
            report["status"] = "empty (nothing ingested yet)"
            return report
    try:
        store = services.store(uri)
        try:
            try:
                if server:
                    report["server_version"] = store.server_version()
                report["embedding"] = store.embedding_info()
                report["chunks"] = store.count()
                report["files"] = len(store.files()) if report["embedding"] else 0
            except FathomError:
                raise
            except Exception as exc:
                raise store.error(exc) from exc
            report["status"] = "ok"
        finally:
            store.close()
    except FathomError as exc:
        report["status"] = f"error: {exc.message}"
        report["hint"] = exc.hint
    return report


def _machine() -> dict[str, Any]:
    from desktop.core.llm.hardware import GIB, detect_machine

    m = detect_machine()
    return {
        "threads": m.threads,
        "ram_gib": round(m.ram_bytes / GIB, 1),
        "gpu": m.gpu_name or None,
        "vram_gib": round(m.vram_bytes / GIB, 1) if m.vram_bytes else None,
    }


def _plan(services: Services, chat: str | None) -> dict[str, Any] | None:
    if not chat or not Path(chat).is_file():
        return None
    try:
        p = services.model_plan(Path(chat))
    except FathomError as exc:
        return {"error": exc.message}
    from desktop.core.llm.hardware import plan_in_words

    return {
        "in_words": plan_in_words(p),
        "summary": p.describe(),
        "n_ctx": p.n_ctx,
        "n_gpu_layers": p.n_gpu_layers,
        "cpu_moe_layers": p.cpu_moe_layers,
        "memory_gib": round(p.memory_bytes / 2**30, 2),
        "vram_gib": round(p.vram_bytes / 2**30, 2),
        "ram_gib": round(p.ram_bytes / 2**30, 2),
        "expected_tokens_per_s": round(p.expected_tokens_per_s, 1),
        "notes": p.notes,
    }


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _llm_report(services: Services) -> dict[str, Any]:
    """The answering backend and, for a server, whether it answers; the key is never shown."""
    from desktop.core.llm.openai_compat import check_server
    from desktop.core.secrets import get_secret

    llm, emb = services.settings.llm, services.settings.embedding
    key = get_secret("llm_api_key")
    report: dict[str, Any] = {"backend": llm.backend}
    servers: list[tuple[str, str, str]] = []
    if llm.backend == "openai":
        report |= {"base_url": _without_userinfo(llm.base_url), "model": llm.model}
        servers.append(("status", llm.base_url, llm.model))
    if emb.model.startswith("openai:"):
        from desktop.core.embeddings.openai_compat import parse_spec

        try:
            name, url = parse_spec(emb.model, emb.base_url)
            report["embedding_server"] = _without_userinfo(url)
            servers.append(("embedding_status", url, name))
        except FathomError as exc:
            report["embedding_status"] = f"error: {exc.message}"
    if servers:
        report["api_key"] = "set" if key else "not set"
    for field, url, name in servers:
        try:
            report[field] = "ok: " + check_server(url, key, name)
        except FathomError as exc:
            report[field] = f"error: {exc.message}"
            report[field.replace("status", "hint")] = exc.hint
    return report


def collect(services: Services, uri: str | None) -> dict[str, Any]:
    try:
        chat: str | None = str(services.chat_model_path())
    except FathomError:
        chat = None
    build = _llama_build()
    return {
        "fathom": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "gpu_offload": _gpu_offload(build),
        "llama_build": build,
        "machine": _machine(),
        "base_dir": str(services.paths.base),
        "store": _store_report(services, uri),
        "llm": _llm_report(services),
        "models": {
            "chat_model": chat,
            "chat_model_plan": _plan(services, chat),
            "chat_models_installed": [str(p) for p in installed_ggufs(services.paths.models_dir)],
            "embedding_model": services.settings.embedding.model,
            "embedding_models_installed": installed_embeddings(services.paths.hub_cache),
            "embedding_runtime": _embedding_runtime(services),
            "reranker": _reranker_report(services),
        },
    }


def _embedding_folder(services: Services, spec: str) -> Path | None:
    """The local folder of an ONNX embedding model, without downloading it."""
    if spec.startswith(("pymilvus:", "openai:")):
        return None
    folder = Path(spec).expanduser()
    if folder.is_dir():
        return folder
    if spec.count("/") != 1:
        return None
    from desktop.core.modelhub.download import cached_model_folder

    try:
        return cached_model_folder(spec, services.paths.hub_cache)
    except Exception:  # an unreadable cache: the report says "not installed"
        return None


def _embedding_runtime(services: Services) -> dict[str, Any]:
    """Which ONNX Runtime provider the embeddings run on: the one this package offers
    (``accelerator``) and, with the model here, the one a session really got."""
    try:
        import onnxruntime as ort
    except Exception as exc:
        return {"error": f"onnxruntime does not load: {exc}"}
    from desktop.core.embeddings.onnx import (
        CPU_PROVIDER,
        ONNX_FILES,
        PROVIDER_NAMES,
        accelerator,
        running_provider,
        session,
    )

    available = ort.get_available_providers()
    chosen = accelerator(available) or CPU_PROVIDER
    report: dict[str, Any] = {
        "available": [
            PROVIDER_NAMES.get(p, p.removesuffix("ExecutionProvider")) for p in available
        ],
        "chosen": PROVIDER_NAMES[chosen],
        "runs_on": None,
    }
    spec = services.settings.embedding.model
    if spec.startswith("openai:"):
        report["runs_on"] = "the embedding server"
        return report
    folder = _embedding_folder(services, spec)
    onnx = (
        next((folder / f for f in ONNX_FILES if (folder / f).is_file()), None) if folder else None
    )
    if onnx is None:
        return report
    try:
        report["runs_on"] = running_provider(session(onnx, 1))
    except Exception as exc:  # a truncated model file
        report["error"] = f"{onnx} does not load: {exc}"
    return report


def _reranker_report(services: Services) -> dict[str, object]:
    rag = services.settings.rag
    try:
        folder = services.reranker_folder()
    except FathomError as exc:
        return {"model": rag.reranker, "on": rag.rerank, "error": exc.message}
    return {
        "model": rag.reranker,
        "on": rag.rerank,
        "folder": str(folder) if folder else None,
        "hint": "" if folder else "fathom models pull --reranker",
    }


def run_doctor(services: Services, args: argparse.Namespace) -> int:
    report = collect(services, args.store)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Fathom {report['fathom']} on Python {report['python']} ({report['platform']})")
    for name, version in report["packages"].items():
        print(f"  {name:18} {version}")
    print(f"GPU offload (llama.cpp): {report['gpu_offload']}")
    print(f"llama.cpp build: {report['llama_build']['text']}")
    m = report["machine"]
    gpu = f"{m['gpu']} ({m['vram_gib']} GiB)" if m["gpu"] else "none usable"
    print(f"Machine: {m['threads']} threads, {m['ram_gib']} GiB memory, GPU: {gpu}")
    print(f"Base directory: {report['base_dir']}")
    store = report["store"]
    print(f"Store: {store['location']} ({store['kind']}, library '{store['library']}')")
    if "server_version" in store:
        print(f"  server: {store['server_version']}")
    if "size_bytes" in store:
        print(f"  size: {store['size_bytes'] / 1e6:.1f} MB")
    print(f"  status: {store['status']}")
    if store.get("hint"):
        print(f"  hint: {store['hint']}")
    if store.get("embedding"):
        emb = store["embedding"]
        print(
            f"  {store['files']} files, {store['chunks']} chunks; "
            f"embedding {emb['model']} (dim {emb['dim']})"
        )
    llm = report["llm"]
    if llm["backend"] == "openai":
        print(f"LLM backend: OpenAI-compatible server {llm['base_url']}, model {llm['model']}")
        print(f"  API key: {llm['api_key']}")
        print(f"  status: {llm['status']}")
        if llm.get("hint"):
            print(f"  hint: {llm['hint']}")
    else:
        print("LLM backend: llama.cpp on this machine")
    if "embedding_status" in llm:
        print(f"Embedding server: {llm.get('embedding_server', '?')}")
        print(f"  status: {llm['embedding_status']}")
    models = report["models"]
    print(f"Chat model: {models['chat_model'] or 'none (run: fathom models pull)'}")
    chat_plan = models["chat_model_plan"]
    if chat_plan:
        if "error" in chat_plan:
            print(f"  runs as: {chat_plan['error']}")
        else:
            print(f"  runs as: {chat_plan['in_words']}")
            print(f"  estimate: {chat_plan['summary']}")
        for note in chat_plan.get("notes", []):
            print(f"  note: {note}")
    for path in models["chat_models_installed"]:
        print(f"  installed: {path}")
    print(f"Embedding model: {models['embedding_model']}")
    for name in models["embedding_models_installed"]:
        print(f"  installed: {name}")
    rt = models["embedding_runtime"]
    if rt.get("error") and "available" not in rt:
        print(f"  runs on: unknown ({rt['error']})")
    else:
        runs = rt["runs_on"] or f"{rt['chosen']} (when the model is installed)"
        why = ""
        if rt["runs_on"] == "CPU" and rt["chosen"] != "CPU":
            why = f"; the {rt['chosen']} session could not be created"
        print(f"  runs on: {runs} (ONNX Runtime providers here: {', '.join(rt['available'])}{why})")
        if rt.get("error"):
            print(f"  error: {rt['error']}")
    rr = models["reranker"]
    where = rr.get("error") or rr.get("folder") or f"not on this machine ({rr.get('hint')})"
    print(f"Reranker: {rr['model']} ({'on' if rr['on'] else 'off'}): {where}")
    return 0
