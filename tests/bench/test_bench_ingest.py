"""The ingestion and retrieval benchmarks run end to end at tiny sizes: real files, the real
model, real Milvus Lite stores and a real ``milvus-lite server``. ``--cores 0``: the test
process is not pinned to fewer CPUs (that would outlast the test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bench import bench_ingest, bench_recall, bench_retrieval

SMALL = (
    "tutorials/text_search_engine.md",
    "tutorials/recommendation_system.md",
    "tutorials/question_answering_system.md",
)


@pytest.fixture
def small_corpus(tmp_path: Path, corpus: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in SMALL:
        shutil.copy(corpus / name, docs / Path(name).name)
    return docs


@pytest.mark.slow
def test_ingest_bench_measures_both_modes_on_the_same_chunks(
    small_corpus: Path, onnx_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--embedding", str(onnx_model_dir), "--corpus", str(small_corpus), "--cores", "0"]
    result = bench_ingest.main([*args, "--embed-sample", "3"])
    out = capsys.readouterr().out
    assert result["same_chunks"] is True
    piped, seq = result["pipelined"].summary, result["sequential"].summary
    assert piped.added == seq.added == len(SMALL)
    assert piped.chunks == seq.chunks == piped.chunks_written > 0
    assert piped.bytes_read == sum(p.stat().st_size for p in small_corpus.iterdir())
    assert piped.stages["embed"] > 0 and piped.stages["read"] > 0 and piped.stages["chunk"] > 0
    texts, t_ours, t_theirs, cos = result["embed"]
    assert texts == 3 and t_ours > 0 and t_theirs > 0
    assert cos > 0.99  # pymilvus's encoding and ours give the same vectors
    assert result["reopen"][2] > 0  # the reopened store answers
    assert "| pipelined (prefetch=8) |" in out and "| sequential (prefetch=0) |" in out
    assert "batched speedup=" in out and "pipelined speedup=" in out
    assert "| 32 texts, no token budget (before) |" in out
    assert "| 32 texts within 1024 tokens (default) |" in out


@pytest.mark.slow
def test_retrieval_bench_builds_stores_and_times_both_ways(
    corpus: Path, onnx_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "--embedding",
        str(onnx_model_dir),
        "--corpus",
        str(corpus / "tutorials"),
        "--cores",
        "0",
    ]
    rows = bench_retrieval.main([*argv, "--sizes", "60", "--base", "24", "--rounds", "1"])
    out = capsys.readouterr().out
    questions = (bench_retrieval.SHARED / "eval" / "faq_dev.jsonl").read_text().split("\n")
    n = sum(1 for q in questions if q.strip())
    assert [(r.size, r.where) for r in rows] == [
        (60, "Lite, in process"),
        (60, "Lite, new process"),  # the store opened in a process started for it
        (60, "bare collection, in process"),
        (60, "gRPC server"),
    ]
    for r in rows:
        for mode in bench_retrieval.MODES:
            assert len(r.lat.ms[mode]) == n  # one round of the dev questions
            assert 0 < r.lat.p(mode, 50) <= r.lat.p(mode, 95)
    assert rows[0].build_s > 0 and rows[0].disk_mb > 0
    assert "| 60 | gRPC server |" in out and "| 60 | bare collection, in process |" in out
    assert "| 60 | Lite, new process |" in out


@pytest.mark.slow
def test_recall_bench_scores_every_pipeline_on_the_same_chunks(
    onnx_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import models

    argv = ["--embedding", str(onnx_model_dir), "--corpora", "faq", "--limit", "4"]
    argv += ["--fusions", "0.5@5", "--reranker", str(models.minilm_cross_encoder())]
    results = bench_recall.main(argv)
    out = capsys.readouterr().out
    faq = results["faq"]
    assert list(faq) == [
        "naive",
        "dense",
        "bm25 raw",
        "bm25",
        "hybrid raw",
        "hybrid",
        "hybrid w=0.5 k=5",
        "dense+rerank",
        "hybrid+rerank",
    ]
    for scores in faq.values():
        assert len(scores.ranks) == 4
        assert 0 <= scores.recall(1) <= scores.recall(5) <= scores.recall(10) <= 1
        assert scores.ms > 0
    assert faq["dense"].recall(5) >= 0.75  # the 15 dev questions are close to the FAQ's words
    assert "| faq | R@1 | R@5 | R@10 | MRR | ms/query |" in out
