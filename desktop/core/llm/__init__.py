"""Chat models: a small protocol, a llama.cpp backend on its own owner thread."""
