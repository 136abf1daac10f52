"""Static checks as tests, so the one test command runs them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    proc = _run(str(BIN / "ruff"), "check", "desktop", "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run(str(BIN / "ruff"), "format", "--check", "desktop", "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_core() -> None:
    proc = _run(str(BIN / "mypy"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_contracts() -> None:
    """desktop.core never imports Qt; the fronts sit on the core."""
    proc = _run(str(BIN / "lint-imports"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
