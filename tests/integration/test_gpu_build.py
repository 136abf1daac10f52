"""A GPU build of llama.cpp (``bash .ci/setup --gpu cuda``) on this machine, with or without a GPU.

Skipped unless the installed llama-cpp-python has a GPU backend, so CI keeps the CPU
build and its time. Where it runs without a device (a CUDA build on a machine with no
NVIDIA driver), ``fathom doctor`` names the backend and why no device was found, and
``fathom ask`` answers on the CPU: no crash, no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.llm.llama_build import installed_backend, library_dir
from tests.cli import fathom, fathom_json

BACKEND = installed_backend(library_dir()) if library_dir() else "none"
pytestmark = pytest.mark.skipif(
    BACKEND in ("cpu", "none"),
    reason=f"the installed llama.cpp build has no GPU backend ({BACKEND}); "
    "bash .ci/setup --gpu cuda makes one",
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, onnx_model_dir: Path, corpus: Path) -> Path:
    base = tmp_path_factory.mktemp("gpu-build-home")
    summary = fathom_json(
        "--base-dir", base, "ingest", corpus / "faq", "--embedding", onnx_model_dir
    )
    assert summary["added"] == 4 and summary["failed"] == []
    return base


def test_doctor_names_the_backend_and_why_there_is_no_device(library: Path) -> None:
    report = fathom_json("--base-dir", library, "doctor")
    build = report["llama_build"]
    assert build["backend"] == BACKEND
    if not build["device"]:
        assert build["why"], build
        assert f"no {BACKEND.upper()} device was found: {build['why']}" in build["text"]
    if not build["device"]:
        assert report["gpu_offload"] == "no (no GPU device found)"
    proc = fathom("--base-dir", library, "doctor")
    assert proc.returncode == 0, proc.stderr
    assert f"llama.cpp build: {BACKEND}" in proc.stdout
    # ggml's own "failed to initialize CUDA" line is not printed: the report says it in words
    assert not proc.stderr.strip(), proc.stderr


def test_ask_answers_with_the_gpu_build_on_whatever_it_has(library: Path, gemma_gguf: Path) -> None:
    env = {"FATHOM_LLM__MAX_TOKENS": "32", "FATHOM_LLM__N_CTX": "4096"}
    ask = ("--base-dir", library, "ask", "How is data stored in milvus?", "--model", gemma_gguf)
    out = fathom_json(*ask, "--top-k", "3", env=env)
    assert out["answer"].strip()
    assert out["timings"]["tokens"] > 1
    proc = fathom(*ask, "--top-k", "3", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "\nSources:\n" in proc.stdout
    assert "Traceback" not in proc.stderr and "rror" not in proc.stderr, proc.stderr


def test_the_first_run_recommendation_names_the_build_and_why_it_has_no_device() -> None:
    """What the wizard shows: on a GPU build that found no device, the build's backend and
    the reason, not "no GPU found" nor a build "without GPU support"."""
    from desktop.core.llm.hardware import detect_machine
    from desktop.core.setup import BACKEND_NAMES, recommend

    machine = detect_machine(unused_gpu=True)
    if machine.gpu_offload:
        pytest.skip("this build found a GPU device")
    assert machine.idle_backend == BACKEND and machine.no_device
    rec = recommend(machine, free_disk=10**12)
    name = BACKEND_NAMES[BACKEND]
    assert any(
        w.startswith(f"This llama.cpp build uses {name}, but found no {name} device: ")
        and machine.no_device in w
        for w in rec.warnings
    ), rec.warnings
