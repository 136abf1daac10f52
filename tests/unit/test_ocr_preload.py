"""The window's warm-up imports RapidOCR's code ahead of the first scanned page (its import
held the GIL long enough to stall the window mid-ingestion), without loading its models."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop.core.ingest.readers import ocr
from desktop.core.ingest.readers.base import ReadError


def test_preload_imports_the_engine_code_but_builds_no_engine() -> None:
    probe = (
        "import sys\n"
        "from desktop.core.ingest.readers import ocr\n"
        "before = 'rapidocr' in sys.modules\n"
        "ocr.preload()\n"
        "print(before, 'rapidocr' in sys.modules, ocr._engine is None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "True", "True"], out.stderr


def test_preload_without_rapidocr_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # an import of it fails
    ocr.preload()
    with pytest.raises(ReadError, match="rapidocr cannot be loaded"):
        ocr.models_dir()
