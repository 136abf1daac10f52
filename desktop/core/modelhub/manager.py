"""The installed models: list, add, remove, and choose the active one.

Chat models are GGUF files: those in Fathom's model folder (downloads land there) and
files elsewhere that were added by path (remembered in ``models/external.json``, never
copied or deleted). Embedding models are ONNX model folders in hub layout: those fetched
into the hub cache by id, and folders added by path.

The active models are settings (``llm.model``, ``embedding.model``): choosing one saves
the settings file, so ``fathom ask`` and the window use it next. Fronts call::

    list_models(services) -> list[InstalledModel]
    add_model(services, path) -> InstalledModel      # validated; ModelError otherwise
    remove_model(services, name) -> InstalledModel
    use_model(services, name_or_path) -> InstalledModel
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from desktop.core.errors import ModelError
from desktop.core.llm.gguf import architecture, read_gguf_metadata
from desktop.core.modelhub.catalog import (
    active_chat_path,
    chunk_tokens_for,
    installed_embeddings,
    installed_ggufs,
)
from desktop.core.modelhub.download import PART_SUFFIX
from desktop.core.paths import Paths
from desktop.core.settings import Settings

Kind = Literal["chat", "embedding"]
REGISTRY = "external.json"
# GGUF architectures that embed or encode rather than chat.
NOT_CHAT = {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "t5encoder", "clip"}


class ModelHome(Protocol):
    """Where Fathom's files are and the settings in use: all the model manager needs
    (``Services`` is one). Choosing a model changes the settings through
    ``update_settings``: the settings file and ``settings``."""

    paths: Paths
    settings: Settings

    def update_settings(self, values: Mapping[str, Any]) -> Settings: ...


@dataclass(frozen=True)
class InstalledModel:
    name: str
    kind: Kind
    path: Path
    size_bytes: int
    active: bool
    source: str = "folder"  # "folder" (Fathom's), "added" (elsewhere, by path), "hub" (cache)
    architecture: str = ""  # chat models: the GGUF's general.architecture

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "active": self.active,
            "source": self.source,
            "architecture": self.architecture,
        }


@dataclass(frozen=True)
class PartialDownload:
    """A download that stopped before the end: run it again to resume."""

    path: Path  # the .part file
    size_bytes: int


# --- validation -----------------------------------------------------------------------


def check_chat_gguf(path: Path) -> dict[str, Any]:
    """The GGUF header of a chat model file, or a ModelError that says what is wrong."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelError(f"{path} does not exist.", "Give the path of a .gguf model file.")
    if path.is_dir():
        raise ModelError(
            f"{path} is a folder, not a GGUF file.",
            "Chat models are single .gguf files; embedding models are ONNX folders.",
        )
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelError(f"Cannot read {path}: {exc.strerror}.") from exc
    if magic != b"GGUF":
        raise ModelError(
            f"{path} is not a GGUF file (it does not start with the GGUF signature).",
            "Fathom runs llama.cpp models in GGUF format; convert the model or download "
            "its .gguf release.",
        )
    meta = read_gguf_metadata(path)
    arch = architecture(meta)
    if not arch:
        raise ModelError(
            f"{path} is a GGUF file without an architecture in its header.",
            "The file may be damaged or made by an old converter; download it again.",
        )
    if arch in NOT_CHAT:
        raise ModelError(
            f"{path} is a GGUF '{arch}' model, which embeds text and cannot chat.",
            "Choose a chat model such as gpt-oss-20b.",
        )
    kind = str(meta.get("general.type", "model"))
    if kind != "model":
        raise ModelError(
            f"{path} is a GGUF {kind} (for example a LoRA adapter or projector), not a model.",
            "Choose the model's own .gguf file.",
        )
    return meta


def check_embedding_folder(path: Path) -> None:
    path = Path(path).expanduser()
    missing = [n for n in ("onnx/model.onnx", "tokenizer.json") if not (path / n).is_file()]
    if missing:
        raise ModelError(
            f"{path} is not an ONNX embedding model folder (missing {', '.join(missing)}).",
            "An embedding model folder holds tokenizer.json, its configs and onnx/model.onnx.",
        )


# --- the registry of files added by path ----------------------------------------------


def _registry_file(services: ModelHome) -> Path:
    return services.paths.models_dir / REGISTRY


def _registry(services: ModelHome) -> dict[str, list[str]]:
    path = _registry_file(services)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"chat": [], "embedding": []}
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"Cannot read the list of added models {path}: {exc}",
            "Fix or delete that file, then add the models again.",
        ) from exc
    return {k: [str(p) for p in raw.get(k, [])] for k in ("chat", "embedding")}


def _save_registry(services: ModelHome, registry: dict[str, list[str]]) -> None:
    path = _registry_file(services)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- listing --------------------------------------------------------------------------


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _same(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return False


def _arch(path: Path) -> str:
    try:
        return architecture(read_gguf_metadata(path))
    except ModelError:
        return ""


def list_models(services: ModelHome) -> list[InstalledModel]:
    """Installed chat models, then embedding models; ``active`` marks the chosen ones."""
    settings = services.settings
    try:
        active_chat: Path | None = active_chat_path(settings, services.paths.models_dir)
    except ModelError:
        active_chat = None
    registry = _registry(services)
    out: list[InstalledModel] = []
    chat_paths = [(p, "folder") for p in installed_ggufs(services.paths.models_dir)]
    chat_paths += [(Path(p), "added") for p in registry["chat"] if Path(p).is_file()]
    if settings.llm.backend == "llama_cpp" and settings.llm.model:
        chosen = Path(settings.llm.model).expanduser()
        if chosen.is_file() and not any(_same(chosen, p) for p, _ in chat_paths):
            chat_paths.append((chosen, "added"))
    for path, source in chat_paths:
        active = active_chat is not None and _same(path, active_chat)
        out.append(
            InstalledModel(
                path.stem, "chat", path, _size(path), active, source, architecture=_arch(path)
            )
        )
    chosen_embedding = settings.embedding.model
    for repo_id in installed_embeddings(services.paths.hub_cache):
        folder = services.paths.hub_cache / ("models--" + repo_id.replace("/", "--"))
        out.append(
            InstalledModel(
                repo_id, "embedding", folder, _size(folder), chosen_embedding == repo_id, "hub"
            )
        )
    folders = [Path(p) for p in registry["embedding"]]
    local = Path(chosen_embedding).expanduser()
    if local.is_dir() and not any(_same(local, f) for f in folders):
        folders.append(local)
    for folder in folders:
        if folder.is_dir():
            active = _same(folder, chosen_embedding)
            out.append(
                InstalledModel(folder.name, "embedding", folder, _size(folder), active, "added")
            )
    return out


def partial_downloads(services: ModelHome) -> list[PartialDownload]:
    folder = services.paths.models_dir
    if not folder.is_dir():
        return []
    return [
        PartialDownload(p, p.stat().st_size)
        for p in sorted(folder.glob("*" + PART_SUFFIX))
        if p.is_file()
    ]


def find_model(services: ModelHome, name: str) -> InstalledModel:
    models = list_models(services)
    matches = [m for m in models if m.name == name or m.path.name == name]
    if not matches:
        matches = [m for m in models if _same(m.path, name)]
    if not matches:
        names = ", ".join(m.name for m in models) or "none"
        raise ModelError(
            f"No installed model is called '{name}'.",
            f"Installed: {names}. 'fathom models list' shows them; "
            "'fathom models add PATH' adds a file.",
        )
    return matches[0]


# --- changes --------------------------------------------------------------------------


def _choose(services: ModelHome, key: str, value: str) -> None:
    """Save one setting in the settings file (not the environment's overrides) and here."""
    services.update_settings({key: value})


def embedding_values(settings: Settings, spec: str) -> dict[str, Any]:
    """The settings that make ``spec`` (a hub id or a folder) the embedding model. The
    chunk size follows the model (its catalog entry's) unless the person chose their own:
    a size other than the one the current model would have had is kept."""
    values: dict[str, Any] = {"embedding.model": spec}
    if settings.ingest.chunk_tokens == chunk_tokens_for(settings.embedding.model):
        values["ingest.chunk_tokens"] = chunk_tokens_for(spec)
    return values


def choose_embedding(services: ModelHome, spec: str) -> None:
    """Make ``spec`` the embedding model, saved, with the chunk size that goes with it."""
    services.update_settings(embedding_values(services.settings, spec))


def add_model(services: ModelHome, path: Path | str) -> InstalledModel:
    """Validate a GGUF file (chat) or an ONNX folder (embedding) and remember it."""
    path = Path(path).expanduser()
    if path.is_dir():
        check_embedding_folder(path)
        kind: Kind = "embedding"
    else:
        check_chat_gguf(path)
        kind = "chat"
    path = path.resolve()
    in_folder = path.parent == services.paths.models_dir.resolve()
    if not in_folder:
        registry = _registry(services)
        if not any(_same(p, path) for p in registry[kind]):
            registry[kind].append(str(path))
            _save_registry(services, registry)
    if kind == "chat" and not any(m.active for m in list_models(services) if m.kind == "chat"):
        _choose(services, "llm.model", str(path))  # the first chat model is the one used
    return next(m for m in list_models(services) if m.kind == kind and _same(m.path, path))


def remove_model(services: ModelHome, name: str) -> InstalledModel:
    """Forget a model. Files in Fathom's model folder and hub cache are deleted; files
    added from elsewhere are only forgotten (they belong to you)."""
    model = find_model(services, name)
    if model.kind == "embedding" and model.active:
        raise ModelError(
            f"{model.name} is the active embedding model: the library was built with it.",
            "Choose another embedding model first ('fathom models use NAME').",
        )
    registry = _registry(services)
    if model.source == "added":
        registry[model.kind] = [p for p in registry[model.kind] if not _same(p, model.path)]
        _save_registry(services, registry)
    elif model.kind == "chat":
        model.path.unlink(missing_ok=True)
    else:
        shutil.rmtree(model.path)
    if model.kind == "chat" and model.active and services.settings.llm.model:
        _choose(services, "llm.model", "")
    return model


def use_model(services: ModelHome, name_or_path: str | Path) -> InstalledModel:
    """Make a model the active one (saved in settings). A path is validated and added."""
    candidate = Path(name_or_path).expanduser()
    if candidate.exists():
        model = add_model(services, candidate)
    else:
        model = find_model(services, str(name_or_path))
    if model.kind == "chat":
        _choose(services, "llm.model", str(model.path))
    else:
        choose_embedding(services, model.name if model.source == "hub" else str(model.path))
    return next(m for m in list_models(services) if m.kind == model.kind and m.path == model.path)
