"""The hardware plan for gpt-oss-20b on GPUs of 6 to 24 GiB, checked against llama.cpp.

    python -m tests.bench.bench_plan [--gguf FILE] [--ram 32,16] [--vram 0,6,8,12,16,24]
        [--no-llama]

The model is ``tests/gpt_oss_20b_shape.py``'s file: gpt-oss-20b's real header and tensor
table (12.1 GB) over a sparse data section, so ``desktop.core.llm.hardware.plan`` reads
the real sizes from it as from the downloaded model. For each system memory and GPU
memory the table gives what ``plan`` decides (layers on the GPU, expert layers kept in
system memory, context, key/value cache type) and what it expects to use, with
llama.cpp's flash attention off (Fathom's default, ``llm.flash_attn``) and on, and the
plan in the words ``fathom doctor`` and the first-run wizard show.

Then llama.cpp itself loads the same file without allocating anything (``no_alloc``,
no mmap: nothing of the 12 GB is read) and creates a context at the planned length, on the
CPU: its model size and parameter count, and its key/value cache and compute buffer sizes
(from its log), next to the plan's estimate of them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from desktop.core.llm.gguf import read_gguf_metadata
from desktop.core.llm.hardware import GIB, Machine, ModelShape, model_shape, plan, plan_in_words

THREADS = 8

_PROBE = r"""
import json, sys, llama_cpp
path, n_ctx, fa = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
mp = llama_cpp.llama_model_default_params()
mp.no_alloc = True
mp.n_gpu_layers = 0
mp.load_mode = llama_cpp.LLAMA_LOAD_MODE_NONE
model = llama_cpp.llama_model_load_from_file(path.encode(), mp)
if not model:
    sys.exit(3)
desc = llama_cpp.ctypes.create_string_buffer(256)
llama_cpp.llama_model_desc(model, desc, 256)
out = {
    "desc": desc.value.decode(),
    "size": llama_cpp.llama_model_size(model),
    "params": llama_cpp.llama_model_n_params(model),
    "n_layer": llama_cpp.llama_model_n_layer(model),
    "n_head": llama_cpp.llama_model_n_head(model),
    "n_head_kv": llama_cpp.llama_model_n_head_kv(model),
    "n_ctx_train": llama_cpp.llama_model_n_ctx_train(model),
    "n_vocab": llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(model)),
}
if n_ctx:
    cp = llama_cpp.llama_context_default_params()
    cp.n_ctx, cp.n_batch, cp.n_ubatch = n_ctx, 512, 512
    cp.flash_attn_type = (
        llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED if fa else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
    )
    out["context"] = bool(llama_cpp.llama_init_from_model(model, cp))
print("PROBE " + json.dumps(out), flush=True)
"""


def llama_cpp_probe(path: Path, n_ctx: int = 0, flash_attn: bool = False) -> dict[str, Any]:
    """What llama.cpp makes of a GGUF, loaded without allocating (a subprocess: an abort
    there is an error here): model size, parameters and shape; with ``n_ctx``, the bytes
    of the key/value cache and the CPU compute buffer it would allocate."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(n_ctx), "1" if flash_attn else "0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    if done.returncode or not lines:
        raise RuntimeError(
            f"llama.cpp could not load {path} (rc {done.returncode}):\n" + done.stderr[-3000:]
        )
    out: dict[str, Any] = json.loads(lines[-1].removeprefix("PROBE "))
    mib = 2**20
    kv = re.findall(r"llama_kv_cache: size =\s*([\d.]+) MiB", done.stderr)
    compute = re.findall(r"CPU compute buffer size =\s*([\d.]+) MiB", done.stderr)
    if kv:
        out["kv_bytes"] = int(sum(float(x) for x in kv) * mib)
    if compute:
        out["compute_bytes"] = int(float(compute[-1]) * mib)
    return out


def machines(ram_gib: float, vrams: list[float]) -> list[Machine]:
    return [
        Machine(THREADS, int(ram_gib * GIB), v > 0, f"{v:g} GiB GPU" if v else "", int(v * GIB))
        for v in vrams
    ]


def table(shape: ModelShape, rams: list[float], vrams: list[float]) -> list[dict[str, Any]]:
    rows = []
    for fa in (False, True):
        for ram in rams:
            for m in machines(ram, vrams):
                p = plan(shape, m, flash_attn=fa)
                rows.append(
                    {
                        "ram_gib": ram,
                        "vram_gib": m.vram_bytes / GIB,
                        "flash_attn": fa,
                        "gpu_layers": p.gpu_layers,
                        "cpu_moe_layers": p.cpu_moe_layers,
                        "n_ctx": p.n_ctx,
                        "kv": p.kv_cache_type,
                        "vram_use_gib": p.vram_bytes / GIB,
                        "ram_use_gib": p.ram_bytes / GIB,
                        "tokens_per_s": p.expected_tokens_per_s,
                        "words": plan_in_words(p),
                        "notes": p.notes,
                    }
                )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'FA':3} {'RAM':>4} {'GPU':>4} {'layers':>6} {'exp.RAM':>7} {'context':>7} "
        f"{'KV':4} {'VRAM use':>8} {'RAM use':>7} {'tok/s':>5}  in words"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        vram = f"{r['vram_gib']:g}" if r["vram_gib"] else "-"
        print(
            f"{'on' if r['flash_attn'] else 'off':3} {r['ram_gib']:>4g} {vram:>4} "
            f"{r['gpu_layers']:>6} {r['cpu_moe_layers']:>7} {r['n_ctx']:>7} {r['kv']:4} "
            f"{r['vram_use_gib']:>8.1f} {r['ram_use_gib']:>7.1f} {r['tokens_per_s']:>5.0f}  "
            f"{r['words']}" + (f"  [{'; '.join(r['notes'])}]" if r["notes"] else "")
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--gguf", type=Path, help="a GGUF (default: the gpt-oss-20b shape file)")
    ap.add_argument("--ram", default="32,16", help="system memory, GiB (comma-separated)")
    ap.add_argument("--vram", default="0,6,8,12,16,24", help="GPU memory, GiB (0: none)")
    ap.add_argument("--no-llama", action="store_true", help="skip llama.cpp's own sizes")
    args = ap.parse_args(argv)
    if args.gguf is None:
        from tests.gpt_oss_20b_shape import gpt_oss_20b_shape_gguf

        args.gguf = gpt_oss_20b_shape_gguf()
    path: Path = args.gguf
    st = path.stat()
    print(f"{path}: {st.st_size / 1e9:.2f} GB long, {st.st_blocks * 512 / 1e6:.1f} MB on disk")
    shape = model_shape(path, read_gguf_metadata(path))
    print(
        f"shape: {shape.n_layers} layers, {shape.n_experts} experts ({shape.n_experts_used} "
        f"used), experts {shape.expert_bytes / 1e9:.2f} GB ({shape.expert_layer / 2**20:.0f} "
        f"MiB a layer), token embeddings {shape.input_bytes / 1e9:.2f} GB, output "
        f"{shape.output_bytes / 1e9:.2f} GB, other {shape.dense_layer / 2**20:.1f} MiB a "
        f"layer, vocabulary {shape.n_vocab}, {shape.n_head} heads, "
        f"{shape.kv_elems_per_token * 2 // 1024} KiB of f16 cache a token"
    )
    rams = [float(x) for x in args.ram.split(",")]
    vrams = [float(x) for x in args.vram.split(",")]
    print()
    print_table(table(shape, rams, vrams))
    if args.no_llama:
        return 0
    print("\nllama.cpp on the same file (no_alloc: nothing allocated, nothing read):")
    for fa in (False, True):
        p = plan(shape, Machine(THREADS, 32 * GIB, False), flash_attn=fa)
        probe = llama_cpp_probe(path, p.n_ctx, fa)
        print(
            f"  {probe['desc']}: {probe['size'] / 1e9:.3f} GB of tensors, "
            f"{probe['params'] / 1e9:.2f} B parameters, {probe['n_layer']} layers, "
            f"vocabulary {probe['n_vocab']}, context {p.n_ctx}, flash attention "
            f"{'on' if fa else 'off'}: KV cache {probe['kv_bytes'] / GIB:.2f} GiB "
            f"(plan {p.n_ctx * shape.kv_elems_per_token * 2 / GIB:.2f}), compute buffer "
            f"{probe['compute_bytes'] / GIB:.2f} GiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
