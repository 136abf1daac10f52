"""The models Fathom knows by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ModelError
from desktop.core.settings import DEFAULT_CHUNK_TOKENS, Settings


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
# Copies the ONNX export keeps beside model.onnx (a second 17 MB tokenizer.json for
# multilingual-e5-small): the folder's own files at the top are the ones read.
EMBEDDING_SKIP = ["onnx/*.json"]


@dataclass(frozen=True)
class EmbeddingModel:
    """An embedding model Fathom knows by its hub id (any other folder or hub id works
    too; these are the ones it recommends)."""

    repo_id: str
    download_bytes: int  # what embedding_folder fetches, rounded up
    languages: str
    # The prompts the model was trained with, for a hub folder that names none in its
    # config_sentence_transformers.json (OnnxEmbedder's prompts=).
    prompt_pairs: tuple[tuple[str, str], ...] = ()
    # The chunk size, in the model's tokens, that its libraries are cut to unless the
    # person chose another (ingest.chunk_tokens): measured on the dev sets.
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS

    @property
    def prompts(self) -> dict[str, str]:
        return dict(self.prompt_pairs)


# The default (desktop.core.settings.DEFAULT_EMBEDDING): small and fast, English only.
ENGLISH_EMBEDDING = EmbeddingModel(
    "sentence-transformers/all-MiniLM-L6-v2", 100 * 1000**2, "English"
)
# For text in other languages, or questions in one language about documents in another:
# about 100 languages, 384-d like MiniLM, with twice its layers (12), so about twice the
# CPU time per token. Its hub repo publishes onnx/model.onnx (470 MB) and a tokenizer.json
# with the SentencePiece vocabulary; e5 reads "query: " and "passage: " before the texts.
MULTILINGUAL_EMBEDDING = EmbeddingModel(
    "intfloat/multilingual-e5-small",
    500 * 1000**2,
    "about 100 languages",
    (("query", "query: "), ("passage", "passage: ")),
    # e5 reads 512 tokens. On the Debian Reference (German, French, Traditional Chinese)
    # passages of 480 tokens put the right one in the first five more often than 220
    # (hybrid recall@5 0.82 -> 0.89 German, 0.82 -> 0.88 Chinese; README, Retrieval).
    chunk_tokens=480,
)
KNOWN_EMBEDDINGS = (ENGLISH_EMBEDDING, MULTILINGUAL_EMBEDDING)


def known_embedding(spec: str | Path) -> EmbeddingModel | None:
    """The catalog entry for a hub id, or for a folder of the hub cache holding its
    snapshot (``models--ORG--NAME/snapshots/COMMIT``); None for anything else."""
    name = str(spec)
    for part in Path(name).parts:
        if part.startswith("models--"):
            name = part.removeprefix("models--").replace("--", "/")
    return next((m for m in KNOWN_EMBEDDINGS if m.repo_id == name), None)


def chunk_tokens_for(spec: str | Path) -> int:
    """The chunk size a library embedded with ``spec`` is cut to by default."""
    known = known_embedding(spec)
    return known.chunk_tokens if known else DEFAULT_CHUNK_TOKENS


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


def active_chat_path(settings: Settings, models_dir: Path, override: str | None = None) -> Path:
    """The GGUF file that runs: ``override``, else the one ``llm.model`` names, else the
    default download, else the first GGUF in Fathom's model folder."""
    llm = settings.llm
    chosen = override or (llm.model if llm.backend == "llama_cpp" else "")  # else: a name
    if chosen:
        return Path(chosen).expanduser()
    default = models_dir / DEFAULT_CHAT.filename
    if default.exists():
        return default
    present = installed_ggufs(models_dir)
    if present:
        return present[0]
    raise ModelError(
        "No chat model is installed.",
        "Run 'fathom models pull' to download gpt-oss-20b, or pass --model PATH to a GGUF.",
    )
