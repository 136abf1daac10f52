"""Which ONNX Runtime provider runs the embeddings, and the fall back to the CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop.core.embeddings import onnx
from desktop.core.embeddings.onnx import OnnxEmbedder, accelerator

CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"
COREML, DML = "CoreMLExecutionProvider", "DmlExecutionProvider"


@pytest.mark.parametrize(
    ("platform", "available", "expected"),
    [
        # the stock onnxruntime wheels: CoreML on macOS, the CPU elsewhere
        ("darwin", [COREML, CPU], COREML),
        ("linux", ["AzureExecutionProvider", CPU], None),
        ("win32", ["AzureExecutionProvider", CPU], None),
        # onnxruntime-directml on Windows
        ("win32", [DML, CPU], DML),
        # onnxruntime-gpu (Linux, Windows): CUDA, ahead of DirectML if both are there
        ("linux", ["TensorrtExecutionProvider", CUDA, CPU], CUDA),
        ("win32", [CUDA, DML, CPU], CUDA),
        # a provider of another platform is never taken, nor one the package lacks
        ("linux", [COREML, DML, CPU], None),
        ("darwin", [CPU], None),
        ("win32", [CPU], None),
    ],
)
def test_the_accelerator_follows_platform_and_package(
    platform: str, available: list[str], expected: str | None
) -> None:
    assert accelerator(available, platform) == expected


def _cosines(a: list[Any], b: list[Any]) -> np.ndarray:
    return np.array([float(np.dot(x, y)) for x, y in zip(a, b, strict=True)])


TEXTS = ["How is data stored in Milvus?", "Milvus Lite runs in the Python process.", "x"]


def test_this_machine_runs_what_its_package_offers(onnx_model_dir: Path) -> None:
    import onnxruntime as ort

    embedder = OnnxEmbedder(onnx_model_dir)
    chosen = accelerator(ort.get_available_providers())
    names = {None: "CPU", CUDA: "CUDA", COREML: "CoreML", DML: "DirectML"}
    # an accelerator whose library does not load leaves the CPU, never an error
    assert embedder.provider in {names[chosen], "CPU"}
    cpu = OnnxEmbedder(onnx_model_dir, accelerate=False)
    assert cpu.provider == "CPU"
    cos = _cosines(embedder.encode_documents(TEXTS), cpu.encode_documents(TEXTS))
    assert cos.min() > 1 - 1e-3


def test_a_failing_accelerator_falls_back_to_the_cpu(
    onnx_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnxruntime as ort

    real = ort.InferenceSession
    tried: list[list[str]] = []

    def session(path: str, options: Any = None, providers: list[str] | None = None) -> Any:
        tried.append(list(providers or []))
        if providers and providers[0] != CPU:
            raise RuntimeError("CUDA driver version is insufficient for CUDA runtime version")
        return real(path, options, providers=providers)

    monkeypatch.setattr(ort, "get_available_providers", lambda: [CUDA, CPU])
    monkeypatch.setattr(ort, "InferenceSession", session)
    embedder = OnnxEmbedder(onnx_model_dir)
    assert tried == [[CUDA, CPU], [CPU]]
    assert embedder.provider == "CPU"
    monkeypatch.setattr(ort, "InferenceSession", real)
    reference = OnnxEmbedder(onnx_model_dir, accelerate=False)
    cos = _cosines(embedder.encode_queries(TEXTS), reference.encode_queries(TEXTS))
    assert cos.min() > 1 - 1e-6


def test_a_provider_the_package_lacks_runs_on_the_cpu(
    onnx_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """onnxruntime itself skips a provider it does not have (it warns); the embedder then
    says the CPU runs, not the provider it asked for."""
    import onnxruntime as ort

    if DML in ort.get_available_providers():
        pytest.skip("this onnxruntime has DirectML")
    monkeypatch.setattr(ort, "get_available_providers", lambda: [DML, CPU])
    monkeypatch.setattr(onnx.sys, "platform", "win32")
    sess = onnx.session(onnx_model_dir / "onnx" / "model.onnx", 1)
    assert onnx.running_provider(sess) == "CPU"
