"""A GGUF with gpt-oss-20b's real tensor table and a sparse data section.

Its header and tensor table are those of ``gpt-oss-20b-mxfp4.gguf`` (the 12.1 GB file
``fathom models pull`` fetches) as far as its published configuration and llama.cpp's
converter fix them; its tensor data is a hole: the file is about 12.1 GB long and takes a
few MB of disk (a sparse file). So ``desktop.core.llm.hardware`` plans with the real
sizes, and llama.cpp reads the header, the vocabulary and the tensor table (it checks
every tensor lies inside the file), without 12 GB on disk. Its weights read as zeros:
nothing is run on it.

From the published configuration (``openai/gpt-oss-20b``'s config.json): 24 layers, 32
experts of which 4 are used, hidden size 2880, expert feed-forward 2880, 64 query and 8
key/value heads of 64, a 201,088-token vocabulary, sliding window 128 on every other
layer, 131,072 tokens of context (YaRN x32 over 4,096), RoPE base 150,000.

Tensor names and shapes follow llama.cpp (``src/llama-arch.cpp``, the gpt-oss model
loader), and the types follow its converter (``convert_hf_to_gguf.py``): the experts are
MXFP4 (17 bytes for 32 weights) as published; 1-D tensors (norms, biases, attention
sinks) and the router (``ffn_gate_inp``) stay F32, as the converter always keeps them.
Assumed: the other 2-D weights (token embeddings, output, attention q/k/v/o) are Q8_0.
That is what llama.cpp's MXFP4_MOE file type does to them, and it adds up to the published
size: 12.10 GB against the listed 12.1 GB (BF16 there would make 13.8 GB, F16 the same).
The vocabulary has the real size and the real harmony special tokens at their real ids
(199998 onwards); its other entries are byte-level BPE tokens learnt from a small text
and fillers, so tokenizing works but is not o200k's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.tiny_gpt_oss import CORPUS, REAL_FIRST_SPECIAL, SPECIALS, byte_symbols, learn_merges

VERSION = 1  # bump when the file changes, so cached copies are rebuilt
N_LAYER = 24
N_EMBD = 2880
N_HEAD = 64
N_HEAD_KV = 8
HEAD_DIM = 64
N_EXPERT = 32
N_EXPERT_USED = 4
N_FF_EXP = 2880
N_VOCAB = 201_088
SLIDING_WINDOW = 128
CONTEXT_LENGTH = 131_072
YARN_FACTOR = 32.0
ROPE_BASE = 150_000.0
N_MERGES = 235
PUBLISHED_BYTES = 12.1e9  # gpt-oss-20b-mxfp4.gguf, as the hub lists it


def vocabulary() -> tuple[list[str], list[int], list[str]]:
    """201,088 tokens (bytes, merges, fillers, then harmony's specials and reserved ids at
    their real places), their types and the merges."""
    import gguf

    merges = learn_merges(CORPUS, N_MERGES)
    tokens = byte_symbols() + [a + b for a, b in merges]
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    fillers = REAL_FIRST_SPECIAL - len(tokens)
    tokens += [f"<|filler_{i}|>" for i in range(fillers)]
    types += [int(gguf.TokenType.UNUSED)] * fillers
    for token_id in range(REAL_FIRST_SPECIAL, N_VOCAB):
        offset = token_id - REAL_FIRST_SPECIAL
        tokens.append(SPECIALS.get(offset, f"<|reserved_{token_id}|>"))
        types.append(int(gguf.TokenType.CONTROL))
    assert len(tokens) == N_VOCAB and len(set(tokens)) == N_VOCAB
    return tokens, types, [f"{a} {b}" for a, b in merges]


def tensor_table() -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape in numpy order, i.e. ggml's ne reversed, type) of every tensor."""
    q_dim, kv_dim = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    table = [
        ("token_embd.weight", (N_VOCAB, N_EMBD), "Q8_0"),
        ("output_norm.weight", (N_EMBD,), "F32"),
        ("output.weight", (N_VOCAB, N_EMBD), "Q8_0"),
    ]
    for i in range(N_LAYER):
        blk = f"blk.{i}."
        table += [
            (blk + "attn_norm.weight", (N_EMBD,), "F32"),
            (blk + "post_attention_norm.weight", (N_EMBD,), "F32"),
            (blk + "attn_q.weight", (q_dim, N_EMBD), "Q8_0"),
            (blk + "attn_q.bias", (q_dim,), "F32"),
            (blk + "attn_k.weight", (kv_dim, N_EMBD), "Q8_0"),
            (blk + "attn_k.bias", (kv_dim,), "F32"),
            (blk + "attn_v.weight", (kv_dim, N_EMBD), "Q8_0"),
            (blk + "attn_v.bias", (kv_dim,), "F32"),
            (blk + "attn_output.weight", (N_EMBD, q_dim), "Q8_0"),
            (blk + "attn_output.bias", (N_EMBD,), "F32"),
            (blk + "attn_sinks.weight", (N_HEAD,), "F32"),
            (blk + "ffn_gate_inp.weight", (N_EXPERT, N_EMBD), "F32"),
            (blk + "ffn_gate_inp.bias", (N_EXPERT,), "F32"),
            (blk + "ffn_gate_exps.weight", (N_EXPERT, N_FF_EXP, N_EMBD), "MXFP4"),
            (blk + "ffn_gate_exps.bias", (N_EXPERT, N_FF_EXP), "F32"),
            (blk + "ffn_up_exps.weight", (N_EXPERT, N_FF_EXP, N_EMBD), "MXFP4"),
            (blk + "ffn_up_exps.bias", (N_EXPERT, N_FF_EXP), "F32"),
            (blk + "ffn_down_exps.weight", (N_EXPERT, N_EMBD, N_FF_EXP), "MXFP4"),
            (blk + "ffn_down_exps.bias", (N_EXPERT, N_EMBD), "F32"),
        ]
    return table


def tensor_nbytes(shape: tuple[int, ...], type_name: str) -> int:
    import gguf

    block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[type_name]]
    elems = int(np.prod(shape))
    assert shape[-1] % block == 0
    return elems // block * size


def build_gpt_oss_20b_shape(path: Path) -> Path:
    """Write the file to ``path``: header, vocabulary and tensor table, then a hole as
    long as the tensor data."""
    import gguf

    path = Path(path)
    tokens, types, merges = vocabulary()
    w = gguf.GGUFWriter(str(path), "gpt-oss")
    w.add_name("gpt-oss-20b shape (tensor table only, data is a hole; for tests)")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_MXFP4_MOE)
    w.add_context_length(CONTEXT_LENGTH)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF_EXP)
    w.add_expert_feed_forward_length(N_FF_EXP)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_key_length(HEAD_DIM)
    w.add_value_length(HEAD_DIM)
    w.add_rope_freq_base(ROPE_BASE)
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(YARN_FACTOR)
    w.add_rope_scaling_orig_ctx_len(int(CONTEXT_LENGTH / YARN_FACTOR))
    w.add_layer_norm_rms_eps(1e-5)
    w.add_expert_count(N_EXPERT)
    w.add_expert_used_count(N_EXPERT_USED)
    w.add_sliding_window(SLIDING_WINDOW)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-4o")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    first = REAL_FIRST_SPECIAL
    ids = {text: first + offset for offset, text in SPECIALS.items()}
    w.add_bos_token_id(ids["<|startoftext|>"])
    w.add_eos_token_id(ids["<|return|>"])
    w.add_eot_token_id(ids["<|endoftext|>"])
    w.add_pad_token_id(ids["<|endoftext|>"])
    w.add_add_bos_token(False)
    data_bytes = 0
    for name, shape, type_name in tensor_table():
        nbytes = tensor_nbytes(shape, type_name)
        qtype = gguf.GGMLQuantizationType[type_name]
        dtype = np.float32 if type_name == "F32" else np.uint8
        byte_shape = (
            shape if type_name == "F32" else (*shape[:-1], nbytes // int(np.prod(shape[:-1])))
        )
        w.add_tensor_info(
            name, byte_shape, np.dtype(dtype), nbytes, None if type_name == "F32" else qtype
        )
        data_bytes += gguf.GGUFWriter.ggml_pad(nbytes, w.data_alignment)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    assert w.fout is not None
    out = w.fout[0]
    data_start = gguf.GGUFWriter.ggml_pad(out.tell(), w.data_alignment)
    out.truncate(data_start + data_bytes)  # the data: a hole, no blocks on disk
    w.close()
    return path


def gpt_oss_20b_shape_gguf() -> Path:
    """The file, built once into the test cache (``tests/models.py``'s ``cache_dir``)."""
    import os

    from tests.models import cache_dir

    dest = cache_dir() / f"gpt-oss-20b-shape-v{VERSION}.gguf"
    if not dest.is_file():
        partial = dest.with_name(f"{dest.name}.{os.getpid()}.partial")
        try:
            build_gpt_oss_20b_shape(partial)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    return dest
