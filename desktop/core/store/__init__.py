"""The document store: chunks with dense vectors and BM25, plus a file manifest, in Milvus."""

from desktop.core.store.milvus import FileRecord, Hit, MilvusStore, SearchMode

__all__ = ["FileRecord", "Hit", "MilvusStore", "SearchMode"]
