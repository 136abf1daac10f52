"""Fathom against a real OpenAI-compatible server: llama-cpp-python's ``llama_cpp.server``
serving the gemma3 GGUF on 127.0.0.1, for chat (streamed) and for ``/v1/embeddings``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.llm.openai_compat import check_server
from tests.cli import fathom, fathom_json

pytestmark = pytest.mark.slow

QUESTION = "How is data stored in milvus?"
NAME = "gemma3"
N_CTX = 1024  # small prompts keep this test quick on two cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(gemma_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's base URL once ``/v1/models`` answers."""
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gemma_gguf),
            "--model_alias",
            NAME,
            "--chat_format",
            "gemma",  # the GGUF has no chat template of its own
            "--embedding",
            "true",
            "--n_ctx",
            str(N_CTX),
            # One thread: on a busy machine ggml's threads spin-wait on each other and a
            # token takes seconds instead of a tenth of one.
            "--n_threads",
            "1",
            "--n_threads_batch",
            "1",
            "--logits_all",
            "false",  # its default computes a 262k-entry row for every prompt token
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"llama_cpp.server did not start: {Path(log.name).read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def faq_home(tmp_path_factory: pytest.TempPathFactory, onnx_model_dir: Path, corpus: Path) -> Path:
    base = tmp_path_factory.mktemp("llama-server-home")
    fathom_json("--base-dir", base, "ingest", corpus / "faq", "--embedding", onnx_model_dir)
    return base


ENV = {"FATHOM_LLM__N_CTX": str(N_CTX), "FATHOM_LLM__MAX_TOKENS": "32"}


def test_check_server_sees_the_model(llama_server: str) -> None:
    assert f"serves {NAME}" in check_server(llama_server, "", NAME)


def test_ask_streams_an_answer_with_sources(llama_server: str, faq_home: Path) -> None:
    ask = ("--base-dir", faq_home, "ask", QUESTION, "--top-k", "2")
    remote = ("--llm-url", llama_server, "--llm-model", NAME)
    proc = fathom(*ask, *remote, env=ENV)
    assert proc.returncode == 0, proc.stderr
    answer, _, sources = proc.stdout.partition("\nSources:\n")
    assert answer.strip()
    assert "[1] " in sources and "Where does Milvus store data?" in sources
    assert proc.stderr == ""

    # The local engine's --json shape (tests/integration/test_cli_e2e.py checks it there).
    out = fathom_json(*ask, *remote, env=ENV)
    assert set(out) == {"answer", "reasoning", "sources", "citations", "timings"}
    assert set(out["timings"]) == {"retrieve_ms", "ttft_ms", "tokens", "tokens_per_s"}
    assert set(out["sources"][0]) == {
        *("rank", "path", "page", "page_end", "kind", "heading", "score", "text")
    }
    assert out["answer"].strip() and out["reasoning"] == "" and len(out["sources"]) == 2
    t = out["timings"]
    assert t["tokens"] > 1 and t["ttft_ms"] > 0 and t["tokens_per_s"] > 0


def test_settings_select_the_server_and_schema_gives_json(
    llama_server: str, faq_home: Path, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {"answer": {"type": "string", "maxLength": 60}},
                "required": ["answer"],
            }
        )
    )
    env = {**ENV, "FATHOM_LLM__BACKEND": "openai", "FATHOM_LLM__BASE_URL": llama_server}
    env["FATHOM_LLM__MODEL"] = NAME
    proc = fathom(
        "--base-dir", faq_home, "ask", QUESTION, "--top-k", "1", "--schema", schema, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert isinstance(json.loads(proc.stdout)["answer"], str)


def test_embeddings_from_the_server_and_the_guard(llama_server: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "etcd.md").write_text(
        "# Metadata\n\nMilvus keeps its metadata in etcd, a distributed key-value store.\n"
    )
    (docs / "bread.md").write_text(
        "# Sourdough\n\nKnead the dough, let it rise overnight, and bake it at 230 degrees.\n"
    )
    base = tmp_path / "home"
    env = {"FATHOM_EMBEDDING__BASE_URL": llama_server}
    spec = f"openai:{NAME}"
    summary = fathom_json("--base-dir", base, "ingest", docs, "--embedding", spec, env=env)
    assert summary["added"] == 2 and summary["chunks"] >= 2 and summary["failed"] == []

    # Asking rebuilds the embedder from what the store recorded: the server included.
    out = fathom_json("--base-dir", base, "ask", "Where is metadata kept?", "--retrieve-only")
    assert out["sources"][0]["path"].endswith("etcd.md")

    # The same model through another URL of the same server is another embedding: refused
    # like a local model change, naming what the library was built with.
    other = f"openai:{NAME}@{llama_server.replace('127.0.0.1', 'localhost')}"
    proc = fathom("--base-dir", base, "ingest", docs, "--embedding", other)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"built with the embedding model {spec}@{llama_server}" in proc.stderr
