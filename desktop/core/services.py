"""The composition root: the one place that picks and builds backends.

Each front builds one ``Services`` in its entry point (the CLI's ``main``, the window's
``run_app``) and passes it in; everything asks it for the store, the embedder and the chat
model, and nothing else constructs them. Settings change through ``update_settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.embeddings.base import Embedder
from desktop.core.embeddings.rerank import Reranker
from desktop.core.errors import ConfigError, FathomError, ModelError
from desktop.core.llm.base import ChatModel, GenerationParams
from desktop.core.llm.hardware import Plan, detect_machine, model_shape, plan
from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions, read_model_header
from desktop.core.modelhub.catalog import active_chat_path, known_embedding
from desktop.core.paths import Paths
from desktop.core.secrets import get_secret
from desktop.core.settings import Settings, SettingsFile
from desktop.core.store.milvus import MilvusStore

if TYPE_CHECKING:
    from desktop.core.ingest.pipeline import IngestOptions
    from desktop.core.llm.openai_compat import OpenAICompatModel

PYMILVUS_PREFIX = "pymilvus:"
OPENAI_PREFIX = "openai:"  # openai:MODEL[@URL]: an OpenAI-compatible /v1/embeddings server


@dataclass
class Services:
    paths: Paths
    settings: Settings
    embedder_override: Embedder | None = None
    reranker_override: Reranker | None = None
    settings_problem: FathomError | None = None  # why the defaults are used, if they are
    _embedders: dict[str, Embedder] = field(default_factory=dict)
    _rerankers: dict[str, Reranker | None] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, base_dir: Path | None = None) -> Services:
        paths = Paths(base_dir) if base_dir else Paths.default()
        return cls.from_paths(paths)

    @classmethod
    def from_paths(cls, paths: Paths, *, defaults_on_error: bool = False) -> Services:
        """The services of the settings file under ``paths`` (and the environment). With
        ``defaults_on_error`` a file that cannot be used gives the defaults, and the
        problem is kept in ``settings_problem`` for the front to show; else it raises."""
        try:
            return cls(paths, SettingsFile(paths.settings_file).load())
        except ConfigError as exc:
            if not defaults_on_error:
                raise
            return cls(paths, Settings(), settings_problem=exc)

    # --- settings -------------------------------------------------------------------------

    @property
    def settings_file(self) -> SettingsFile:
        return SettingsFile(self.paths.settings_file)

    def update_settings(self, values: Mapping[str, Any]) -> Settings:
        """Change dotted keys: saved in the settings file (atomically; a bad value is a
        ``ConfigError`` and nothing changes) and in effect here at once. The one way a
        front changes the settings of the services it holds."""
        self.settings = self.settings_file.update(values, self.settings)
        return self.settings

    def with_settings(self, settings: Settings) -> Services:
        """New services on the same paths (and test overrides) with other settings,
        saving nothing: e.g. to try settings before they are saved."""
        return Services(self.paths, settings, self.embedder_override, self.reranker_override)

    # --- store ----------------------------------------------------------------------------

    def store_uri(self, override: str | None = None) -> str:
        return store_uri(self.paths, self.settings, override)

    def store_token(self) -> str:
        """The store's token (``user:password`` or an API key): FATHOM_STORE_TOKEN or the
        OS keyring, never the settings file."""
        from desktop.core.secrets import get_secret as secret

        return secret("store_token")

    def store(self, uri: str | None = None, library: str | None = None) -> MilvusStore:
        self.paths.ensure()
        return MilvusStore(
            self.store_uri(uri),
            token=self.store_token(),
            library=library or self.settings.store.library,
        )

    # --- ingestion ------------------------------------------------------------------------

    def ingest_options(self) -> IngestOptions:
        """How files are chunked and which are too large, from the ingest.* settings."""
        from desktop.core.ingest.pipeline import IngestOptions

        s = self.settings.ingest
        return IngestOptions(s.chunk_tokens, s.chunk_overlap, int(s.max_file_mb * 1024 * 1024))

    # --- embeddings -----------------------------------------------------------------------

    def embedder(self, spec: str | None = None) -> Embedder:
        """``spec`` is a local model folder, a hub id, ``pymilvus:NAME`` for one of
        pymilvus.model's functions (``pymilvus:default`` is the tutorial's), or
        ``openai:MODEL[@URL]`` for an OpenAI-compatible server (URL: embedding.base_url)."""
        if self.embedder_override is not None and spec is None:
            return self.embedder_override
        spec = spec or self.settings.embedding.model
        if spec not in self._embedders:
            self._embedders[spec] = self._build_embedder(spec)
        return self._embedders[spec]

    def embedder_here(self, spec: str | None = None) -> bool:
        """Whether ``embedder(spec)`` can be made without a download: a folder, a server,
        or a hub model already in Fathom's cache."""
        spec = spec or self.settings.embedding.model
        if self.embedder_override is not None or spec in self._embedders:
            return True
        if spec.startswith((PYMILVUS_PREFIX, OPENAI_PREFIX)) or Path(spec).expanduser().exists():
            return True
        from desktop.core.modelhub.download import cached_model_folder

        return cached_model_folder(spec, self.paths.hub_cache) is not None

    def _build_embedder(self, spec: str) -> Embedder:
        if spec.startswith(PYMILVUS_PREFIX):
            return pymilvus_embedder(spec.removeprefix(PYMILVUS_PREFIX))
        if spec.startswith(OPENAI_PREFIX):
            from desktop.core.embeddings.openai_compat import OpenAICompatEmbedder, parse_spec

            model, url = parse_spec(spec, self.settings.embedding.base_url)
            return OpenAICompatEmbedder(
                url, model, get_secret("llm_api_key"), batch_size=self.settings.embedding.batch_size
            )
        from desktop.core.embeddings.onnx import OnnxEmbedder

        batch = self.settings.embedding.batch_size
        known = known_embedding(spec)
        prompts = known.prompts if known else None  # for a folder whose config names none
        folder = Path(spec).expanduser()
        if folder.exists():
            return OnnxEmbedder(folder.resolve(), batch_size=batch, prompts=prompts)
        if spec.count("/") != 1:
            raise ConfigError(
                f"The embedding model '{spec}' is neither a folder nor a hub id.",
                "Give a local model folder or a hub id such as "
                "sentence-transformers/all-MiniLM-L6-v2.",
            )
        from desktop.core.modelhub.download import embedding_folder

        return OnnxEmbedder(
            embedding_folder(spec, self.paths.hub_cache),
            model_id=spec,
            source=spec,
            batch_size=batch,
            prompts=prompts,
        )

    # --- reranking --------------------------------------------------------------------------

    def reranker(self) -> Reranker | None:
        """The cross-encoder that reorders retrieval's candidates, or None: reranking is off
        (rag.rerank), or its model is not on this machine. It is never downloaded here:
        ``fathom setup`` and ``fathom models pull --reranker`` fetch it."""
        if self.reranker_override is not None:
            return self.reranker_override
        if not self.settings.rag.rerank:
            return None
        spec = self.settings.rag.reranker
        if spec not in self._rerankers:
            folder = self.reranker_folder(spec)
            if folder is None:
                self._rerankers[spec] = None
            else:
                from desktop.core.embeddings.rerank import OnnxReranker

                self._rerankers[spec] = OnnxReranker(folder, model_id=spec)
        return self._rerankers[spec]

    def reranker_folder(self, spec: str | None = None) -> Path | None:
        """Where the reranker's files are: a local folder, or the hub cache's snapshot of a
        hub id; None when it is not on this machine."""
        from desktop.core.modelhub.download import cached_model_folder

        spec = spec or self.settings.rag.reranker
        folder = Path(spec).expanduser()
        if folder.exists():
            return folder.resolve()
        if spec.count("/") != 1:
            raise ConfigError(
                f"The reranker '{spec}' is neither a folder nor a hub id.",
                "Give a local model folder or a hub id such as "
                "cross-encoder/ms-marco-MiniLM-L6-v2 (rag.reranker).",
            )
        return cached_model_folder(spec, self.paths.hub_cache)

    # --- chat model -----------------------------------------------------------------------

    def chat_model_path(self, override: str | None = None) -> Path:
        return active_chat_path(self.settings, self.paths.models_dir, override)

    def model_plan(self, path: Path, metadata: dict[str, Any] | None = None) -> Plan:
        """How the chat model will run here: settings left at auto are decided from this
        machine's memory and GPU."""
        llm = self.settings.llm
        shape = model_shape(path, read_model_header(path) if metadata is None else metadata)
        return plan(
            shape,
            detect_machine(),
            n_ctx=llm.n_ctx,
            n_gpu_layers=llm.n_gpu_layers,
            cpu_moe_layers=llm.cpu_moe_layers,
            kv_cache_type=llm.kv_cache_type,
        )

    def chat_model(
        self,
        override: str | None = None,
        *,
        llm_url: str | None = None,
        llm_model: str | None = None,
    ) -> ChatModel:
        """The chat model: a GGUF run here (``override`` is its path), or, with
        ``llm.backend = "openai"`` or ``llm_url``, a model on an OpenAI-compatible server."""
        if llm_url or llm_model or (self.settings.llm.backend == "openai" and not override):
            return self.remote_chat_model(llm_url, llm_model)
        return self.local_chat_model(override)

    def remote_chat_model(
        self, llm_url: str | None = None, llm_model: str | None = None
    ) -> OpenAICompatModel:
        """The model an OpenAI-compatible server serves; the key from keyring or env."""
        from desktop.core.llm.openai_compat import OpenAICompatModel

        llm = self.settings.llm
        remote = llm.backend == "openai"
        return OpenAICompatModel(
            llm_url or llm.base_url,
            llm_model or (llm.model if remote else ""),
            get_secret("llm_api_key"),
            context_length=llm.n_ctx,
        )

    def local_chat_model(self, override: str | None = None) -> LlamaCppModel:
        llm = self.settings.llm
        path = self.chat_model_path(override)
        metadata = read_model_header(path)
        chosen = self.model_plan(path, metadata)
        options = LlamaOptions(
            n_ctx=chosen.n_ctx,
            n_threads=llm.n_threads,
            n_gpu_layers=chosen.n_gpu_layers,
            flash_attn=llm.flash_attn,
            kv_cache_type=llm.kv_cache_type,
            cpu_moe_layers=chosen.cpu_moe_layers,
        )
        return LlamaCppModel(path, options, metadata)

    def generation_params(self, reasoning_effort: str | None = None) -> GenerationParams:
        llm = self.settings.llm
        effort: Any = reasoning_effort or llm.reasoning_effort
        return GenerationParams(llm.max_tokens, llm.temperature, effort)


def store_uri(paths: Paths, settings: Settings, override: str | None = None) -> str:
    """The store that ``settings`` name: ``override``, store.uri, or the Lite store under
    the base directory."""
    return override or settings.store.uri or str(paths.store_dir)


def pymilvus_embedder(name: str) -> Embedder:
    """One of pymilvus.model's dense embedding functions, by a short name.

    ``default`` is the tutorial's DefaultEmbeddingFunction; ``sentence-transformers:MODEL``
    needs torch (a development install, not the packaged app).
    """
    kind, _, model_name = name.partition(":")
    if name != "default" and not (kind == "sentence-transformers" and model_name):
        raise ConfigError(
            f"Unknown pymilvus.model embedding '{name}'.",
            "Use pymilvus:default or pymilvus:sentence-transformers:MODEL.",
        )
    try:
        from pymilvus import model as pm

        if name == "default":
            return pm.DefaultEmbeddingFunction()  # type: ignore[no-any-return]
        from pymilvus.model.dense import SentenceTransformerEmbeddingFunction

        return SentenceTransformerEmbeddingFunction(model_name=model_name, device="cpu")  # type: ignore[no-any-return]
    except ImportError as exc:
        raise ConfigError(
            f"pymilvus.model's embedding functions are not available here: {exc}",
            "They need pymilvus[model] with its extras (transformers, and torch for "
            "sentence-transformers); the installers ship Fathom's ONNX embedder instead.",
        ) from exc
    except Exception as exc:  # their models download on first use
        raise ModelError(
            f"pymilvus.model's '{name}' embedding could not be loaded: {exc}",
            "It downloads its model on first use: connect once, or use a local folder.",
        ) from exc
