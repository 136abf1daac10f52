from pathlib import Path

import pytest

from desktop.core.llm.gguf import read_gguf_metadata
from desktop.core.llm.hardware import GIB, Machine, ModelShape, detect_machine, model_shape, plan

# Shaped like gpt-oss-20b (MXFP4 GGUF): 24 layers, 8 KV heads of 64, 32 experts, 4 used.
GPT_OSS_20B = ModelShape(
    file_bytes=int(12.1e9),
    n_layers=24,
    n_ctx_train=131072,
    kv_elems_per_token=24 * 8 * (64 + 64),
    n_experts=32,
    n_experts_used=4,
)


def _gpu(vram_gib: int, ram_gib: int = 32) -> Machine:
    return Machine(8, ram_gib * GIB, True, "Test GPU", vram_gib * GIB)


def test_a_16gb_gpu_holds_the_whole_model_with_a_long_context() -> None:
    p = plan(GPT_OSS_20B, _gpu(16))
    assert (p.where, p.n_gpu_layers, p.cpu_moe_layers) == ("GPU", -1, 0)
    assert 32768 <= p.n_ctx <= 131072
    assert p.memory_bytes <= 16 * GIB
    assert p.expected_tokens_per_s > 50


def test_an_8gb_gpu_keeps_some_experts_in_system_memory() -> None:
    p = plan(GPT_OSS_20B, _gpu(8))
    assert p.where == "GPU + CPU" and p.n_gpu_layers == -1
    assert 0 < p.cpu_moe_layers < 24
    on_gpu = 12.1e9 - p.cpu_moe_layers * (12.1e9 * 0.9 / 24) + p.n_ctx * 24 * 8 * 128 * 2
    assert on_gpu <= 8 * GIB - 0.6 * GIB
    full = plan(GPT_OSS_20B, _gpu(16))
    assert p.expected_tokens_per_s < full.expected_tokens_per_s


def test_cpu_only_caps_the_context_and_says_cpu() -> None:
    p = plan(GPT_OSS_20B, Machine(2, 24 * GIB, False))
    assert (p.where, p.n_gpu_layers, p.cpu_moe_layers) == ("CPU", 0, 0)
    assert p.n_ctx == 32768
    assert 1 < p.expected_tokens_per_s < 20
    assert not p.notes


def test_too_little_memory_is_said() -> None:
    assert plan(GPT_OSS_20B, Machine(2, 8 * GIB, False)).notes


def test_explicit_settings_are_kept() -> None:
    p = plan(GPT_OSS_20B, _gpu(16), n_ctx=4096, n_gpu_layers=10, cpu_moe_layers=0)
    assert (p.n_ctx, p.n_gpu_layers, p.cpu_moe_layers, p.where) == (4096, 10, 0, "GPU + CPU")


@pytest.mark.parametrize("kv", ["f16", "q8_0", "q4_0"])
def test_a_smaller_kv_cache_allows_a_longer_context(kv: str) -> None:
    small = plan(GPT_OSS_20B, _gpu(16), kv_cache_type=kv)
    assert small.n_ctx >= plan(GPT_OSS_20B, _gpu(16)).n_ctx


def test_shape_of_the_real_gemma(gemma_gguf: Path) -> None:
    shape = model_shape(gemma_gguf, read_gguf_metadata(gemma_gguf))
    assert shape.n_layers == 18 and shape.n_ctx_train == 32768
    assert shape.kv_elems_per_token == 18 * 1 * (256 + 256)
    here = plan(shape, detect_machine())
    assert here.n_ctx >= 2048 and here.expected_tokens_per_s > 0


def test_only_a_recommendation_looks_for_a_gpu_the_build_cannot_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.core.llm import hardware, llama_cpp

    looked: list[bool] = []
    monkeypatch.setattr(llama_cpp, "gpu_offload_supported", lambda: False)
    monkeypatch.setattr(hardware, "gpu_without_backend", lambda: looked.append(True) or "cuda")
    monkeypatch.setattr(hardware, "build_without_device", lambda: ("", ""))  # a CPU build
    assert hardware.detect_machine().gpu_unused == "" and looked == []  # a load's plan
    assert hardware.detect_machine(unused_gpu=True).gpu_unused == "cuda" and looked == [True]


def test_a_gpu_build_without_a_device_is_not_called_a_build_without_gpu_support(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CUDA build on a machine whose NVIDIA driver is too old for it (or absent): the
    driver is there, so the GPU is seen, but it is this build that cannot use it."""
    from desktop.core.llm import hardware, llama_build, llama_cpp

    monkeypatch.setattr(llama_cpp, "gpu_offload_supported", lambda: False)
    monkeypatch.setattr(hardware, "gpu_without_backend", lambda: "cuda")
    monkeypatch.setattr(llama_build, "installed_backend", lambda lib=None: "cuda")
    why = "the NVIDIA driver is installed but reports no usable GPU (see nvidia-smi)"
    monkeypatch.setattr(llama_build, "no_device_reason", lambda backend, probe=None: why)
    assert hardware.build_without_device() == ("cuda", why)
    machine = hardware.detect_machine(unused_gpu=True)
    assert (machine.idle_backend, machine.no_device, machine.gpu_unused) == ("cuda", why, "")
    assert hardware.detect_machine().idle_backend == ""  # a load's plan does not look
    monkeypatch.setattr(llama_build, "installed_backend", lambda lib=None: "cpu")
    assert hardware.build_without_device() == ("", "")
