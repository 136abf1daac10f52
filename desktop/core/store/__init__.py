"""The document store: chunks with dense vectors and BM25, plus a file manifest.

``Store`` (base) is what the rest of the core types against; ``MilvusStore`` (milvus)
implements it in Milvus Lite or on a Milvus server."""

from desktop.core.store.base import FileRecord, Hit, SearchMode, Store
from desktop.core.store.milvus import MilvusStore

__all__ = ["FileRecord", "Hit", "MilvusStore", "SearchMode", "Store"]
