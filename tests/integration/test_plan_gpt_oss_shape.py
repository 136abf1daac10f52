"""The hardware plan on gpt-oss-20b's real shape: a GGUF with its header and tensor
table over a sparse data section (tests/gpt_oss_20b_shape.py), read by Fathom and by
llama.cpp (loaded without allocating, so none of the 12 GB is read)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from desktop.core.llm.gguf import read_gguf_metadata
from desktop.core.llm.hardware import (
    APP_OVERHEAD,
    GIB,
    GPT_OSS_20B,
    MIN_GPU_CTX,
    RAM_SHARE,
    VRAM_HEADROOM,
    VRAM_MARGIN,
    Machine,
    ModelShape,
    compute_bytes,
    model_shape,
    plan,
    plan_in_words,
    tensor_table,
)
from tests.bench.bench_plan import llama_cpp_probe
from tests.gpt_oss_20b_shape import PUBLISHED_BYTES, gpt_oss_20b_shape_gguf

VRAMS = (6, 8, 12, 16, 24)
RAMS = (16, 32)


@pytest.fixture(scope="module")
def shaped() -> Path:
    pytest.importorskip("gguf")
    return gpt_oss_20b_shape_gguf()


@pytest.fixture(scope="module")
def shape(shaped: Path) -> ModelShape:
    return model_shape(shaped, read_gguf_metadata(shaped))


def _gpu(vram: float, ram: float) -> Machine:
    return Machine(8, int(ram * GIB), True, "GPU", int(vram * GIB))


def test_the_file_is_the_published_size_and_sparse(shaped: Path) -> None:
    st = shaped.stat()
    assert abs(st.st_size - PUBLISHED_BYTES) / PUBLISHED_BYTES < 0.005
    assert st.st_blocks * 512 < 64 * 2**20  # the header and vocabulary only


def test_fathom_and_llama_cpp_read_the_same_sizes(shaped: Path, shape: ModelShape) -> None:
    probe = llama_cpp_probe(shaped)
    n_vocab, sizes = tensor_table(shaped)
    assert len(sizes) == 459 and n_vocab == 201_088 == probe["n_vocab"]
    assert sum(sizes.values()) == probe["size"]  # llama.cpp's llama_model_size
    assert probe["desc"] == "gpt-oss 20B MXFP4 MoE"
    assert round(probe["params"] / 1e9, 1) == 20.9  # gpt-oss-20b's published 20.9B
    assert (probe["n_layer"], probe["n_head"], probe["n_head_kv"]) == (24, 64, 8)
    assert probe["n_ctx_train"] == shape.n_ctx_train == 131_072
    # MXFP4 experts: 17 bytes per 32 weights, 3 matrices of 32 x 2880 x 2880 a layer
    assert shape.expert_layer == pytest.approx(3 * (32 * 2880 * 2880 // 32 * 17 + 32 * 2880 * 4))
    assert shape == GPT_OSS_20B  # the shape the wizard plans with before the download


@pytest.mark.parametrize("flash_attn", [False, True])
def test_llama_cpp_allocates_what_the_plan_expects(
    shaped: Path, shape: ModelShape, flash_attn: bool
) -> None:
    p = plan(shape, Machine(8, 32 * GIB, False), flash_attn=flash_attn)
    probe = llama_cpp_probe(shaped, p.n_ctx, flash_attn)
    assert probe["context"]
    assert probe["kv_bytes"] == p.n_ctx * shape.kv_elems_per_token * 2  # f16, every layer
    estimate = compute_bytes(shape, p.n_ctx, flash_attn)
    assert probe["compute_bytes"] <= estimate <= probe["compute_bytes"] + 0.1 * GIB


@pytest.mark.parametrize("flash_attn", [False, True])
@pytest.mark.parametrize("ram", RAMS)
@pytest.mark.parametrize("vram", VRAMS)
def test_each_plan_fits_its_gpu_with_margin(
    shape: ModelShape, vram: int, ram: int, flash_attn: bool
) -> None:
    p = plan(shape, _gpu(vram, ram), flash_attn=flash_attn)
    assert p.gpu_layers == 24  # the attention of every layer on the GPU, from 6 GiB up
    assert p.vram_bytes + VRAM_HEADROOM <= vram * GIB * (1 - VRAM_MARGIN)
    assert p.ram_bytes <= ram * GIB * RAM_SHARE - APP_OVERHEAD
    assert p.n_ctx >= 16384 and not p.notes
    words = plan_in_words(p)
    assert words.startswith("all 24 layers on the GPU")
    assert f"{p.n_ctx // 1024}k context" in words
    if p.cpu_moe_layers:
        assert f"experts of {p.cpu_moe_layers} layers in system memory" in words or (
            p.cpu_moe_layers == 24 and "experts of every layer" in words
        )


def test_what_each_gpu_gets(shape: ModelShape) -> None:
    with_fa = {v: plan(shape, _gpu(v, 32), flash_attn=True) for v in VRAMS}
    assert with_fa[16].where == "GPU" and with_fa[16].n_ctx >= 65536
    assert with_fa[24].n_ctx == 131_072
    assert 0 < with_fa[12].cpu_moe_layers < with_fa[8].cpu_moe_layers < 24
    assert all(with_fa[v].n_ctx >= 32768 for v in VRAMS)
    # without flash attention, 32k of context costs 4 GiB of attention scores
    without = {v: plan(shape, _gpu(v, 32), flash_attn=False) for v in VRAMS}
    assert without[16].cpu_moe_layers > 0 and without[16].n_ctx == 32768
    assert without[24].where == "GPU"


def test_the_cpu_alone(shape: ModelShape) -> None:
    p = plan(shape, Machine(8, 32 * GIB, False), flash_attn=True)
    assert (p.where, p.gpu_layers, p.n_ctx) == ("CPU", 0, 32768)
    assert plan_in_words(p) == "on the CPU, 32k context (no GPU used)"
    assert p.ram_bytes <= 32 * GIB * RAM_SHARE - APP_OVERHEAD
    assert plan(shape, Machine(8, 16 * GIB, False)).notes  # 12 GB in 16 GiB: said


DENSE_8B = ModelShape(  # shaped like a dense 8B model at 4.5 bits: the partial-offload path
    file_bytes=int(4.9e9),
    n_layers=32,
    n_ctx_train=131_072,
    kv_elems_per_token=32 * 8 * (128 + 128),
    n_vocab=128_256,
    n_head=32,
    input_bytes=int(0.4e9),
    output_bytes=int(0.4e9),
)


@pytest.mark.parametrize("flash_attn", [False, True])
@pytest.mark.parametrize("ram", RAMS)
@pytest.mark.parametrize("model", ["gpt-oss-20b", "dense-8b"])
def test_more_vram_never_gives_a_worse_plan(
    shape: ModelShape, model: str, ram: int, flash_attn: bool
) -> None:
    s = shape if model == "gpt-oss-20b" else DENSE_8B
    steps = [x / 4 for x in range(0, 4 * 48 + 1)]  # 0 to 48 GiB by 256 MiB
    plans = [plan(s, _gpu(v, ram), flash_attn=flash_attn) for v in steps]
    for (v0, v1), (small, big) in zip(pairwise(steps), pairwise(plans), strict=True):
        where = f"{v0} -> {v1} GiB: {plan_in_words(small)} -> {plan_in_words(big)}"
        assert big.gpu_layers >= small.gpu_layers, where
        assert big.cpu_moe_layers <= small.cpu_moe_layers or small.gpu_layers < s.n_layers, where
        if small.gpu_layers or not big.gpu_layers:
            assert big.n_ctx >= small.n_ctx, where
        else:  # the GPU starts being used: at no less than half the CPU's context
            assert big.n_ctx >= min(small.n_ctx, MIN_GPU_CTX), where
        assert big.expected_tokens_per_s >= small.expected_tokens_per_s - 1e-9, where
        fits = big.vram_bytes + VRAM_HEADROOM <= v1 * GIB * (1 - VRAM_MARGIN)
        assert fits or big.gpu_layers == 0, where
