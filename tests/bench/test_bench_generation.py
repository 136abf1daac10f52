"""The generation benchmark's baseline builds and runs: decode_loop.c, compiled against the
llama.cpp libraries of llama-cpp-python, generates a few tokens with the test model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.bench import bench_generation as bench


@pytest.mark.slow
def test_decode_loop_compiles_and_generates(gemma_gguf: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: the llama.cpp baseline cannot be compiled")
    try:
        exe = bench.build_decode_loop()
    except bench.BenchSetupError as exc:  # e.g. no network for the llama-cpp-python sdist
        pytest.skip(f"the llama.cpp baseline cannot be built here: {exc}")
    n = 8
    cmd = [str(exe), str(gemma_gguf), str(n), "2", "--ctx", "512"]
    done = subprocess.run(
        [*cmd, "--chat", "--chat-template", "gemma"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    fields = bench.parse_line(done.stdout.strip().splitlines()[-1])
    assert int(fields["tokens"]) == n
    assert int(fields["prompt_tokens"]) > 5
    assert float(fields["decode_s"]) > 0
    assert float(fields["tok_s"]) > 0
    assert "no usable chat template" not in done.stderr
