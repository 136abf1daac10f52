"""Ingestion: scan folders, read documents, cut chunks, embed and store them."""
