"""The frozen app: built with PyInstaller, then run in a clean environment.

``packaging/build_linux.sh --bundle-only --if-stale`` builds ``dist/fathom`` (a bundle
already built from the same sources, spec and installed packages is reused; a fresh build
takes about two minutes on two cores), then ``packaging/smoke_test.py`` runs it with an
empty environment (``PATH=/usr/bin:/bin``, a temporary ``HOME``, offscreen Qt): --version,
--help, doctor, and ``self-test`` with the test models (window, ingest, one answer), and
compares launch-to-window times with the source checkout. A second test downloads a chat
model and an embedding model from a local hub with the frozen app, then ingests and
searches with them.

Linux only. PyInstaller comes with the test extra (``bash .ci/setup --test``); where it
cannot be installed, set ``FATHOM_SKIP_FROZEN_TEST=1`` to skip these tests.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hub_server import HubServer

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "packaging" / "build_linux.sh"
SMOKE = REPO / "packaging" / "smoke_test.py"
SKIP_ENV = "FATHOM_SKIP_FROZEN_TEST"
GGUF_REPO, GGUF_FILE = "test/tiny-gguf", "tiny.gguf"
MINILM = "test/minilm"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get(SKIP_ENV) == "1", reason=f"{SKIP_ENV}=1"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail(
            "PyInstaller is not installed: `bash .ci/setup --test` installs it "
            f"(or set {SKIP_ENV}=1 to skip the frozen-app tests)."
        )
    proc = subprocess.run(
        ["bash", str(BUILD), "--bundle-only", "--if-stale"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    folder = REPO / "dist" / "fathom"
    assert (folder / "fathom").is_file()
    return folder


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **extra}


def assert_clean_stderr(proc: subprocess.CompletedProcess[str]) -> None:
    bad = [
        line for line in proc.stderr.splitlines() if any(w in line for w in ("Traceback", "rror"))
    ]
    assert not bad, proc.stderr


def test_frozen_app_passes_the_smoke_test(
    bundle: Path,
    gemma_gguf: Path,
    onnx_model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "smoke.json"
    cmd = [sys.executable, str(SMOKE), "--model", str(gemma_gguf)]
    cmd += ["--embedding", str(onnx_model_dir), "--bundle", str(bundle)]
    cmd += ["--source-python", sys.executable, "--json-out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, check=False)
    with capsys.disabled():  # sizes and launch times belong in the CI log
        print("\n" + proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["ok"] and not result["failures"]
    frozen, source = result["frozen_self_test"], result["source_self_test"]
    assert frozen["frozen"] is True and source["frozen"] is False
    assert frozen["top_source"] == "lighthouse.md"
    assert frozen["files"] == 3 and frozen["chunks"] >= 3 and frozen["answer_tokens"] > 0
    assert set(result["launch_to_window_median_ms"]) == {"frozen", "source"}
    assert result["sizes"]["bundle_bytes"] > 0


def _files(folder: Path) -> dict[str, bytes | Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def test_frozen_app_downloads_models_from_the_hub(
    bundle: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    """huggingface-hub resolves much of itself lazily: prove the bundle has what it needs."""
    blob = b"GGUF" + random.Random(7).randbytes(2 << 20)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "boats.md").write_text("# Boats\n\nThe ferry leaves at noon.\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    exe = str(bundle / "fathom")
    repos: dict[str, dict[str, bytes | Path]] = {
        GGUF_REPO: {GGUF_FILE: blob},
        MINILM: _files(onnx_model_dir),
    }
    with HubServer(repos) as hub:
        env = clean_env(
            home,
            HF_ENDPOINT=hub.url,
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            FATHOM_HOME=str(home / "fathom"),
        )

        def fathom(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [exe, *args], env=env, cwd=home, capture_output=True, text=True, timeout=300
            )

        pull = fathom("models", "pull", "--repo", GGUF_REPO, "--file", GGUF_FILE)
        assert pull.returncode == 0, pull.stdout + pull.stderr
        assert (home / "fathom" / "models" / GGUF_FILE).read_bytes() == blob
        assert_clean_stderr(pull)

        ingest = fathom("ingest", str(docs), "--embedding", MINILM, "--json")
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        assert json.loads(ingest.stdout)["added"] == 1
        assert_clean_stderr(ingest)

    ask = fathom("ask", "When does the ferry leave?", "--retrieve-only", "--json")
    assert ask.returncode == 0, ask.stdout + ask.stderr
    [source] = json.loads(ask.stdout)["sources"]
    assert source["path"] == str(docs / "boats.md")
    assert_clean_stderr(ask)
