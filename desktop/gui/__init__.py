"""The Qt front: the only package that imports PySide6."""
