"""A tiny gpt-oss GGUF with random weights, written with llama.cpp's own ``gguf`` package.

It has the real model's architecture (``gpt-oss``: llama.cpp's LLM_ARCH_OPENAI_MOE), tensor
names, metadata keys and harmony special tokens, at toy sizes, so the gpt-oss code paths
(architecture detection, harmony tokens tokenized as specials, decoding, expert tensor
placement) run for real in tests. Its output is gibberish.

The layout follows llama.cpp's ``src/models/openai-moe.cpp`` (hparams and tensor shapes),
``src/llama-arch.cpp`` (names), ``src/llama-vocab.cpp`` (the ``gpt-4o`` pre-tokenizer and
the end-of-generation tokens) and ``conversion/gpt_oss.py`` (the converter's keys).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np

ARCH = "gpt-oss"
VERSION = 1  # bump when the file changes, so cached copies are rebuilt
SEED = 0x6F55
N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = 16
N_EXPERT = 4
N_EXPERT_USED = 2
N_FF_EXP = 64
SLIDING_WINDOW = 16
CONTEXT_LENGTH = 4096
YARN_FACTOR = 32.0  # gpt-oss: YaRN over an original context of context_length / 32
N_MERGES = 235
STD = 0.02

# gpt-oss's special tokens (o200k_harmony ids 199998..200018), in their real relative order;
# the gaps are reserved tokens there too.
SPECIALS: dict[int, str] = {
    0: "<|startoftext|>",
    1: "<|endoftext|>",
    4: "<|return|>",
    5: "<|constrain|>",
    7: "<|channel|>",
    8: "<|start|>",
    9: "<|end|>",
    10: "<|message|>",
    14: "<|call|>",
    20: "<|endofprompt|>",
}
REAL_FIRST_SPECIAL = 199998

# Text the merges are learnt from: harmony's boilerplate and some plain English.
CORPUS = """\
You are ChatGPT, a large language model trained by OpenAI.
Knowledge cutoff: 2024-06 Current date: 2025-01-01 Reasoning: low medium high
# Valid channels: analysis, commentary, final. Channel must be included for every message.
system developer user assistant tool functions namespace search_documents
The quick brown fox jumps over the lazy dog. Hello, hi there! How are you today?
Answer the question from the documents. Milvus is a vector database for similarity search.
The answer is in the context; cite the sources that support it. What is the capital of France?
"""
_WORD = re.compile(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+")


def byte_symbols() -> list[str]:
    """GPT-2's byte-to-unicode table: the 256 byte tokens of a byte-level BPE vocabulary."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    table: dict[int, str] = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def learn_merges(text: str, n_merges: int) -> list[tuple[str, str]]:
    """Byte-level BPE merges learnt greedily from ``text`` (ties broken by the pair)."""
    symbols = byte_symbols()
    words = Counter(tuple(symbols[b] for b in w.encode("utf-8")) for w in _WORD.findall(text))
    merges: list[tuple[str, str]] = []
    while len(merges) < n_merges:
        pairs: Counter[tuple[str, str]] = Counter()
        for word, freq in words.items():
            for pair in pairwise(word):
                pairs[pair] += freq
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged: Counter[tuple[str, ...]] = Counter()
        for word, freq in words.items():
            out: list[str] = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += freq
        words = merged
    return merges


def vocabulary() -> tuple[list[str], list[int], list[str], dict[str, int]]:
    """Tokens, their types, the merges, and the ids of the special tokens."""
    import gguf

    merges = learn_merges(CORPUS, N_MERGES)
    tokens = byte_symbols() + [a + b for a, b in merges]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    base = len(tokens)
    span = max(SPECIALS) + 1
    for offset in range(span):
        tokens.append(SPECIALS.get(offset, f"<|reserved_{REAL_FIRST_SPECIAL + offset}|>"))
        types.append(gguf.TokenType.CONTROL)
    assert len(set(tokens)) == len(tokens), "duplicate tokens"
    ids = {text: base + offset for offset, text in SPECIALS.items()}
    return tokens, [int(t) for t in types], [f"{a} {b}" for a, b in merges], ids


def build_tiny_gpt_oss(path: Path) -> Path:
    """Write the tiny gpt-oss GGUF to ``path`` and return it."""
    import gguf

    path = Path(path)
    rng = np.random.default_rng(SEED)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * STD).astype(np.float32)

    def ones(*shape: int) -> np.ndarray:
        return np.ones(shape, dtype=np.float32)

    tokens, types, merges, ids = vocabulary()
    n_vocab = len(tokens)

    w = gguf.GGUFWriter(str(path), ARCH)
    w.add_name("tiny-gpt-oss (random weights, for tests)")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_context_length(CONTEXT_LENGTH)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF_EXP)
    w.add_expert_feed_forward_length(N_FF_EXP)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_key_length(HEAD_DIM)
    w.add_value_length(HEAD_DIM)
    w.add_rope_freq_base(150000.0)
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(YARN_FACTOR)
    w.add_rope_scaling_orig_ctx_len(int(CONTEXT_LENGTH / YARN_FACTOR))
    w.add_layer_norm_rms_eps(1e-5)
    w.add_expert_count(N_EXPERT)
    w.add_expert_used_count(N_EXPERT_USED)
    w.add_sliding_window(SLIDING_WINDOW)

    # The real GGUF: gpt2 BPE, pre-tokenizer gpt-4o, bos <|startoftext|>, eos <|return|>,
    # pad <|endoftext|>; llama.cpp picks <|endoftext|> as end-of-turn and makes
    # <|endoftext|>, <|return|> and <|call|> end generation (not <|end|>).
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-4o")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(ids["<|startoftext|>"])
    w.add_eos_token_id(ids["<|return|>"])
    w.add_eot_token_id(ids["<|endoftext|>"])
    w.add_pad_token_id(ids["<|endoftext|>"])
    w.add_add_bos_token(False)

    # numpy shapes are ggml's ne reversed: ggml {n_embd, n_vocab} is (n_vocab, n_embd).
    q_dim, kv_dim = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    w.add_tensor("token_embd.weight", rand(n_vocab, N_EMBD))
    w.add_tensor("output_norm.weight", ones(N_EMBD))
    w.add_tensor("output.weight", rand(n_vocab, N_EMBD))
    for i in range(N_LAYER):
        blk = f"blk.{i}."
        layer = {
            "attn_norm.weight": ones(N_EMBD),
            "post_attention_norm.weight": ones(N_EMBD),
            "attn_q.weight": rand(q_dim, N_EMBD),
            "attn_q.bias": rand(q_dim),
            "attn_k.weight": rand(kv_dim, N_EMBD),
            "attn_k.bias": rand(kv_dim),
            "attn_v.weight": rand(kv_dim, N_EMBD),
            "attn_v.bias": rand(kv_dim),
            "attn_output.weight": rand(N_EMBD, q_dim),
            "attn_output.bias": rand(N_EMBD),
            "attn_sinks.weight": rand(N_HEAD),
            "ffn_gate_inp.weight": rand(N_EXPERT, N_EMBD),
            "ffn_gate_inp.bias": rand(N_EXPERT),
            "ffn_gate_exps.weight": rand(N_EXPERT, N_FF_EXP, N_EMBD),
            "ffn_gate_exps.bias": rand(N_EXPERT, N_FF_EXP),
            "ffn_up_exps.weight": rand(N_EXPERT, N_FF_EXP, N_EMBD),
            "ffn_up_exps.bias": rand(N_EXPERT, N_FF_EXP),
            "ffn_down_exps.weight": rand(N_EXPERT, N_EMBD, N_FF_EXP),
            "ffn_down_exps.bias": rand(N_EXPERT, N_EMBD),
        }
        for name, data in layer.items():
            w.add_tensor(blk + name, data)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
