"""The embedder protocol: what pymilvus.model's embedding functions already provide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    """Anything with pymilvus.model's dense embedding interface.

    ``encode_documents`` and ``encode_queries`` take a list of texts and return one vector
    (a sequence of floats, e.g. a numpy array) per text; ``dim`` is the vector length.
    """

    @property
    def dim(self) -> int: ...

    def encode_documents(self, documents: list[str]) -> Sequence[Any]: ...

    def encode_queries(self, queries: list[str]) -> Sequence[Any]: ...


def embedder_identity(embedder: object) -> str:
    """A stable name of the model behind an embedder, recorded by the store.

    Fathom's own embedders expose ``model_id``; pymilvus.model functions expose
    ``model_name`` (most of them); anything else is named by its class.
    """
    for attr in ("model_id", "model_name"):
        value = getattr(embedder, attr, None)
        if isinstance(value, str) and value:
            return value
    cls = type(embedder)
    return f"{cls.__module__}.{cls.__qualname__}"


def embedder_source(embedder: object) -> str:
    """How to build the same embedder again (a folder or hub id), when it says."""
    value = getattr(embedder, "source", "")
    return value if isinstance(value, str) else ""
