"""The whole path on real parts: Milvus Lite on disk, ONNX embeddings, the gemma3 GGUF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import fathom, fathom_json

TUTORIAL_QUESTION = "How is data stored in milvus?"


@pytest.fixture(scope="module")
def faq_library(
    tmp_path_factory: pytest.TempPathFactory, onnx_model_dir: Path, corpus: Path
) -> Path:
    """A base directory whose default store holds the Milvus FAQ."""
    base = tmp_path_factory.mktemp("faq-home")
    summary = fathom_json(
        "--base-dir", base, "ingest", corpus / "faq", "--embedding", onnx_model_dir
    )
    assert summary["added"] == 4
    assert summary["failed"] == []
    assert summary["chunks"] > 30
    assert set(summary) == {
        "added",
        "updated",
        "unchanged",
        "removed",
        "failed",
        "chunks",
        "seconds",
    }
    return base


def test_tutorial_question_finds_where_milvus_stores_data_first(faq_library: Path) -> None:
    out = fathom_json("--base-dir", faq_library, "ask", TUTORIAL_QUESTION, "--retrieve-only")
    assert set(out) == {"answer", "reasoning", "sources", "citations", "timings"}
    top = out["sources"][0]
    assert top["heading"].endswith("Where does Milvus store data?")
    assert "Inserted data, including vector data" in top["text"]
    assert top["path"].endswith("product_faq.md")
    assert [s["rank"] for s in out["sources"]] == list(range(1, 6))
    assert set(top) == {"rank", "path", "page", "page_end", "kind", "heading", "score", "text"}
    assert (top["page_end"], top["kind"]) == (0, "")  # Markdown: no pages, a passage
    assert out["answer"] == "" and out["timings"]["ttft_ms"] is None
    assert out["timings"]["retrieve_ms"] > 0


def test_second_ingest_embeds_nothing(
    faq_library: Path, onnx_model_dir: Path, corpus: Path
) -> None:
    before = fathom_json(
        "--base-dir", faq_library, "ask", "flush", "--retrieve-only", "--top-k", "1"
    )
    again = fathom_json(
        "--base-dir", faq_library, "ingest", corpus / "faq", "--embedding", onnx_model_dir
    )
    assert (again["added"], again["updated"], again["unchanged"], again["removed"]) == (0, 0, 4, 0)
    after = fathom_json(
        "--base-dir", faq_library, "ask", "flush", "--retrieve-only", "--top-k", "1"
    )
    assert after["sources"] == before["sources"]


def test_ask_streams_an_answer_with_gemma(faq_library: Path, gemma_gguf: Path) -> None:
    env = {"FATHOM_LLM__MAX_TOKENS": "48", "FATHOM_LLM__N_CTX": "4096"}
    ask = (
        "--base-dir",
        faq_library,
        "ask",
        TUTORIAL_QUESTION,
        "--model",
        gemma_gguf,
        "--top-k",
        "3",
    )
    out = fathom_json(*ask, env=env)
    assert out["answer"].strip()
    t = out["timings"]
    assert t["tokens"] > 1 and t["ttft_ms"] > 0 and t["tokens_per_s"] > 0
    assert len(out["sources"]) == 3

    proc = fathom(*ask, env=env)
    assert proc.returncode == 0, proc.stderr
    answer_part, _, sources_part = proc.stdout.partition("\nSources:\n")
    assert answer_part.strip()
    assert "[1] " in sources_part and "Where does Milvus store data?" in sources_part
    assert proc.stderr == ""


def test_schema_makes_the_answer_json(faq_library: Path, gemma_gguf: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "answer": {"type": "string", "maxLength": 80},
                    "sources": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
                },
                "required": ["answer", "sources"],
            }
        )
    )
    proc = fathom(
        "--base-dir",
        faq_library,
        "ask",
        TUTORIAL_QUESTION,
        "--model",
        gemma_gguf,
        "--top-k",
        "2",
        "--schema",
        schema,
        env={"FATHOM_LLM__MAX_TOKENS": "120"},
    )
    assert proc.returncode == 0, proc.stderr
    value = json.loads(proc.stdout)
    assert set(value) == {"answer", "sources"} and isinstance(value["sources"], list)


def test_ask_without_a_library_says_what_to_do() -> None:
    proc = fathom("ask", "anything", "--retrieve-only")
    assert proc.returncode == 1
    assert "holds no documents yet" in proc.stderr and "fathom ingest" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ask_without_a_chat_model_says_what_to_do(faq_library: Path) -> None:
    proc = fathom("--base-dir", faq_library, "ask", "anything")
    assert proc.returncode == 1
    assert "No chat model is installed" in proc.stderr and "fathom models pull" in proc.stderr


def test_ask_with_a_file_that_is_not_gguf(faq_library: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_text("not a model")
    proc = fathom("--base-dir", faq_library, "ask", "anything", "--model", bogus)
    assert proc.returncode == 1
    assert "is not a GGUF model file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_doctor_reports_store_and_models(faq_library: Path, gemma_gguf: Path) -> None:
    report = fathom_json("--base-dir", faq_library, "doctor")
    assert report["store"]["status"] == "ok"
    assert report["store"]["chunks"] > 30 and report["store"]["files"] == 4
    assert report["store"]["size_bytes"] > 0
    assert report["gpu_offload"] in ("yes", "no (CPU-only build)")
    assert report["packages"]["llama-cpp-python"] != "not installed"
    assert report["models"]["chat_model"] is None
    text = fathom("--base-dir", faq_library, "doctor", env={"FATHOM_LLM__MODEL": str(gemma_gguf)})
    assert text.returncode == 0
    assert f"Chat model: {gemma_gguf}" in text.stdout
    assert "GPU offload (llama.cpp):" in text.stdout
