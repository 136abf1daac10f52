"""First-run recommendation: how gpt-oss-20b runs on a given machine."""

from __future__ import annotations

import sys

import pytest

from desktop.core.llm.hardware import GIB, GPT_OSS_20B, Machine, plan
from desktop.core.modelhub.catalog import HubFile
from desktop.core.setup import recommend

TB = 1000**4


def test_a_16_gb_gpu_runs_everything_there() -> None:
    rtx_4080 = Machine(16, 32 * GIB, True, "RTX 4080", 16 * GIB)
    rec = recommend(rtx_4080, free_disk=TB, flash_attn=True)
    assert (rec.where, rec.n_gpu_layers, rec.cpu_moe_layers) == ("GPU", -1, 0)
    # without flash attention, 32k tokens of attention scores (4 GiB) need the room of
    # some layers' experts, as the load will find
    plain = recommend(rtx_4080, free_disk=TB)
    assert plain.where == "GPU + CPU (experts)" and 0 < plain.cpu_moe_layers < 24
    assert rec.chat.filename == "gpt-oss-20b-mxfp4.gguf"
    assert rec.embedding == "sentence-transformers/all-MiniLM-L6-v2"
    assert rec.warnings == [] and rec.fits_disk


def test_a_smaller_gpu_keeps_some_experts_in_system_memory() -> None:
    eight = recommend(Machine(8, 32 * GIB, True, "RTX 3070", 8 * GIB), free_disk=TB)
    twelve = recommend(Machine(8, 32 * GIB, True, "RTX 3060", 12 * GIB), free_disk=TB)
    assert eight.where == twelve.where == "GPU + CPU (experts)"
    assert eight.n_gpu_layers == twelve.n_gpu_layers == -1
    assert 0 < twelve.cpu_moe_layers < eight.cpu_moe_layers <= 24
    assert "experts of" in eight.describe()


def test_no_gpu_runs_on_the_cpu_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = recommend(Machine(8, 32 * GIB, False), free_disk=TB)
    assert (rec.where, rec.n_gpu_layers) == ("CPU", 0)
    assert any(w.startswith("No GPU found that llama.cpp can use") for w in rec.warnings)
    nvidia = recommend(Machine(8, 32 * GIB, False, gpu_unused="cuda"), free_disk=TB)
    assert nvidia.where == "CPU"
    assert any(
        "has an NVIDIA GPU, but this llama.cpp build has no CUDA support" in w
        and "bash .ci/setup --gpu cuda" in w
        for w in nvidia.warnings
    )
    why = "no NVIDIA driver is installed (no /proc/driver/nvidia/version, nvidia-smi ...)"
    idle = recommend(Machine(8, 32 * GIB, False, idle_backend="cuda", no_device=why), free_disk=TB)
    assert idle.where == "CPU"
    assert f"This llama.cpp build uses CUDA, but found no CUDA device: {why}." in idle.warnings[0]
    assert not any("no CUDA support" in w or "No GPU found" in w for w in idle.warnings)
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # the installed app
    frozen = recommend(Machine(8, 32 * GIB, False, gpu_unused="metal"), free_disk=TB)
    assert any(
        "has Apple silicon's GPU, but this llama.cpp build has no Metal support" in w
        and w.endswith("Fathom's macOS app uses it.")
        for w in frozen.warnings
    )
    tiny_gpu = recommend(Machine(8, 32 * GIB, True, "iGPU", 2 * GIB), free_disk=TB)
    assert tiny_gpu.where == "CPU"
    assert any("only 2.0 GiB" in w for w in tiny_gpu.warnings)


def test_too_little_memory_or_disk_is_a_warning() -> None:
    rec = recommend(Machine(4, 8 * GIB, False), free_disk=5 * 1000**3)
    assert not rec.fits_disk
    assert any("8.0 GiB of memory" in w for w in rec.warnings)
    assert any("Only 5.0 GB of disk is free" in w for w in rec.warnings)


MACHINES = [
    Machine(16, 64 * GIB, True, "RTX 4090", 24 * GIB),
    Machine(16, 32 * GIB, True, "RTX 4080", 16 * GIB),
    Machine(8, 32 * GIB, True, "RTX 3060", 12 * GIB),
    Machine(8, 16 * GIB, True, "RTX 3070", 8 * GIB),
    Machine(8, 32 * GIB, True, "GTX 1650", 4 * GIB),
    Machine(8, 32 * GIB, True, "iGPU", 2 * GIB),
    Machine(8, 32 * GIB, False),
    Machine(4, 8 * GIB, False),
]


@pytest.mark.parametrize("flash_attn", [False, True])
@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.gpu_name or "no GPU")
def test_the_recommendation_is_the_plan_each_load_makes(machine: Machine, flash_attn: bool) -> None:
    """One arithmetic: the first run recommends what hardware.plan gives the load with the
    settings' auto values (gpt-oss-20b's shape, the same flash attention)."""
    rec = recommend(machine, free_disk=TB, flash_attn=flash_attn)
    p = plan(GPT_OSS_20B, machine, flash_attn=flash_attn)
    assert (rec.n_gpu_layers, rec.cpu_moe_layers) == (p.n_gpu_layers, p.cpu_moe_layers)
    assert rec.where.startswith(p.where) and rec.plan == p
    if p.cpu_moe_layers and p.where != "CPU":
        assert f"experts of {p.cpu_moe_layers} layers" in rec.describe()
    ram_warning = any("GiB of memory" in w for w in rec.warnings)
    assert ram_warning == (p.ram_bytes > machine.ram_bytes * 0.7 - 1.5 * GIB)


def test_a_larger_chat_file_needs_more_of_the_gpu() -> None:
    gpu = Machine(8, 64 * GIB, True, "RTX 3060", 12 * GIB)
    default = recommend(gpu, free_disk=TB, flash_attn=True)
    chat = HubFile("org/big", "big.gguf", size_gb=24.0)
    big = recommend(gpu, free_disk=TB, chat=chat, flash_attn=True)
    assert 0 < default.cpu_moe_layers < big.cpu_moe_layers <= 24
