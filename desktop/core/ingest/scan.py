"""Find the files to ingest under the paths a person gave.

Hidden files and folders are skipped, and so is whatever a ``.fathomignore`` or
``.gitignore`` in a scanned folder (or above it, up to the folder given) excludes, with
git's pattern rules. Links to folders are not followed; a link that loops or dangles is
reported rather than skipped silently when it looks like a document.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.ingest.readers import reader_for

IGNORE_FILES = (".fathomignore", ".gitignore")


@dataclass(frozen=True)
class ScanResult:
    files: list[Path]
    roots: list[Path]  # folders whose vanished files count as removed
    rejected: list[tuple[Path, str]]  # paths that cannot be ingested, with the reason


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _ignore_spec(folder: Path) -> Any | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            lines += (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class _Ignores:
    """The ignore rules in force in each folder of one walk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[Path, list[tuple[Path, Any]]] = {}

    def enter(self, folder: Path) -> None:
        inherited = self._specs.get(folder.parent, []) if folder != self.root else []
        spec = _ignore_spec(folder)
        self._specs[folder] = [*inherited, (folder, spec)] if spec else inherited

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        for base, spec in self._specs.get(path.parent, []):
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False


def _link_problem(path: Path) -> str | None:
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symbolic link loop"
        return "broken symbolic link"
    return None


def scan(paths: Iterable[Path]) -> ScanResult:
    """Walk folders and keep files that a reader understands.

    Files named explicitly are kept or rejected with a reason; inside folders, files of
    unknown kinds are passed over silently, as a file manager would.
    """
    files: dict[Path, None] = {}
    roots: list[Path] = []
    rejected: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given).expanduser().absolute()
        if path.is_symlink() and (problem := _link_problem(path)):
            rejected.append((path, problem))
        elif not path.exists():
            rejected.append((path, "no such file or folder"))
        elif path.is_dir():
            path = path.resolve()
            roots.append(path)
            _walk(path, files, rejected)
        elif reader_for(path) is None:
            rejected.append((path, f"unsupported file type '{path.suffix or path.name}'"))
        else:
            files[path.resolve()] = None
    return ScanResult(list(files), roots, rejected)


def _walk(root: Path, files: dict[Path, None], rejected: list[tuple[Path, str]]) -> None:
    ignores = _Ignores(root)
    for top, dirs, names in os.walk(root):
        folder = Path(top)
        ignores.enter(folder)
        dirs[:] = sorted(
            d for d in dirs if not _hidden(d) and not ignores.ignored(folder / d, is_dir=True)
        )
        for name in sorted(names):
            file = folder / name
            if _hidden(name) or reader_for(file) is None:
                continue
            if ignores.ignored(file, is_dir=False):
                continue
            if file.is_symlink() and (problem := _link_problem(file)):
                rejected.append((file, problem))
            elif file.is_file():
                files[file] = None
