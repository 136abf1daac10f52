"""Fathom: chat with your own documents, locally."""

__version__ = "0.1.0"
