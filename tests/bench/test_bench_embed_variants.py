"""The embedding-variants benchmark end to end at a tiny size: the real model quantised to
int8 and timed against fp32 on real chunks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bench import bench_embed_variants


@pytest.mark.slow
def test_int8_is_made_and_compared_with_fp32(
    tmp_path: Path, corpus: Path, onnx_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("onnx")  # onnxruntime's quantisation tools need it
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus / "tutorials" / "text_search_engine.md", docs)
    args = ["--embedding", str(onnx_model_dir), "--corpus", str(docs), "--cores", "0"]
    out_dir = tmp_path / "variants"
    result = bench_embed_variants.main(
        [*args, "--sample", "6", "--rounds", "1", "--variants", "int8", "--out", str(out_dir)]
    )
    assert set(result) == {"fp32", "int8"}
    assert result["fp32"]["cos_min"] == pytest.approx(1.0, abs=1e-6)
    assert 0.9 < result["int8"]["cos_min"] < 1.0  # close to fp32, not the same model
    assert result["int8"]["mb"] < result["fp32"]["mb"] / 3  # int8 weights
    assert "| int8 |" in capsys.readouterr().out
