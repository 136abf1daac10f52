"""Fit a GGUF model to this machine: context length, GPU share, expected speed.

Defaults are computed, not fixed: as many layers on the GPU as its memory holds, the
experts of as few layers as needed in system memory, and a context of ``CTX_TARGET``
(longer when the GPU has room). The arithmetic uses the GGUF header (layers, key/value
heads and lengths, experts, vocabulary) and the file's tensor table (the bytes of the
experts, the token embeddings and the output layer), and llama.cpp's compute buffer as
it allocates it (``compute_bytes``); checked against llama.cpp's own figures on
gpt-oss-20b's real tensor table (tests/bench/bench_plan.py). Speed is estimated from the
bytes read per generated token and a typical memory bandwidth, and printed as an
estimate. ``plan_in_words`` says the plan as ``fathom doctor`` and the wizard show it.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.llm.gguf import architecture

GIB = 1024**3
APP_OVERHEAD = int(1.5 * GIB)  # Fathom, the store, the embedder and the OS's share
RAM_SHARE = 0.7  # of physical memory that a model may take
VRAM_HEADROOM = int(0.6 * GIB)  # the driver, the CUDA context and small buffers
VRAM_MARGIN = 0.05  # of the GPU's memory left free: the desktop and other programs
KV_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}  # bytes per element
CPU_BANDWIDTH = 20e9  # bytes/s: a typical dual-channel desktop or laptop
GPU_BANDWIDTH = 400e9  # bytes/s: a typical 16 GB consumer GPU
MIN_CTX = 2048
MIN_GPU_CTX = 16384  # the shortest context worth a GPU's speed over the CPU's CTX_TARGET
CTX_TARGET = 32768  # the context worth keeping everything else for (RAG prompts: 6-8k)
CPU_CTX_CAP = CTX_TARGET  # beyond this, a CPU spends minutes reading a full prompt
EXPERT_SHARE = 0.9  # of a MoE model's weights in its experts, when the file does not say
GPU_DEVICE_TYPES = (1, 2)  # ggml_backend_dev_type: GPU, integrated GPU
N_UBATCH = 512  # llama.cpp's micro-batch: LlamaOptions.n_batch, which n_ubatch follows
COMPUTE_BASE = 64 * 2**20  # llama.cpp's compute buffer beyond its largest tensors
EXPERT_TENSOR = re.compile(r"^blk\.\d+\.ffn_(up|down|gate)_exps\.")  # llama_cpp.EXPERT_TENSORS
INPUT_TENSORS = ("token_embd.weight",)  # llama.cpp keeps the input layer in system memory
OUTPUT_TENSORS = ("output.weight", "output_norm.weight", "output_norm.bias")
# Plan.notes that the first-run recommendation (desktop.core.setup) says in its own words.
SMALL_GPU_NOTE = "The GPU has too little memory for this model: it runs on the CPU."
RAM_NOTE = "The model barely fits in memory; expect swapping or a failed load."


@dataclass(frozen=True)
class Machine:
    threads: int
    ram_bytes: int
    gpu_offload: bool  # the llama.cpp build can use a GPU
    gpu_name: str = ""
    vram_bytes: int = 0
    # A GPU the system shows that another llama.cpp build would use, when this one has no
    # GPU backend: its backend ("cuda", "metal"); "" when none was seen.
    gpu_unused: str = ""
    # This build's GPU backend when it found no device to use ("cuda", "vulkan", "metal"),
    # and why not, as far as the machine shows it ("no NVIDIA driver is installed ...").
    idle_backend: str = ""
    no_device: str = ""


@dataclass(frozen=True)
class ModelShape:
    """What the plan needs of a GGUF. The tensor sizes come from the file's tensor table
    (``model_shape``); left at 0 they are estimated from ``file_bytes``."""

    file_bytes: int
    n_layers: int
    n_ctx_train: int
    kv_elems_per_token: int  # keys and values, all layers
    n_experts: int = 0
    n_experts_used: int = 0
    expert_bytes: int = 0  # all layers' expert tensors (ffn_*_exps)
    input_bytes: int = 0  # the token embeddings
    output_bytes: int = 0  # the output layer and its norm
    n_vocab: int = 0
    n_head: int = 0

    @property
    def experts_total(self) -> float:
        if not self.n_experts:
            return 0.0
        return float(self.expert_bytes or self.file_bytes * EXPERT_SHARE)

    @property
    def expert_layer(self) -> float:
        """Bytes of one layer's experts."""
        return self.experts_total / max(self.n_layers, 1)

    @property
    def dense_layer(self) -> float:
        """Bytes of one layer without its experts (attention, norms, router)."""
        rest = self.file_bytes - self.input_bytes - self.output_bytes - self.experts_total
        return max(rest, 0.0) / max(self.n_layers, 1)

    @property
    def active_bytes(self) -> int:
        """Weights read per generated token (MoE models read only the chosen experts)."""
        if not self.n_experts:
            return self.file_bytes - self.input_bytes
        used = self.n_experts_used / self.n_experts
        return int(self.file_bytes - self.input_bytes - self.experts_total * (1 - used))


# gpt-oss-20b-mxfp4.gguf as model_shape reads it (tests/gpt_oss_20b_shape.py builds its
# header and tensor table): for plans made before the file is here (the first-run wizard).
GPT_OSS_20B = ModelShape(
    file_bytes=12_102_306_400,
    n_layers=24,
    n_ctx_train=131_072,
    kv_elems_per_token=24 * 8 * (64 + 64),
    n_experts=32,
    n_experts_used=4,
    expert_bytes=10_178_887_680,
    input_bytes=615_329_280,
    output_bytes=615_340_800,
    n_vocab=201_088,
    n_head=64,
)


@dataclass(frozen=True)
class Plan:
    n_ctx: int
    n_gpu_layers: int  # -1: all
    cpu_moe_layers: int  # the first N layers keep their experts in system memory
    kv_cache_type: str
    memory_bytes: int  # weights and key/value cache, wherever they are
    where: str  # "GPU", "CPU", "GPU + CPU"
    expected_tokens_per_s: float
    notes: list[str] = field(default_factory=list)
    vram_bytes: int = 0  # expected use of GPU memory (weights, cache, buffers, driver)
    ram_bytes: int = 0  # expected use of system memory by the model (not the app)
    n_layers: int = 0  # the model's layers, to say "all 24"

    @property
    def gpu_layers(self) -> int:
        return self.n_layers if self.n_gpu_layers < 0 else min(self.n_gpu_layers, self.n_layers)

    def describe(self) -> str:
        gb = self.memory_bytes / GIB
        experts = (
            f", experts of {self.cpu_moe_layers} layers on the CPU" if self.cpu_moe_layers else ""
        )
        return (
            f"{self.where}{experts}, context {self.n_ctx} tokens, {gb:.1f} GiB, "
            f"about {self.expected_tokens_per_s:.0f} tokens/s (estimate)"
        )


def context_words(n_ctx: int) -> str:
    """4096 -> "4k", 131072 -> "128k"."""
    return f"{n_ctx // 1024}k" if n_ctx >= 1024 and n_ctx % 1024 == 0 else str(n_ctx)


def plan_in_words(p: Plan) -> str:
    """The plan as a person reads it: "all 24 layers on the GPU, 32k context" or "all 24
    layers on the GPU, the experts of 10 layers in system memory, 32k context"."""
    n, ctx = p.n_layers, context_words(p.n_ctx)
    if p.where == "CPU" or p.gpu_layers == 0:
        return f"on the CPU, {ctx} context (no GPU used)"
    on_gpu = f"all {n} layers" if p.gpu_layers >= n else f"{p.gpu_layers} of {n} layers"
    text = f"{on_gpu} on the GPU"
    if p.gpu_layers < n:
        text += ", the rest on the CPU"
    if p.cpu_moe_layers >= n:
        text += ", the experts of every layer in system memory"
    elif p.cpu_moe_layers:
        text += f", the experts of {p.cpu_moe_layers} layers in system memory"
    text += f", {ctx} context"
    if p.vram_bytes:
        text += f"; about {p.vram_bytes / GIB:.1f} GiB of GPU memory"
    if p.ram_bytes:
        text += f" and {p.ram_bytes / GIB:.1f} GiB of system memory"
    return text


def _int(meta: dict[str, Any], key: str, default: int = 0) -> int:
    value = meta.get(key, default)
    if isinstance(value, list):
        value = max(value) if value else default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@lru_cache(maxsize=8)
def _tensor_table(path: str, size: int, mtime_ns: int) -> tuple[int, tuple[tuple[str, int], ...]]:
    """(tokens in the vocabulary, (name, bytes) of each tensor) of a GGUF file."""
    from desktop.core.llm.gguf import MAGIC, _Reader

    n_vocab, alignment = 0, 32
    with open(path, "rb") as f:
        r = _Reader(f)
        if r.take(4) != MAGIC:
            return 0, ()
        r.unpack("<I")  # version
        n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
        for _ in range(n_kv):
            key, kind = r.string(), r.unpack("<I")
            if key == "tokenizer.ggml.tokens" and kind == 9:  # an array of strings
                r.unpack("<I")
                n_vocab = int(r.unpack("<Q"))
                for _ in range(n_vocab):
                    r.skip_string()
                continue
            value = r.value(kind, False)
            if key == "general.alignment" and isinstance(value, int) and value > 0:
                alignment = value
        infos = []
        for _ in range(n_tensors):
            name = r.string()
            f.seek(8 * int(r.unpack("<I")), os.SEEK_CUR)  # the dimensions
            r.unpack("<I")  # the ggml type
            infos.append((int(r.unpack("<Q")), name))
        data_start = -(-f.tell() // alignment) * alignment
    infos.sort()
    ends = [off for off, _ in infos[1:]] + [size - data_start]
    sizes = tuple((name, end - off) for (off, name), end in zip(infos, ends, strict=True))
    return n_vocab, sizes


def tensor_table(path: Path) -> tuple[int, dict[str, int]]:
    """The vocabulary size and the bytes of each tensor of a GGUF (with its alignment
    padding), from the file's header and tensor table: no tensor data is read, and the
    sizes come from the offsets, so no table of ggml types is needed. (0, {}) for a file
    that is not a readable GGUF."""
    st = Path(path).stat()
    try:
        n_vocab, sizes = _tensor_table(str(path), st.st_size, st.st_mtime_ns)
    except (OSError, ModelError, struct.error, UnicodeDecodeError):
        return 0, {}
    return n_vocab, dict(sizes)


def model_shape(path: Path, meta: dict[str, Any]) -> ModelShape:
    arch = architecture(meta)
    n_layers = _int(meta, f"{arch}.block_count", 1)
    heads = _int(meta, f"{arch}.attention.head_count", 1)
    kv_heads = _int(meta, f"{arch}.attention.head_count_kv", heads)
    embd = _int(meta, f"{arch}.embedding_length", 4096)
    key_len = _int(meta, f"{arch}.attention.key_length", embd // max(heads, 1))
    value_len = _int(meta, f"{arch}.attention.value_length", key_len)
    n_vocab, sizes = tensor_table(path)
    n_experts = _int(meta, f"{arch}.expert_count")
    n_vocab = _int(meta, f"{arch}.vocab_size") or n_vocab
    return ModelShape(
        file_bytes=Path(path).stat().st_size,
        n_layers=n_layers,
        n_ctx_train=_int(meta, f"{arch}.context_length", 4096),
        kv_elems_per_token=n_layers * kv_heads * (key_len + value_len),
        n_experts=n_experts,
        n_experts_used=_int(meta, f"{arch}.expert_used_count"),
        expert_bytes=sum(b for name, b in sizes.items() if EXPERT_TENSOR.match(name))
        if n_experts
        else 0,
        input_bytes=sum(sizes.get(name, 0) for name in INPUT_TENSORS),
        output_bytes=sum(sizes.get(name, 0) for name in OUTPUT_TENSORS),
        n_vocab=n_vocab or 32000,
        n_head=heads,
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


def detect_machine(*, unused_gpu: bool = False) -> Machine:
    """The machine as a load plans for it. ``unused_gpu``: also look for a GPU this build
    cannot use (for a recommendation; it costs a library lookup, so loads skip it)."""
    from desktop.core.llm.llama_cpp import gpu_offload_supported

    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        ram = 8 * GIB
    try:
        gpu = gpu_offload_supported()
        devices = gpu_devices() if gpu else []
    except Exception:  # a broken native library: plan for the CPU
        gpu, devices = False, []
    name, vram = devices[0] if devices else ("", 0)
    unused = idle = why = ""
    if unused_gpu and not gpu:
        idle, why = build_without_device()
        unused = "" if idle else gpu_without_backend()
    return Machine(os.cpu_count() or 1, int(ram), gpu, name, vram, unused, idle, why)


def build_without_device() -> tuple[str, str]:
    """The installed build's GPU backend and why it found no device, when it has one and
    found none (a CUDA build without a driver, or with a driver too old for it); ("", "")
    for a CPU build."""
    from desktop.core.llm import llama_build

    backend = llama_build.installed_backend(llama_build.library_dir())
    if backend in ("cpu", "none"):
        return "", ""
    return backend, llama_build.no_device_reason(backend)


def gpu_without_backend() -> str:
    """The GPU backend whose device this system shows (an NVIDIA driver, Apple silicon),
    as llama_build finds devices; "" when none is seen."""
    from desktop.core.llm import llama_build

    probe = llama_build.Probe()
    if llama_build.nvidia_driver(probe):
        return "cuda"
    return "metal" if llama_build.find_metal(probe).device else ""


def compute_bytes(shape: ModelShape, n_ctx: float, flash_attn: bool) -> float:
    """llama.cpp's compute buffer: its largest tensors are a micro-batch's logits and,
    without flash attention, its attention scores against the whole context (f32 per
    head, and a mask): at 32k tokens and 64 heads, 4 GiB. (llama.cpp's own figures for
    gpt-oss-20b at 32k: 4.16 GiB without flash attention, 0.40 GiB with it;
    tests/bench/bench_plan.py.)"""
    logits = N_UBATCH * shape.n_vocab * 4
    scores = 0.0 if flash_attn else N_UBATCH * n_ctx * (max(shape.n_head, 1) * 4 + 8)
    return max(logits, scores) + COMPUTE_BASE


def model_ram_budget(machine: Machine) -> int:
    """The system memory a model may take here: ``RAM_SHARE`` of it less ``APP_OVERHEAD``."""
    return int(machine.ram_bytes * RAM_SHARE) - APP_OVERHEAD


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
    flash_attn: bool = False,
) -> Plan:
    """Settings for this model here. ``n_ctx=0``, ``n_gpu_layers=-1`` and
    ``cpu_moe_layers=-1`` mean: decide from the machine; other values are kept as given
    and only the estimates follow them.

    On a GPU the order of preference is: every layer there with a ``CTX_TARGET`` context
    (longer when the memory left allows), then the experts of as few layers as needed in
    system memory at that context, then the experts of as many layers as system memory
    holds there with a context down to ``MIN_GPU_CTX``; below that a MoE model runs on the
    CPU, and a dense one with as many layers on the GPU as fit beside the CPU's context.
    Each step needs less GPU memory than the one before, so a GPU with more memory never
    gets a worse plan: no fewer layers on it, no more experts in system memory, no shorter
    context (except where a smaller GPU was not used at all: the GPU's plan trades up to
    half of the CPU's context for its speed).
    The GPU's budget leaves ``VRAM_MARGIN`` of it and ``VRAM_HEADROOM`` free; system
    memory's is ``RAM_SHARE`` of it less ``APP_OVERHEAD``. ``flash_attn``: as the model
    will be loaded (llm.flash_attn); without it the compute buffer grows with the context
    (``compute_bytes``). The key/value cache is counted for every layer at the full
    context, as llama.cpp allocates it by default (``swa_full``)."""
    n = max(shape.n_layers, 1)
    experts = bool(shape.n_experts)
    used = shape.n_experts_used / shape.n_experts if experts else 1.0
    kv_token = shape.kv_elems_per_token * KV_BYTES[kv_cache_type]
    dense, expert = shape.dense_layer, shape.expert_layer
    ram_budget = model_ram_budget(machine)
    vram_budget = machine.vram_bytes * (1 - VRAM_MARGIN) - VRAM_HEADROOM
    on_gpu = machine.gpu_offload and machine.vram_bytes > 0 and n_gpu_layers != 0

    def compute(ctx: float) -> float:
        return compute_bytes(shape, ctx, flash_attn)

    def moe_on_gpu_layers(layers: int, moe: int) -> int:
        # llama.cpp offloads the last layers; the experts kept in RAM are the first ones'
        return max(0, min(moe, n) - (n - layers))

    def vram(layers: int, moe: int, ctx: float) -> float:
        if layers <= 0:
            return 0.0
        weights = layers * dense + (layers - moe_on_gpu_layers(layers, moe)) * expert
        if layers >= n:
            weights += shape.output_bytes
        return weights + ctx * kv_token * layers / n + compute(ctx)

    def ram(layers: int, moe: int, ctx: float) -> float:
        cpu_layers = n - layers
        weights = (
            shape.input_bytes
            + cpu_layers * (dense + expert)
            + moe_on_gpu_layers(layers, moe) * expert
        )
        if cpu_layers:
            weights += shape.output_bytes + compute(ctx)
        return weights + ctx * kv_token * cpu_layers / n

    def fit(cost: Any, budget: float, layers: int, moe: int) -> int:
        """The longest context (up to the trained one) that ``cost`` keeps within
        ``budget``; 0 when not even one token fits. Costs grow with the context."""
        lo, hi = 0, shape.n_ctx_train
        if cost(layers, moe, hi) <= budget:
            return hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if cost(layers, moe, mid) <= budget else (lo, mid)
        return lo if cost(layers, moe, lo) <= budget else 0

    def gpu_fit(layers: int, moe: int) -> int:
        return min(fit(vram, vram_budget, layers, moe), fit(ram, ram_budget, layers, moe))

    target = n_ctx or min(shape.n_ctx_train, CTX_TARGET)
    # the most layers whose experts system memory holds beside the rest on the GPU
    max_moe = max((m for m in range(n + 1) if ram(n, m, 0) <= ram_budget), default=0)
    cpu_ctx = n_ctx or min(shape.n_ctx_train, CPU_CTX_CAP, _round_ctx(fit(ram, ram_budget, 0, 0)))
    layers, moe, small_gpu = 0, 0, False
    if not on_gpu:
        ctx = cpu_ctx
    elif n_gpu_layers >= 0 or cpu_moe_layers >= 0:  # placement given: fill in the rest
        layers = n if n_gpu_layers < 0 else min(n_gpu_layers, n)
        moe = min(cpu_moe_layers, n) if cpu_moe_layers >= 0 else 0
        if cpu_moe_layers < 0 and experts and layers >= n:
            moe = next((m for m in range(n + 1) if gpu_fit(n, m) >= target), n)
        ctx = n_ctx or min(target, _round_ctx(gpu_fit(layers, moe)))
    elif gpu_fit(n, 0) >= target:
        layers, moe = n, 0
        ctx = n_ctx or min(shape.n_ctx_train, _round_ctx(gpu_fit(n, 0)))
    elif experts and any(gpu_fit(n, m) >= target for m in range(1, n + 1)):
        layers, ctx = n, target
        moe = next(m for m in range(1, n + 1) if gpu_fit(n, m) >= target)
    elif experts and not n_ctx and max_moe and gpu_fit(n, max_moe) >= MIN_GPU_CTX:
        layers, moe, ctx = n, max_moe, _round_ctx(gpu_fit(n, max_moe))
    elif experts and not n_ctx:  # a GPU too small for even the attention layers
        layers, moe, ctx = 0, 0, cpu_ctx
        small_gpu = True
    else:  # some layers on the CPU, at the CPU's context
        moe = n if experts else 0
        ctx = cpu_ctx
        layers = max((k for k in range(n) if vram(k, moe, ctx) <= vram_budget), default=0)
        if layers == 0:
            moe = 0
            small_gpu = True
    notes: list[str] = []
    if small_gpu:
        notes.append(SMALL_GPU_NOTE)
    if ram(layers, moe, ctx) > ram_budget:
        notes.append(RAM_NOTE)
    if on_gpu and vram(layers, moe, ctx) > vram_budget:
        notes.append("These settings need more GPU memory than the GPU has.")
    elif experts and layers and layers < n:
        notes.append("Even with its experts in system memory the model does not fit the GPU.")
    moe_gpu = moe_on_gpu_layers(layers, moe)
    gpu_read = layers * dense + (layers - moe_gpu) * expert * used
    cpu_read = (n - layers) * (dense + expert * used) + moe_gpu * expert * used
    if layers >= n:
        gpu_read += shape.output_bytes
    else:
        cpu_read += shape.output_bytes
    seconds = gpu_read / GPU_BANDWIDTH + cpu_read / CPU_BANDWIDTH
    where = "CPU" if layers == 0 else "GPU" if layers >= n and not moe else "GPU + CPU"
    return Plan(
        n_ctx=ctx,
        n_gpu_layers=-1 if layers >= n else layers,
        cpu_moe_layers=moe,
        kv_cache_type=kv_cache_type,
        memory_bytes=int(shape.file_bytes + ctx * kv_token),
        where=where,
        expected_tokens_per_s=1 / seconds if seconds > 0 else 0.0,
        notes=notes,
        vram_bytes=int(vram(layers, moe, ctx)),
        ram_bytes=int(ram(layers, moe, ctx)),
        n_layers=n,
    )
