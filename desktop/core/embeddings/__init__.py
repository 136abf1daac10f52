"""Text embeddings behind pymilvus.model's interface (encode_documents / encode_queries / dim)."""

from desktop.core.embeddings.base import Embedder, embedder_identity

__all__ = ["Embedder", "embedder_identity"]
