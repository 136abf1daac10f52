"""Where models come from: a small catalog and huggingface-hub downloads."""
