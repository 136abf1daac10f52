"""Time to first token of a follow-up question, with and without the cached prefix.

    python -m tests.bench.bench_ttft --model GGUF [--embedding MODEL_DIR] [--runs 3]

A two-turn conversation over the Milvus FAQ: the first question with its sources, the
model's answer, then a second question. The second turn's prompt starts with the whole
first turn, which the llama.cpp backend keeps in its key/value cache; the baseline
clears the cache first, so the whole prompt is decoded again. Same model, same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import ingest
from desktop.core.llm.base import AnswerText, GenerationParams
from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions
from desktop.core.rag.prompt import build_messages, question_message
from desktop.core.rag.retrieve import retrieve
from desktop.core.store.milvus import MilvusStore
from tests.models import minilm_onnx

SHARED = Path(__file__).resolve().parents[3] / "shared"
FIRST, SECOND = "How is data stored in milvus?", "Does Milvus check primary keys for duplicates?"


def ttft(model: LlamaCppModel, messages: list[dict[str, str]], params: GenerationParams) -> float:
    t0 = time.perf_counter()
    for event in model.stream(messages, params):
        if isinstance(event, AnswerText):
            return (time.perf_counter() - t0) * 1000
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--model", required=True, type=Path)
    ap.add_argument("--embedding", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--top-k", type=int, default=5)
    args = ap.parse_args()
    embedder = OnnxEmbedder(args.embedding or minilm_onnx())
    params = GenerationParams(max_tokens=48, temperature=0.0)
    with tempfile.TemporaryDirectory() as tmp:
        store = MilvusStore(str(Path(tmp) / "s.db"))
        list(ingest([SHARED / "corpus" / "milvus-docs-2.4" / "faq"], store, embedder))
        s1 = retrieve(store, embedder, FIRST, args.top_k)
        s2 = retrieve(store, embedder, SECOND, args.top_k)
        store.close()
    model = LlamaCppModel(args.model, LlamaOptions(n_ctx=8192))
    first = build_messages(FIRST, s1)
    reply = "".join(e.text for e in model.stream(first, params) if isinstance(e, AnswerText))
    second = [*first, {"role": "assistant", "content": reply}, question_message(SECOND, s2)]
    warm, cold, reused, prompt = [], [], 0, 0
    for _ in range(args.runs):
        list(model.stream(first, params))  # the conversation so far is in the cache
        warm.append(ttft(model, second, params))
        reused, prompt = model.last_reused_tokens, model.last_prompt_tokens
        model.forget_cache()
        cold.append(ttft(model, second, params))
    model.close()
    w, c = statistics.median(warm), statistics.median(cold)
    print(f"model {args.model.name}; second-turn prompt {prompt} tokens, {reused} reused")
    print(f"{'second question':28}{'TTFT ms (median)':>18}{'runs':>24}")
    print(f"{'whole prompt decoded':28}{c:18.0f}{'  ' + ' '.join(f'{x:.0f}' for x in cold):>24}")
    print(f"{'cached prefix reused':28}{w:18.0f}{'  ' + ' '.join(f'{x:.0f}' for x in warm):>24}")
    print(f"speedup={c / w:.2f}x")


if __name__ == "__main__":
    main()
