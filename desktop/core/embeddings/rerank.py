"""Reranking with a cross-encoder on ONNX Runtime.

A cross-encoder reads the question and one passage together and scores how well the
passage answers it; slower than comparing vectors, so it only reorders the few dozen
candidates that dense and keyword search found. The folder is a hub-layout model such as
``cross-encoder/ms-marco-MiniLM-L6-v2`` publishes: ``tokenizer.json``, ``config.json``
and ``onnx/model.onnx`` whose output is one logit per pair (or two, of which the last is
"relevant").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from desktop.core.embeddings.onnx import BATCH_TOKENS, cpu_session, token_batches
from desktop.core.errors import ModelError

ONNX_FILES = ("onnx/model.onnx", "model.onnx")
MAX_PAIR_TOKENS = 256  # question plus passage; enough for a 200-token chunk's head


class Reranker(Protocol):
    """Scores (question, passage) pairs: higher is more relevant."""

    @property
    def model_id(self) -> str: ...

    def scores(self, question: str, passages: Sequence[str]) -> list[float]: ...


class OnnxReranker:
    """A cross-encoder reranker from a hub-layout ONNX model folder."""

    def __init__(
        self,
        folder: Path,
        *,
        model_id: str | None = None,
        batch_size: int = 16,
        batch_tokens: int = BATCH_TOKENS,
        threads: int | None = None,
        max_tokens: int = MAX_PAIR_TOKENS,
    ) -> None:
        self.folder = Path(folder)
        onnx_path = next((self.folder / p for p in ONNX_FILES if (self.folder / p).exists()), None)
        tok_path = self.folder / "tokenizer.json"
        if onnx_path is None or not tok_path.exists():
            raise ModelError(
                f"{self.folder} is not an ONNX reranker model folder.",
                "It needs tokenizer.json and onnx/model.onnx, as the hub's "
                "cross-encoder/ms-marco-MiniLM-L6-v2 publishes them.",
            )
        from tokenizers import Tokenizer

        self.model_id = model_id or self.folder.name
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self._tokenizer = Tokenizer.from_file(str(tok_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens, strategy="only_second")
        try:
            self._session = cpu_session(onnx_path, threads)
        except Exception as exc:  # a truncated or foreign file
            raise ModelError(
                f"The reranker {onnx_path} could not be loaded: {exc}",
                "Download it again (fathom models pull --reranker), or turn reranking off: "
                "fathom config set rag.rerank false",
            ) from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._labels = _num_labels(self.folder / "config.json")

    def scores(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        encodings = self._tokenizer.encode_batch([(question, p) for p in passages])
        out = [0.0] * len(encodings)
        lengths = [len(e.ids) for e in encodings]
        for idx in token_batches(lengths, self.batch_size, self.batch_tokens):
            for i, score in zip(idx, self._run([encodings[i] for i in idx]), strict=True):
                out[i] = score
        return out

    def _run(self, batch: Sequence[Any]) -> list[float]:
        width = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        types = np.zeros((len(batch), width), dtype=np.int64)
        for row, enc in enumerate(batch):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = types
        logits = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        if logits.ndim == 2 and logits.shape[1] >= 2 and self._labels >= 2:
            logits = logits[:, -1]
        return [float(x) for x in logits.reshape(len(batch), -1)[:, 0]]


def _num_labels(config: Path) -> int:
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 1
    labels = data.get("id2label") if isinstance(data, dict) else None
    return len(labels) if isinstance(labels, dict) and labels else 1
