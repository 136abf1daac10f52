"""Find the files to ingest under the paths a person gave."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.ingest.readers import reader_for


@dataclass(frozen=True)
class ScanResult:
    files: list[Path]
    roots: list[Path]  # folders whose vanished files count as removed
    rejected: list[tuple[Path, str]]  # paths given explicitly that cannot be ingested


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(paths: Iterable[Path]) -> ScanResult:
    """Walk folders (skipping hidden entries) and keep files that a reader understands.

    Files named explicitly are kept or rejected with a reason; inside folders, files of
    unknown kinds are passed over silently, as a file manager would.
    """
    files: dict[Path, None] = {}
    roots: list[Path] = []
    rejected: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given).expanduser().absolute()
        if not path.exists():
            rejected.append((path, "no such file or folder"))
        elif path.is_dir():
            path = path.resolve()
            roots.append(path)
            for top, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _hidden(d))
                for name in sorted(names):
                    file = Path(top) / name
                    if not _hidden(name) and reader_for(file) is not None and file.is_file():
                        files[file] = None
        elif reader_for(path) is None:
            rejected.append((path, f"unsupported file type '{path.suffix or path.name}'"))
        else:
            files[path.resolve()] = None
    return ScanResult(list(files), roots, rejected)
