"""First-run recommendation: how gpt-oss-20b runs on a given machine."""

from __future__ import annotations

from desktop.core.llm.hardware import GIB, Machine
from desktop.core.setup import recommend

TB = 1000**4


def test_a_16_gb_gpu_runs_everything_there() -> None:
    rec = recommend(Machine(16, 32 * GIB, True, "RTX 4080", 16 * GIB), free_disk=TB)
    assert (rec.where, rec.n_gpu_layers, rec.cpu_moe_layers) == ("GPU", -1, 0)
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


def test_no_gpu_runs_on_the_cpu_and_says_so() -> None:
    rec = recommend(Machine(8, 32 * GIB, False), free_disk=TB)
    assert (rec.where, rec.n_gpu_layers) == ("CPU", 0)
    assert any("no GPU support" in w for w in rec.warnings)
    tiny_gpu = recommend(Machine(8, 32 * GIB, True, "iGPU", 2 * GIB), free_disk=TB)
    assert tiny_gpu.where == "CPU"
    assert any("only 2.0 GiB" in w for w in tiny_gpu.warnings)


def test_too_little_memory_or_disk_is_a_warning() -> None:
    rec = recommend(Machine(4, 8 * GIB, False), free_disk=5 * 1000**3)
    assert not rec.fits_disk
    assert any("8.0 GiB of memory" in w for w in rec.warnings)
    assert any("Only 5.0 GB of disk is free" in w for w in rec.warnings)
