"""The GUI-free core of Fathom. Nothing here imports Qt."""
