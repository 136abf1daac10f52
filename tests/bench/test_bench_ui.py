"""The UI stall benchmark runs end to end on a couple of files (ingest phase only)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_bench_ui_measures_stalls_while_ingesting(
    onnx_model_dir: Path, corpus: Path, fathom_home: Path
) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.bench_ui",
            "--embedding",
            str(onnx_model_dir),
            "--corpus",
            str(corpus),
            "--files",
            "2",
            "--idle",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert re.fullmatch(r"max_stall_ms=\d+", lines[-1]), lines[-1]
    table = "\n".join(lines)
    assert re.search(r"^idle\s+[\d.]+\s+\d+", table, re.M)
    ingest = re.search(r"^ingest \(2 files\)\s+[\d.]+\s+(\d+)", table, re.M)
    assert ingest and int(ingest.group(1)) > 0  # the probe ticked during ingestion
    assert "chunks=0" not in table
