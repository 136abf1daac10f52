"""Embedding speed on the CPU: today's fp32 ONNX session against ONNX Runtime's graph
optimisations and int8 dynamic quantisation of the same model, on the same chunks.

    python -m tests.bench.bench_embed_variants --embedding MODEL_DIR [--corpus DIR]
        [--sample 512] [--cores 2] [--rounds 3] [--out DIR]

Variants, each written once into ``--out`` (default: a temporary folder) as a copy of the
model folder with its own ``onnx/model.onnx``:
- ``fp32``: the model as it is (ONNX Runtime applies its default ORT_ENABLE_ALL
  optimisations when it loads it, as Fathom's session does).
- ``ort-all saved``: the graph ORT_ENABLE_ALL makes, saved (``optimized_model_filepath``)
  and loaded again: the same graph, without the optimisation at load.
- ``transformers``: ``onnxruntime.transformers.optimizer.optimize_model`` (model type
  bert): attention, LayerNorm, GELU and embedding fusions.
- ``int8``: ``onnxruntime.quantization.quantize_dynamic`` (int8 weights, activations
  quantised per batch at run time; VNNI instructions where the CPU has them).
- ``transformers + int8``: the fused graph, quantised.
- ``int8 per-channel``: as ``int8``, each weight with one scale per output column.
- ``int8 matmul``, ``int8 matmul per-channel`` (``reduce-range``: 7-bit weights),
  ``transformers + int8 matmul per-channel``: only the MatMuls quantised; the word
  embeddings (Gather) and any fused attention stay fp32.

The chunks are ``--sample`` chunk texts of the corpus cut as the ingestion pipeline cuts
them (evenly spread), embedded as documents by Fathom's OnnxEmbedder with ``--cores``
threads (the process is pinned to that many CPUs). Each variant runs ``--rounds`` times,
interleaved with the others; the best round counts (the machine may be shared). "CPU s"
is the least CPU time of the process in a round: on a loaded machine the wall time hides
what a variant costs, its CPU time much less so (with one thread, no spinning
worker counts). Cosine is each variant's vector against fp32's for the same text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.embeddings.onnx import ONNX_FILES, OnnxEmbedder

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _onnx_path(folder: Path) -> Path:
    return next(folder / p for p in ONNX_FILES if (folder / p).exists())


def variant_folder(src: Path, dest: Path, make: Callable[[Path, Path], None]) -> Path:
    """A copy of the model folder ``src`` whose onnx/model.onnx ``make(src_onnx, dest_onnx)``
    writes (kept if it is there already)."""
    target = dest / "onnx" / "model.onnx"
    if target.exists():
        return dest
    shutil.copytree(
        src, dest, ignore=shutil.ignore_patterns("*.onnx", "*.onnx_data", "*.safetensors")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    make(_onnx_path(src), target)
    return dest


def copy_model(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)


def ort_all_saved(src: Path, dest: Path) -> None:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = str(dest)
    ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])


def transformers_optimized(src: Path, dest: Path) -> None:
    import json

    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((src.parents[1] / "config.json").read_text(encoding="utf-8"))
    model = optimize_model(
        str(src),
        model_type="bert",
        num_heads=int(config.get("num_attention_heads", 0)),
        hidden_size=int(config.get("hidden_size", 0)),
    )
    model.save_model_to_file(str(dest))
    print(f"  transformers fusions: {model.get_fused_operator_statistics()}", flush=True)


def int8_dynamic(src: Path, dest: Path, **options: Any) -> None:
    """``quantize_dynamic`` with its defaults, or ``options`` (op_types_to_quantize,
    per_channel, reduce_range, nodes_to_exclude)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # a fused graph has com.microsoft operators, whose outputs shape inference cannot type
    extra = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(
        str(src), str(dest), weight_type=QuantType.QInt8, extra_options=extra, **options
    )


def int8_per_channel(src: Path, dest: Path) -> None:
    """The default operators, weights with one scale per output column."""
    int8_dynamic(src, dest, per_channel=True)


def int8_matmul(src: Path, dest: Path) -> None:
    """Only the MatMuls with constant weights: the word embeddings (Gather) stay fp32."""
    int8_dynamic(src, dest, op_types_to_quantize=["MatMul"])


def int8_matmul_per_channel(src: Path, dest: Path) -> None:
    """MatMuls only, one scale per output column of each weight."""
    int8_dynamic(src, dest, op_types_to_quantize=["MatMul"], per_channel=True)


def int8_matmul_per_channel_reduced(src: Path, dest: Path) -> None:
    """As above, with 7-bit weights (``reduce_range``: no saturation without VNNI)."""
    int8_dynamic(src, dest, op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=True)


def transformers_int8(src: Path, dest: Path) -> None:
    fused = dest.with_name("fused.onnx")
    transformers_optimized(src, fused)
    int8_dynamic(fused, dest)
    fused.unlink()


def transformers_int8_matmul_per_channel(src: Path, dest: Path) -> None:
    """The fused graph with its MatMuls quantised per channel; its Attention and
    EmbedLayerNormalization operators stay fp32."""
    fused = dest.with_name("fused.onnx")
    transformers_optimized(src, fused)
    int8_dynamic(fused, dest, op_types_to_quantize=["MatMul"], per_channel=True)
    fused.unlink()


VARIANTS: dict[str, Callable[[Path, Path], None]] = {
    "fp32": copy_model,
    "ort-all saved": ort_all_saved,
    "transformers": transformers_optimized,
    "int8": int8_dynamic,
    "transformers + int8": transformers_int8,
    "int8 per-channel": int8_per_channel,
    "int8 matmul": int8_matmul,
    "int8 matmul per-channel": int8_matmul_per_channel,
    "int8 matmul per-channel reduce-range": int8_matmul_per_channel_reduced,
    "transformers + int8 matmul per-channel": transformers_int8_matmul_per_channel,
}


def measure(
    folders: dict[str, Path], texts: Sequence[str], cores: int, rounds: int
) -> dict[str, dict[str, Any]]:
    embedders = {
        name: OnnxEmbedder(f, threads=cores, accelerate=False) for name, f in folders.items()
    }
    best = dict.fromkeys(folders, float("inf"))
    best_cpu = dict.fromkeys(folders, float("inf"))
    vectors: dict[str, list[Any]] = {}
    for e in embedders.values():
        e.encode_documents(list(texts[:8]))  # warm-up
    for _ in range(rounds):
        for name, e in embedders.items():
            t0, c0 = time.perf_counter(), time.process_time()
            vectors[name] = e.encode_documents(list(texts))
            best[name] = min(best[name], time.perf_counter() - t0)
            best_cpu[name] = min(best_cpu[name], time.process_time() - c0)
    ref = vectors["fp32"]
    out = {}
    for name in folders:
        cos = np.array([float(np.dot(a, b)) for a, b in zip(vectors[name], ref, strict=True)])
        size = _onnx_path(folders[name]).stat().st_size
        out[name] = {
            "seconds": best[name],
            "texts_per_s": len(texts) / best[name],
            "speedup": best["fp32"] / best[name],
            "cpu_seconds": best_cpu[name],
            "cpu_speedup": best_cpu["fp32"] / best_cpu[name],
            "cos_mean": float(cos.mean()),
            "cos_min": float(cos.min()),
            "mb": size / 1e6,
        }
    return out


def print_table(results: dict[str, dict[str, Any]], n: int, cores: int) -> None:
    head = "| MB | s | texts/s | speedup | CPU s | CPU speedup | cos mean | cos min |"
    print(f"| variant ({n} chunks, {cores} threads) {head}")
    print("|---" * 9 + "|")
    for name, r in results.items():
        print(
            f"| {name} | {r['mb']:.1f} | {r['seconds']:.2f} | {r['texts_per_s']:.1f} | "
            f"{r['speedup']:.2f}x | {r['cpu_seconds']:.2f} | {r['cpu_speedup']:.2f}x | "
            f"{r['cos_mean']:.5f} | {r['cos_min']:.5f} |"
        )
    if hasattr(os, "getloadavg"):
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    from tests.bench.bench_ingest import corpus_texts, pin_cores

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", required=True, type=Path, help="ONNX model folder")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "milvus-docs-2.4")
    ap.add_argument("--sample", type=int, default=512, help="chunks to embed")
    ap.add_argument("--cores", type=int, default=2, help="CPUs to pin to (0: no pinning)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, help="keep the variant folders here")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args(argv)
    cores = pin_cores(args.cores)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        folders = {}
        for name in ["fp32", *(v for v in args.variants.split(",") if v and v != "fp32")]:
            t0 = time.perf_counter()
            folders[name] = variant_folder(
                args.embedding, out / name.replace(" ", ""), VARIANTS[name]
            )
            print(f"{name}: {folders[name]} ({time.perf_counter() - t0:.1f} s)", flush=True)
        texts = corpus_texts(args.corpus, OnnxEmbedder(args.embedding, threads=cores), args.sample)
        chars = sum(len(t) for t in texts) / max(1, len(texts))
        print(
            f"{len(texts)} chunks of {args.corpus}, {chars:.0f} characters on average", flush=True
        )
        results = measure(folders, texts, cores, args.rounds)
    print_table(results, len(texts), cores)
    return results


if __name__ == "__main__":
    main()
    sys.stdout.flush()
