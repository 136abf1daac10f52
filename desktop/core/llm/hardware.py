"""Fit a GGUF model to this machine: context length, GPU share, expected speed.

Defaults are computed, not fixed: the largest context whose key/value cache fits beside
the weights, and as many layers on the GPU as its memory holds. The arithmetic uses the
GGUF header (layers, key/value heads and lengths, experts) and the file size; speed is
estimated from the bytes read per generated token and a typical memory bandwidth, and
printed as an estimate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.llm.gguf import architecture

GIB = 1024**3
APP_OVERHEAD = int(1.5 * GIB)  # Fathom, the store, the embedder and the OS's share
RAM_SHARE = 0.7  # of physical memory that a model may take
VRAM_HEADROOM = int(0.6 * GIB)  # compute buffers and the driver
KV_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}  # bytes per element
CPU_BANDWIDTH = 20e9  # bytes/s: a typical dual-channel desktop or laptop
GPU_BANDWIDTH = 400e9  # bytes/s: a typical 16 GB consumer GPU
MIN_CTX = 2048
CPU_CTX_CAP = 32768  # beyond this, a CPU spends minutes reading a full prompt
GPU_FULL_MIN_CTX = 8192  # below this, rather keep experts in system memory
EXPERT_SHARE = 0.9  # of a MoE model's weights that sit in its experts
GPU_DEVICE_TYPES = (1, 2)  # ggml_backend_dev_type: GPU, integrated GPU


@dataclass(frozen=True)
class Machine:
    threads: int
    ram_bytes: int
    gpu_offload: bool  # the llama.cpp build can use a GPU
    gpu_name: str = ""
    vram_bytes: int = 0


@dataclass(frozen=True)
class ModelShape:
    file_bytes: int
    n_layers: int
    n_ctx_train: int
    kv_elems_per_token: int  # keys and values, all layers
    n_experts: int = 0
    n_experts_used: int = 0

    @property
    def active_bytes(self) -> int:
        """Weights read per generated token (MoE models read only the chosen experts)."""
        if not self.n_experts:
            return self.file_bytes
        used = self.n_experts_used / self.n_experts
        return int(self.file_bytes * ((1 - EXPERT_SHARE) + EXPERT_SHARE * used))


@dataclass(frozen=True)
class Plan:
    n_ctx: int
    n_gpu_layers: int  # -1: all
    cpu_moe_layers: int  # the first N layers keep their experts in system memory
    kv_cache_type: str
    memory_bytes: int
    where: str  # "GPU", "CPU", "GPU + CPU"
    expected_tokens_per_s: float
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        gb = self.memory_bytes / GIB
        experts = (
            f", experts of {self.cpu_moe_layers} layers on the CPU" if self.cpu_moe_layers else ""
        )
        return (
            f"{self.where}{experts}, context {self.n_ctx} tokens, {gb:.1f} GiB, "
            f"about {self.expected_tokens_per_s:.0f} tokens/s (estimate)"
        )


def _int(meta: dict[str, Any], key: str, default: int = 0) -> int:
    value = meta.get(key, default)
    if isinstance(value, list):
        value = max(value) if value else default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def model_shape(path: Path, meta: dict[str, Any]) -> ModelShape:
    arch = architecture(meta)
    n_layers = _int(meta, f"{arch}.block_count", 1)
    heads = _int(meta, f"{arch}.attention.head_count", 1)
    kv_heads = _int(meta, f"{arch}.attention.head_count_kv", heads)
    embd = _int(meta, f"{arch}.embedding_length", 4096)
    key_len = _int(meta, f"{arch}.attention.key_length", embd // max(heads, 1))
    value_len = _int(meta, f"{arch}.attention.value_length", key_len)
    return ModelShape(
        file_bytes=Path(path).stat().st_size,
        n_layers=n_layers,
        n_ctx_train=_int(meta, f"{arch}.context_length", 4096),
        kv_elems_per_token=n_layers * kv_heads * (key_len + value_len),
        n_experts=_int(meta, f"{arch}.expert_count"),
        n_experts_used=_int(meta, f"{arch}.expert_used_count"),
    )


def ggml_library(name: str) -> Any:
    """One of the ggml shared libraries that llama-cpp-python ships."""
    import ctypes

    import llama_cpp

    return ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / name))


def gpu_devices() -> list[tuple[str, int]]:
    """(description, total memory) of each GPU that this llama.cpp build can use."""
    import ctypes

    try:
        g, base = ggml_library("libggml.so"), ggml_library("libggml-base.so")
    except OSError:
        return []
    g.ggml_backend_dev_count.restype = ctypes.c_size_t
    g.ggml_backend_dev_get.restype = ctypes.c_void_p
    g.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    base.ggml_backend_dev_type.restype = ctypes.c_int
    base.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_description.restype = ctypes.c_char_p
    base.ggml_backend_dev_description.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_memory.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_size_t),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    out = []
    for i in range(g.ggml_backend_dev_count()):
        dev = g.ggml_backend_dev_get(i)
        if base.ggml_backend_dev_type(dev) not in GPU_DEVICE_TYPES:
            continue
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        base.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        desc = (base.ggml_backend_dev_description(dev) or b"GPU").decode(errors="replace")
        out.append((desc, int(total.value)))
    return out


def detect_machine() -> Machine:
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        ram = 8 * GIB
    try:
        import llama_cpp

        gpu = bool(llama_cpp.llama_supports_gpu_offload())
        devices = gpu_devices() if gpu else []
    except Exception:  # a broken native library: plan for the CPU
        gpu, devices = False, []
    name, vram = devices[0] if devices else ("", 0)
    return Machine(os.cpu_count() or 1, int(ram), gpu, name, vram)


def _round_ctx(n: int) -> int:
    return max(MIN_CTX, (n // 1024) * 1024)


def plan(
    shape: ModelShape,
    machine: Machine,
    *,
    n_ctx: int = 0,
    n_gpu_layers: int = -1,
    cpu_moe_layers: int = -1,
    kv_cache_type: str = "f16",
) -> Plan:
    """Settings for this model here. ``n_ctx=0``, ``n_gpu_layers=-1`` and
    ``cpu_moe_layers=-1`` mean: decide from the machine; other values are kept as given
    and only the estimate follows them."""
    kv_token = shape.kv_elems_per_token * KV_BYTES[kv_cache_type]
    notes: list[str] = []
    ram_budget = int(machine.ram_bytes * RAM_SHARE) - APP_OVERHEAD
    vram_budget = machine.vram_bytes - VRAM_HEADROOM
    on_gpu = machine.gpu_offload and machine.vram_bytes > 0 and n_gpu_layers != 0
    total_budget = ram_budget + (vram_budget if on_gpu else 0)
    if n_ctx <= 0:
        gpu_room = vram_budget - shape.file_bytes if on_gpu else 0
        if gpu_room >= GPU_FULL_MIN_CTX * kv_token:  # all on the GPU with a useful context
            n_ctx = min(shape.n_ctx_train, _round_ctx(int(gpu_room / kv_token)))
        else:
            room = total_budget - shape.file_bytes
            fit = _round_ctx(int(room / kv_token)) if room > 0 else MIN_CTX
            n_ctx = min(shape.n_ctx_train, CPU_CTX_CAP, fit)
    if total_budget - shape.file_bytes < n_ctx * kv_token:
        notes.append("The model barely fits in memory; expect swapping or a failed load.")
    kv = int(n_ctx * kv_token)
    per_layer = shape.file_bytes / max(shape.n_layers, 1)
    expert_layer = per_layer * EXPERT_SHARE if shape.n_experts else 0.0
    gpu_bytes, cpu_bytes, layers, moe = 0.0, float(shape.active_bytes), 0, 0
    if on_gpu:
        over = shape.file_bytes + kv - vram_budget
        if n_gpu_layers >= 0:
            layers = min(n_gpu_layers, shape.n_layers)
        elif over <= 0:
            layers = shape.n_layers
        elif expert_layer and cpu_moe_layers != 0 and over <= expert_layer * shape.n_layers:
            layers = shape.n_layers  # all layers on the GPU, some experts in system memory
            moe = min(shape.n_layers, int(over // expert_layer) + 1)
        else:
            layers = max(0, min(shape.n_layers, int((vram_budget - kv) / per_layer)))
        if cpu_moe_layers > 0:
            moe = min(cpu_moe_layers, shape.n_layers)
        used = shape.n_experts_used / shape.n_experts if shape.n_experts else 1.0
        active_layer = shape.active_bytes / max(shape.n_layers, 1)
        cpu_bytes = (shape.n_layers - layers) * active_layer + moe * expert_layer * used
        gpu_bytes = shape.active_bytes - cpu_bytes
        if layers < shape.n_layers and shape.n_experts:
            notes.append("Even with its experts in system memory the model does not fit the GPU.")
    seconds = gpu_bytes / GPU_BANDWIDTH + cpu_bytes / CPU_BANDWIDTH
    share = layers / max(shape.n_layers, 1)
    where = "CPU" if layers == 0 else "GPU" if share >= 1 and not moe else "GPU + CPU"
    return Plan(
        n_ctx=n_ctx,
        n_gpu_layers=-1 if layers >= shape.n_layers else layers,
        cpu_moe_layers=moe,
        kv_cache_type=kv_cache_type,
        memory_bytes=shape.file_bytes + kv,
        where=where,
        expected_tokens_per_s=1 / seconds if seconds > 0 else 0.0,
        notes=notes,
    )
