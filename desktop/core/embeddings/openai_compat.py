"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (a team's central
server: vLLM, llama-server, Ollama, LM Studio, llama-cpp-python's server, or OpenAI).

The store records ``model_id`` (the model *and* the server's URL), so a library built with
one server's model refuses another's just as it refuses a different local model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.secrets import redact

PREFIX = "openai:"


def parse_spec(spec: str, default_url: str) -> tuple[str, str]:
    """``openai:MODEL`` or ``openai:MODEL@URL`` into (model, base URL)."""
    rest = spec.removeprefix(PREFIX)
    model, at, url = rest.partition("@")
    if at and not url.startswith(("http://", "https://")):
        model, url = rest, ""
    url = (url or default_url).rstrip("/")
    if not model:
        raise ModelError(
            f"The embedding spec '{spec}' names no model.", "Use openai:MODEL, e.g. openai:bge-m3."
        )
    if not url:
        raise ModelError(
            f"The embedding model '{spec}' needs a server URL.",
            "Set embedding.base_url (e.g. http://localhost:8080/v1) or use openai:MODEL@URL.",
        )
    return model, url


def _pool(vector: Any) -> list[float]:
    """One unit-length vector. A server that returns one vector per token (llama-cpp-python's
    for a model without pooling) is mean-pooled, as llama.cpp's --pooling mean does."""
    if vector and isinstance(vector[0], list):
        count = len(vector)
        vector = [sum(column) / count for column in zip(*vector, strict=True)]
    values = [float(x) for x in vector]
    norm = math.sqrt(sum(x * x for x in values)) or 1.0
    return [x / norm for x in values]


class OpenAICompatEmbedder:
    """pymilvus.model's dense interface over the openai SDK's embeddings call."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        batch_size: int = 32,
        timeout: float = 120.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model_name = model
        self.model_id = f"{PREFIX}{model}@{self.base_url}"
        self.source = self.model_id  # rebuilds this embedder, server included
        self.batch_size = batch_size
        self._key = api_key
        self._timeout = timeout
        self._dim = 0
        self._client: Any = None

    @property
    def dim(self) -> int:
        if not self._dim:
            self._dim = len(self._embed(["dimension probe"])[0])
        return self._dim

    def encode_documents(self, documents: list[str]) -> Sequence[Any]:
        return self._embed(documents)

    def encode_queries(self, queries: list[str]) -> Sequence[Any]:
        return self._embed(queries)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            out += self._call(texts[start : start + self.batch_size])
        if out and not self._dim:
            self._dim = len(out[0])
        return out

    def _call(self, batch: list[str]) -> list[list[float]]:
        import httpx
        import openai

        if self._client is None:
            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=self._key or "none",
                timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 10.0)),
                max_retries=3,  # 408, 409, 429, 5xx and connection errors, with backoff
            )
        try:
            response = self._client.embeddings.create(
                model=self.model_name, input=batch, encoding_format="float"
            )
        except Exception as exc:
            from desktop.core.llm.openai_compat import classify

            failure = classify(exc, self.base_url, self._timeout)
            message = failure.message.replace("LLM server", "embedding server")
            raise ModelError(redact(message, self._key), failure.hint) from None
        rows = sorted(response.data, key=lambda row: row.index)
        if len(rows) != len(batch):
            raise ModelError(
                f"The embedding server at {self.base_url} returned {len(rows)} vectors "
                f"for {len(batch)} texts.",
                "Check that it is an OpenAI-compatible /v1/embeddings endpoint.",
            )
        return [_pool(row.embedding) for row in rows]
