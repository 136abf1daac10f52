"""``fathom doctor`` says in words how the chat model runs here and which ONNX Runtime
provider runs the embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.llm.gguf import read_gguf_metadata
from desktop.core.llm.hardware import detect_machine, model_shape, plan, plan_in_words
from tests.cli import fathom, fathom_json


@pytest.fixture(scope="module")
def shaped() -> Path:
    pytest.importorskip("gguf")
    from tests.gpt_oss_20b_shape import gpt_oss_20b_shape_gguf

    return gpt_oss_20b_shape_gguf()


def test_doctor_says_the_plan_and_the_provider(
    tmp_path: Path, shaped: Path, onnx_model_dir: Path
) -> None:
    env = {"FATHOM_LLM__MODEL": str(shaped), "FATHOM_EMBEDDING__MODEL": str(onnx_model_dir)}
    report = fathom_json("--base-dir", tmp_path, "doctor", env=env)
    expected = plan(model_shape(shaped, read_gguf_metadata(shaped)), detect_machine())
    chat_plan = report["models"]["chat_model_plan"]
    assert chat_plan["in_words"] == plan_in_words(expected)
    assert chat_plan["n_ctx"] == expected.n_ctx and chat_plan["ram_gib"] > 0
    runtime = report["models"]["embedding_runtime"]
    assert "CPU" in runtime["available"]
    assert runtime["runs_on"] in {runtime["chosen"], "CPU"}
    text = fathom("--base-dir", tmp_path, "doctor", env=env)
    assert text.returncode == 0, text.stderr
    assert f"  runs as: {plan_in_words(expected)}\n" in text.stdout
    assert f"  runs on: {runtime['runs_on']} (ONNX Runtime providers here: " in text.stdout
    assert "Traceback" not in text.stderr


def test_doctor_without_the_embedding_model_downloads_nothing(tmp_path: Path) -> None:
    env = {
        "FATHOM_EMBEDDING__MODEL": "sentence-transformers/all-MiniLM-L6-v2",
        "HF_HUB_OFFLINE": "1",
    }
    report = fathom_json("--base-dir", tmp_path, "doctor", env=env)
    runtime = report["models"]["embedding_runtime"]
    assert runtime["runs_on"] is None and runtime["chosen"]
    assert not any((tmp_path).rglob("*.onnx"))
