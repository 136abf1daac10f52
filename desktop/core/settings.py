"""Typed, versioned settings saved as JSON under the base directory.

Every setting has a dotted key (``rag.top_k``) and can be overridden by an environment
variable named ``FATHOM_`` + section + ``__`` + key in capitals (``FATHOM_RAG__TOP_K=8``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.core.errors import ConfigError

SCHEMA_VERSION = 1
ENV_PREFIX = "FATHOM_"
DEFAULT_EMBEDDING = "sentence-transformers/all-MiniLM-L6-v2"
# Chunk size in the embedding model's tokens, unless the model's catalog entry gives its
# own (desktop.core.modelhub.catalog.EmbeddingModel.chunk_tokens).
DEFAULT_CHUNK_TOKENS = 220
DEFAULT_RERANKER = "cross-encoder/ms-marco-MiniLM-L6-v2"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class LLMSettings(_Section):
    backend: Literal["llama_cpp", "openai"] = Field(
        "llama_cpp",
        description="llama_cpp runs a GGUF here; openai talks to an OpenAI-compatible server",
    )
    model: str = Field(
        "",
        description="llama_cpp: path of the chat GGUF (empty: the default model); "
        "openai: the server's model name",
    )
    base_url: str = Field(
        "", description="openai backend: the server's base URL, e.g. http://localhost:8080/v1"
    )
    n_ctx: int = Field(
        0, ge=0, le=131072, description="Context length in tokens (0: the largest that fits)"
    )
    n_gpu_layers: int = Field(
        -1, ge=-1, description="Layers on the GPU (-1: as many as fit; 0: CPU only)"
    )
    cpu_moe_layers: int = Field(
        -1,
        ge=-1,
        description="Mixture-of-experts models: keep the experts of the first N layers in "
        "system memory so the rest fits the GPU (-1: decide from the GPU's memory)",
    )
    n_threads: int = Field(0, ge=0, description="CPU threads (0: one per core)")
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    max_tokens: int = Field(1024, ge=16, le=32768, description="Longest answer in tokens")
    reasoning_effort: Literal["low", "medium", "high"] = "medium"
    flash_attn: bool = Field(False, description="Flash attention (faster on most GPUs)")
    kv_cache_type: Literal["f16", "q8_0", "q4_0"] = Field(
        "f16", description="Key/value cache precision: q8_0 halves its memory"
    )


class EmbeddingSettings(_Section):
    model: str = Field(
        DEFAULT_EMBEDDING,
        description="Local model folder, hub id, or openai:MODEL for an OpenAI-compatible "
        "/v1/embeddings server at embedding.base_url",
    )
    batch_size: int = Field(32, ge=1, le=1024)
    base_url: str = Field(
        "",
        description="openai:MODEL embeddings: the server's base URL, e.g. "
        "http://localhost:8080/v1 (the key is the LLM's: keyring or FATHOM_LLM_API_KEY)",
    )


class RagSettings(_Section):
    top_k: int = Field(5, ge=1, le=50, description="Sources given to the model per answer")
    rerank: bool = Field(
        False,
        description="Reorder the search's best candidates with a cross-encoder (its model: "
        "fathom models pull --reranker)",
    )
    reranker: str = Field(
        DEFAULT_RERANKER, description="The cross-encoder: a local model folder or a hub id"
    )


class StoreSettings(_Section):
    uri: str = Field(
        "",
        description="Milvus URI: a Lite directory, http(s)://host:port or a Zilliz Cloud "
        "endpoint; empty means the Lite store under the base dir (the token comes from the "
        "keyring or FATHOM_STORE_TOKEN, never from this file)",
    )
    library: str = Field("default", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,40}$")


class IngestSettings(_Section):
    chunk_tokens: int = Field(
        DEFAULT_CHUNK_TOKENS,
        ge=32,
        le=8192,
        description="Chunk size in the embedding model's tokens (capped at what it reads)",
    )
    chunk_overlap: int = Field(32, ge=0, le=1024, description="Overlap in tokens")
    max_file_mb: float = Field(100.0, gt=0)


class Settings(_Section):
    version: int = SCHEMA_VERSION
    llm: LLMSettings = LLMSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    rag: RagSettings = RagSettings()
    store: StoreSettings = StoreSettings()
    ingest: IngestSettings = IngestSettings()


# Migrations from version N (the key) to N + 1, applied to the raw JSON object.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _migrate(raw: dict[str, Any]) -> dict[str, Any]:
    version = int(raw.get("version", 1))
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"The settings file is from a newer Fathom (version {version}).",
            "Update Fathom, or move the settings file away to start afresh.",
        )
    while version < SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["version"] = version
    return raw


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if not (isinstance(section, type) and issubclass(section, _Section)):
            continue
        for key in section.model_fields:
            value = environ.get(f"{ENV_PREFIX}{name.upper()}__{key.upper()}")
            if value is not None:
                out.setdefault(name, {})[key] = value
    return out


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"])
        parts.append(f"{key}: {item['msg']}")
    return "; ".join(parts)


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings file (if any), migrate it, and apply environment overrides."""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"Cannot read the settings file {path}: {exc}",
                "Fix the file by hand or move it away to start with defaults.",
            ) from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"The settings file {path} does not hold a JSON object.")
        raw = _migrate(raw)
    for section, values in _env_overrides(os.environ if environ is None else environ).items():
        raw.setdefault(section, {}).update(values)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"Invalid setting: {_describe(exc)}",
            f"Check {path} and any FATHOM_* environment variables.",
        ) from exc


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings atomically: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(settings.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class SettingsFile:
    """The settings file with the environment over it: the one way settings are read and
    changed (the window's dialogs, ``fathom config``, ``reindex``, the model manager)."""

    path: Path
    environ: Mapping[str, str] | None = None  # None: os.environ

    def load(self) -> Settings:
        """The settings in effect: the file, then the environment's overrides."""
        return load_settings(self.path, self.environ)

    def saved(self) -> Settings:
        """What the file itself holds (no environment override)."""
        return load_settings(self.path, environ={})

    def update(self, values: Mapping[str, Any], current: Settings | None = None) -> Settings:
        """Set dotted keys in the file (converted and checked as ``set_key`` does; a bad
        value is a ``ConfigError`` and nothing is written), and return the new settings:
        ``current`` (default: the settings in effect before) with the same keys set. What
        was asked for applies at once, even where the environment overrides that key
        (the file keeps it for when it no longer does)."""
        on_disk = set_keys(self.saved(), values)
        new = set_keys(self.load() if current is None else current, values)
        save_settings(on_disk, self.path)
        return new


# --- dotted keys (``fathom config``, the settings dialog) ---------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """One setting by its dotted key, with what it accepts."""

    key: str
    value: Any
    default: Any
    kind: str  # "int", "float", "bool", "str" or "choice"
    allowed: str  # e.g. "1 to 50", "one of: low, medium, high"; "" when anything goes
    description: str
    choices: tuple[str, ...] = ()


def _sections() -> dict[str, type[_Section]]:
    out: dict[str, type[_Section]] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, _Section):
            out[name] = section
    return out


def _allowed(info: Any) -> tuple[str, str, tuple[str, ...]]:
    """(kind, allowed, choices) of a pydantic field."""
    annotation = info.annotation
    if get_origin(annotation) is Literal:
        choices = tuple(str(c) for c in get_args(annotation))
        return "choice", "one of: " + ", ".join(choices), choices
    kind = getattr(annotation, "__name__", str(annotation))
    low = high = ""
    pattern = ""
    for meta in info.metadata:
        if getattr(meta, "ge", None) is not None:
            low = f"at least {meta.ge}"
        if getattr(meta, "gt", None) is not None:
            low = f"more than {meta.gt}"
        if getattr(meta, "le", None) is not None:
            high = f"at most {meta.le}"
        if getattr(meta, "lt", None) is not None:
            high = f"less than {meta.lt}"
        if getattr(meta, "pattern", None):
            pattern = f"matching {meta.pattern}"
    if kind == "bool":
        return kind, "true or false", ("true", "false")
    if low.startswith("at least") and high.startswith("at most"):
        low, high = f"from {low.removeprefix('at least ')}", f"to {high.removeprefix('at most ')}"
    allowed = " ".join(p for p in (low, high) if p) or pattern
    return kind, (f"a number {allowed}" if allowed and kind in ("int", "float") else allowed), ()


def _field(key: str) -> tuple[str, str, Any]:
    section, _, name = key.partition(".")
    sections = _sections()
    if section not in sections or name not in sections[section].model_fields:
        known = [f"{s}.{k}" for s, cls in sections.items() for k in cls.model_fields]
        close = [k for k in known if name and name in k] or [
            k for k in known if k.startswith(section + ".")
        ]
        raise ConfigError(
            f"Unknown setting '{key}'.",
            ("Did you mean: " + ", ".join(close) + "? " if close else "")
            + "'fathom config list' shows them all.",
        )
    return section, name, sections[section].model_fields[name]


def list_keys(settings: Settings) -> list[KeyInfo]:
    """Every setting with its value, default and what it accepts."""
    out = []
    for section, cls in _sections().items():
        for name in cls.model_fields:
            out.append(key_info(settings, f"{section}.{name}"))
    return out


def key_info(settings: Settings, key: str) -> KeyInfo:
    section, name, info = _field(key)
    kind, allowed, choices = _allowed(info)
    value = getattr(getattr(settings, section), name)
    return KeyInfo(key, value, info.default, kind, allowed, info.description or "", choices)


def get_key(settings: Settings, key: str) -> Any:
    """The value of a dotted key such as ``rag.top_k``."""
    section, name, _ = _field(key)
    return getattr(getattr(settings, section), name)


def set_key(settings: Settings, key: str, value: Any) -> Settings:
    """A copy of ``settings`` with ``key`` set; strings are converted to the key's type.

    A bad value is a ``ConfigError`` naming the key and what it accepts.
    """
    section, name, info = _field(key)
    kind, allowed, _ = _allowed(info)
    if isinstance(value, str) and kind == "bool":
        lowered = value.strip().lower()
        truth = {"true": True, "1": True, "yes": True, "on": True}
        truth.update({"false": False, "0": False, "no": False, "off": False})
        if lowered not in truth:
            raise ConfigError(f"Invalid value for {key}: {value!r}.", "Use true or false.")
        value = truth[lowered]
    elif isinstance(value, str) and kind in ("int", "float"):
        value = value.strip()
    current = getattr(settings, section)
    try:
        new_section = type(current).model_validate({**current.model_dump(), name: value})
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ConfigError(
            f"Invalid value for {key}: {value!r} ({reasons}).",
            f"{key} must be {allowed}." if allowed else f"{key}: {info.description}",
        ) from exc
    return settings.model_copy(update={section: new_section})


def set_keys(settings: Settings, values: Mapping[str, Any]) -> Settings:
    """A copy of ``settings`` with every dotted key of ``values`` set (as ``set_key``)."""
    for key, value in values.items():
        settings = set_key(settings, key, value)
    return settings
