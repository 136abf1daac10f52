"""The models Fathom knows by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HubFile:
    repo_id: str
    filename: str
    revision: str = "main"
    size_gb: float = 0.0


# gpt-oss-20b in llama.cpp's GGUF (MXFP4 experts), as ggml-org publishes it.
DEFAULT_CHAT = HubFile("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-mxfp4.gguf", size_gb=12.1)

# What an embedding model folder needs from its hub snapshot (no PyTorch weights).
EMBEDDING_FILES = [
    "*.json",
    "1_Pooling/*",
    "onnx/model.onnx",
    "vocab.txt",
]


def installed_ggufs(models_dir: Path) -> list[Path]:
    """Chat models in Fathom's model folder (downloads in progress are not listed)."""
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.glob("*.gguf") if p.is_file())


def installed_embeddings(hub_cache: Path) -> list[str]:
    """Hub ids of embedding models fetched into Fathom's hub cache."""
    if not hub_cache.is_dir():
        return []
    return sorted(
        d.name.removeprefix("models--").replace("--", "/")
        for d in hub_cache.glob("models--*")
        if any(d.glob("snapshots/*/onnx/model.onnx"))
    )
