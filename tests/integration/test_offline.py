"""The offline guarantee: with its models on disk, Fathom opens no network connection.

The commands run as people run them (the CLI in a subprocess) with two barriers:

- ``unshare -rn``: a network namespace of their own with only a loopback interface, so
  nothing, native code included, can reach another machine;
- ``tests/offline/sitecustomize.py`` on ``PYTHONPATH``: an audit hook in every Python
  process that refuses and records each name lookup or connection that is not local
  (a refused attempt that the app silently survives still fails the test).

HF_HUB_OFFLINE is not set for these runs: Fathom itself must not try.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import REPO, fathom

GUARD = REPO / "tests" / "offline"
CORPUS_FILES = ["about/overview.md", "about/limitations.md"]


def _own_network_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rn", "ip", "link", "set", "lo", "up"], capture_output=True, check=False
    )
    return probe.returncode == 0


needs_netns = pytest.mark.skipif(
    not _own_network_works(), reason="no user/network namespaces here (unshare -rn)"
)


def _offline(
    *args: str | Path, log: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``fathom ARGS`` with no network but loopback, under the audit hook."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    full.pop("TRANSFORMERS_OFFLINE", None)
    full.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])),
        FATHOM_NET_LOG=str(log),
        **(env or {}),
    )
    script = 'ip link set lo up && exec "$@"'
    cmd = ["unshare", "-rn", "sh", "-c", script, "sh", sys.executable, "-m", "desktop"]
    return subprocess.run(
        [*cmd, *map(str, args)],
        capture_output=True,
        text=True,
        env=full,
        cwd=REPO,
        timeout=600,
        check=False,
    )


def _attempts(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture
def docs(corpus: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    for name in CORPUS_FILES:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, target)
    # A scan: read by OCR, whose models must come from the wheel, not the network.
    shutil.copyfile(
        REPO / "tests" / "data" / "documents" / "good" / "scanned.pdf", folder / "scan.pdf"
    )
    return folder


@needs_netns
@pytest.mark.slow
def test_ingest_and_ask_with_the_network_blocked(
    docs: Path, gemma_gguf: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    """After ``models use``, ``fathom ask`` without ``--model`` answers with that model,
    and neither ingestion nor the answer tries to reach the network."""
    assert fathom("config", "set", "embedding.model", onnx_model_dir).returncode == 0
    for key, value in (("llm.max_tokens", "24"), ("llm.n_ctx", "4096"), ("rag.top_k", "2")):
        assert fathom("config", "set", key, value).returncode == 0  # a short answer
    log = tmp_path / "network-attempts.log"

    ingest = _offline("ingest", docs, "--json", log=log)
    assert ingest.returncode == 0, ingest.stderr
    assert '"added": 3' in ingest.stdout
    before = _offline("ask", "What is Milvus?", "--json", log=log)
    assert before.returncode == 1 and "No chat model is installed" in before.stderr

    used = fathom("models", "use", gemma_gguf)
    assert used.returncode == 0, used.stderr
    ask = _offline("ask", "What is Milvus?", "--json", log=log)

    assert ask.returncode == 0, ask.stderr
    assert '"answer": "' in ask.stdout and '"answer": ""' not in ask.stdout
    assert '"sources": [{' in ask.stdout
    assert _attempts(log) == []


@needs_netns
def test_the_guard_catches_a_connection_attempt(tmp_path: Path) -> None:
    """The same barriers around a run that does go online (an embedding model by hub id
    that is not on disk, hub offline mode off): the attempt is caught and recorded."""
    log = tmp_path / "network-attempts.log"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nSome text.\n")

    run = _offline(
        "ingest",
        docs,
        "--embedding",
        "sentence-transformers/all-MiniLM-L6-v2",
        log=log,
        env={"HF_HUB_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf")},
    )

    assert run.returncode != 0
    attempts = _attempts(log)
    assert attempts, run.stderr
    assert any("huggingface.co" in a for a in attempts), attempts
