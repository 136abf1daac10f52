"""Retrieval-augmented answers: find passages, prompt the model, stream the answer."""
