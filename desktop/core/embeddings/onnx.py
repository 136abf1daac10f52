"""Dense embeddings with ONNX Runtime from a hub-layout model folder.

The folder is what ``sentence-transformers/all-MiniLM-L6-v2`` or ``BAAI/bge-small-en-v1.5``
publish: ``tokenizer.json``, configs, ``1_Pooling/config.json`` and ``onnx/model.onnx``.
Texts are tokenized once, sorted by length and run in batches padded only to the longest
text of each batch; the pooling follows the folder's config and vectors are normalised.

The session runs on the accelerator ONNX Runtime has on this machine (CUDA with
onnxruntime-gpu, CoreML on macOS, DirectML on Windows), the CPU otherwise or when that
session cannot be created (``session``).

Prompts come from ``config_sentence_transformers.json`` as sentence-transformers picks
them: queries get the ``query`` prompt, documents the first of ``document``, ``passage``
and ``corpus`` the model names (e5 models: "query: " and "passage: "), either falling back
to the one ``default_prompt_name`` names. A model whose folder names no prompts can be
given them (``prompts=``, e.g. from the catalog for a hub id Fathom knows).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from desktop.core.errors import ModelError

ONNX_FILES = ("onnx/model.onnx", "model.onnx")
Vector = npt.NDArray[np.float32]
# Tokens, padding included, that one ONNX run embeds. Attention's memory grows with the
# batch times its longest text squared, and ONNX Runtime keeps its peak; on 2 cores small
# runs are also faster (cache). 256 Milvus-docs chunks (median 163 tokens), runs of 32
# against runs within 1,024 tokens (tests/bench/bench_ingest.py, same run): MiniLM 49.2 ->
# 64.5 texts/s and +502 -> +54 MB at its peak; multilingual-e5-small 25.6 -> 32.8 texts/s.
BATCH_TOKENS = 1024


def token_batches(lengths: Sequence[int], most: int, tokens: int) -> Iterator[list[int]]:
    """The indexes of texts of these token ``lengths`` in runs for ONNX Runtime, shortest
    first so that little is padded: at most ``most`` texts a run, and at most ``tokens``
    tokens with padding (texts times the run's longest), one text at least."""
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batch and (len(batch) >= most or (len(batch) + 1) * lengths[i] > tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _fingerprint(path: Path) -> str:
    """A cheap content fingerprint: size plus the first and last MiB."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read())
    return h.hexdigest()[:12]


CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"  # the onnxruntime-gpu package
PLATFORM_PROVIDERS = {
    "darwin": "CoreMLExecutionProvider",  # Apple's Neural Engine and GPU
    "win32": "DmlExecutionProvider",  # DirectML: any DirectX 12 GPU (onnxruntime-directml)
}
PROVIDER_NAMES = {
    CPU_PROVIDER: "CPU",
    CUDA_PROVIDER: "CUDA",
    "CoreMLExecutionProvider": "CoreML",
    "DmlExecutionProvider": "DirectML",
}


def _session_options(threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.log_severity_level = 3
    return options


def cpu_session(onnx_path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime session on the CPU with ``threads`` (default: one per core), quiet."""
    import onnxruntime as ort

    options = _session_options(threads)
    return ort.InferenceSession(str(onnx_path), options, providers=[CPU_PROVIDER])


def accelerator(available: Sequence[str], platform: str | None = None) -> str | None:
    """The ONNX Runtime provider to run embeddings on besides the CPU, of those this
    onnxruntime package has (``available``): CUDA when onnxruntime-gpu is installed,
    else CoreML on macOS and DirectML on Windows (``platform``: ``sys.platform``'s
    value); None: the CPU."""
    if CUDA_PROVIDER in available:
        return CUDA_PROVIDER
    preferred = PLATFORM_PROVIDERS.get(platform or sys.platform)
    return preferred if preferred in available else None


def session(onnx_path: Path, threads: int | None = None, *, accelerate: bool = True) -> Any:
    """An ONNX Runtime session on the accelerator this machine's onnxruntime has (see
    ``accelerator``), with the CPU behind it for the operators it lacks; the CPU alone
    when there is none, when ``accelerate`` is off, or when the accelerated session cannot
    be created (a missing driver or runtime library)."""
    if accelerate:
        import onnxruntime as ort

        chosen = accelerator(ort.get_available_providers())
        if chosen:
            with contextlib.suppress(Exception):  # any failure here leaves the CPU
                return ort.InferenceSession(
                    str(onnx_path), _session_options(threads), providers=[chosen, CPU_PROVIDER]
                )
    return cpu_session(onnx_path, threads)


def running_provider(sess: Any) -> str:
    """The provider a session runs on, in words: "CUDA", "CoreML", "DirectML" or "CPU"."""
    first = str((sess.get_providers() or [CPU_PROVIDER])[0])
    return PROVIDER_NAMES.get(first, first.removesuffix("ExecutionProvider"))


TOKENIZE_PIECE_CHARS = 16_384
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # sentence-transformers' order


def model_prompts(folder: Path, given: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The query and the document prompt of a model folder (either may be empty), from its
    ``config_sentence_transformers.json``; ``given`` stands in for the prompts when the
    folder names none."""
    config = _read_json(folder / "config_sentence_transformers.json")
    named = config.get("prompts")
    prompts = {str(k): str(v) for k, v in named.items()} if isinstance(named, dict) else {}
    if not prompts and given:
        prompts = dict(given)
    default = config.get("default_prompt_name")
    fallback = prompts.get(default, "") if isinstance(default, str) else ""
    query = prompts.get("query", fallback)
    document = next((prompts[n] for n in DOCUMENT_PROMPT_NAMES if n in prompts), fallback)
    return query, document


def text_pieces(text: str, size: int) -> list[tuple[int, int]]:
    """Spans covering ``text``, each at most about ``size`` characters, cut at the start of
    a run of whitespace (a line break first), so that tokenizers that split on whitespace
    see the same words as in the whole text. Short texts are one piece."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        window_end = start + size
        cut = text.rfind("\n", start + size // 2, window_end)
        if cut < 0:
            cut = text.rfind(" ", start + size // 2, window_end)
        if cut < 0:
            cut = window_end  # no whitespace at all: cut anywhere
        else:
            while cut > start + 1 and text[cut - 1].isspace():
                cut -= 1
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(text)))
    return pieces


class OnnxEmbedder:
    """pymilvus.model-compatible embedder running an ONNX export (on an accelerator where
    ONNX Runtime has one here, else on the CPU)."""

    def __init__(
        self,
        folder: Path,
        *,
        model_id: str | None = None,
        source: str | None = None,
        batch_size: int = 32,
        batch_tokens: int = BATCH_TOKENS,
        threads: int | None = None,
        prompts: Mapping[str, str] | None = None,
        accelerate: bool = True,
    ) -> None:
        """``accelerate``: run on the GPU or neural engine ONNX Runtime has here (see
        ``session``); off: the CPU. A run takes at most ``batch_size`` texts and at most
        ``batch_tokens`` tokens, padding included."""
        self.folder = Path(folder)
        onnx_path = next((self.folder / p for p in ONNX_FILES if (self.folder / p).exists()), None)
        tok_path = self.folder / "tokenizer.json"
        if onnx_path is None or not tok_path.exists():
            raise ModelError(
                f"{self.folder} is not an ONNX embedding model folder.",
                "It needs tokenizer.json and onnx/model.onnx, as the hub's "
                "sentence-transformers/all-MiniLM-L6-v2 publishes them.",
            )
        from tokenizers import Tokenizer

        self.model_id = model_id or f"{self.folder.name}@{_fingerprint(onnx_path)}"
        self.source = source or str(self.folder)  # how to find this model again
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self._max_len = self._max_length()
        # One tokenizer, untruncated (it also sizes chunks, from the reader thread: its
        # encode calls are safe in parallel); texts are cut to the model's limit after.
        # A second, truncating copy cost 290 MB more with multilingual-e5's vocabulary.
        self._tokenizer = Tokenizer.from_file(str(tok_path))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._tail = self._special_tail()
        self._pooling = self._pooling_mode()
        self.query_prompt, self.document_prompt = model_prompts(self.folder, prompts)
        self._prompt_tokens = self._tokens_added(self.document_prompt)
        self._session = session(onnx_path, threads, accelerate=accelerate)
        self.provider = running_provider(self._session)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._dim = int(_read_json(self.folder / "config.json").get("hidden_size", 0))
        if not self._dim:
            self._dim = len(self._encode(["dimension probe"])[0])

    def _max_length(self) -> int:
        st = _read_json(self.folder / "sentence_bert_config.json").get("max_seq_length")
        if isinstance(st, int) and st > 0:
            return st
        tok = _read_json(self.folder / "tokenizer_config.json").get("model_max_length")
        if isinstance(tok, int) and 0 < tok <= 8192:
            return tok
        return 512

    def _special_tail(self) -> int:
        """How many special tokens the tokenizer puts after a text ([SEP], </s>): a text
        cut to the model's limit keeps them, as the tokenizer's own truncation does."""
        mask = self._tokenizer.encode("text").special_tokens_mask
        tail = 0
        while tail < len(mask) and mask[len(mask) - 1 - tail]:
            tail += 1
        return tail

    def _cut(self, ids: list[int]) -> list[int]:
        """``ids`` within the model's input limit, its trailing special tokens kept."""
        if len(ids) <= self._max_len:
            return ids
        keep = self._max_len - self._tail
        return ids[:keep] + ids[len(ids) - self._tail :] if self._tail else ids[:keep]

    def _pooling_mode(self) -> str:
        cfg = _read_json(self.folder / "1_Pooling" / "config.json")
        for mode in ("cls_token", "max_tokens", "lasttoken", "mean_tokens"):
            if cfg.get(f"pooling_mode_{mode}"):
                return mode
        return "mean_tokens"

    @property
    def dim(self) -> int:
        return self._dim

    def _tokens_added(self, prompt: str) -> int:
        """Tokens ``prompt`` adds in front of a text (measured on a word after it, so that a
        trailing space counts as the tokenizer sees it there)."""
        if not prompt:
            return 0
        probe = "text"
        with_prompt = self._tokenizer.encode(prompt + probe, add_special_tokens=False)
        alone = self._tokenizer.encode(probe, add_special_tokens=False)
        return max(0, len(with_prompt.ids) - len(alone.ids))

    @property
    def max_tokens(self) -> int:
        """The longest document the model reads whole, in its tokens (special tokens
        included): its input limit less the document prompt's tokens. Longer texts are
        truncated, so chunks are sized under this."""
        return self._max_len - self._prompt_tokens

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each of the model's tokens in ``text`` (no special tokens).

        Long texts are tokenized in pieces cut where whitespace begins, in one
        ``encode_batch`` call: only the batch call releases the GIL while it tokenizes, and
        reading one piece's offsets is short. A long section tokenized whole on the reader
        thread held the GIL for 160 ms and more, freezing the window
        (tests/bench/bench_ui.py, 120 files)."""
        pieces = text_pieces(text, TOKENIZE_PIECE_CHARS)
        encodings = self._tokenizer.encode_batch(
            [text[a:b] for a, b in pieces], add_special_tokens=False
        )
        spans: list[tuple[int, int]] = []
        for (a, _b), encoding in zip(pieces, encodings, strict=True):
            spans.extend((a + s, a + e) for s, e in encoding.offsets)
        return spans

    def encode_documents(self, documents: list[str]) -> list[Vector]:
        return self._encode([self.document_prompt + d for d in documents])

    def encode_queries(self, queries: list[str]) -> list[Vector]:
        return self._encode([self.query_prompt + q for q in queries])

    def _encode(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        encoded = [self._cut(e.ids) for e in self._tokenizer.encode_batch(list(texts))]
        out: list[Vector | None] = [None] * len(texts)
        lengths = [len(ids) for ids in encoded]
        for idx in token_batches(lengths, self.batch_size, self.batch_tokens):
            vectors = self._run([encoded[i] for i in idx])
            for i, vec in zip(idx, vectors, strict=True):
                out[i] = vec
        return [v for v in out if v is not None]

    def _run(self, batch: list[list[int]]) -> Vector:
        width = max(len(row_ids) for row_ids in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, row_ids in enumerate(batch):
            n = len(row_ids)
            ids[row, :n] = row_ids
            mask[row, :n] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        pooled = hidden if hidden.ndim == 2 else self._pool(hidden, mask)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def _pool(self, hidden: Vector, mask: npt.NDArray[np.int64]) -> Vector:
        if self._pooling == "cls_token":
            return np.asarray(hidden[:, 0], dtype=np.float32)
        if self._pooling == "lasttoken":
            last = mask.sum(axis=1) - 1
            return np.asarray(hidden[np.arange(hidden.shape[0]), last], dtype=np.float32)
        m = mask[:, :, None].astype(np.float32)
        if self._pooling == "max_tokens":
            return np.asarray(np.where(m > 0, hidden, -1e9).max(axis=1), dtype=np.float32)
        summed = (hidden * m).sum(axis=1)
        return np.asarray(summed / np.maximum(m.sum(axis=1), 1e-9), dtype=np.float32)
