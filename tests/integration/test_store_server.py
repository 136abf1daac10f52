"""Fathom on a real Milvus gRPC server (``milvus-lite server`` on 127.0.0.1): libraries
that share a server stay apart, a server that is down or rejects the token is explained
(the token never shown), and a server killed during ingestion then restarted ends, after
one more run, with exactly the chunks of a clean run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import StoreError
from desktop.core.store.connection import GRPC_OPTIONS
from desktop.core.store.milvus import MilvusStore, check_store
from tests.cli import REPO, fathom, fathom_json
from tests.milvus_server import AuthProxy, MilvusServer, free_port

TOKEN = "root:S3cret-pw"


@pytest.fixture
def server(milvus_server: MilvusServer) -> MilvusServer:
    if not milvus_server.running:
        milvus_server.start()
    milvus_server.drop_all()
    return milvus_server


@pytest.fixture
def docs(tmp_path: Path, corpus: Path) -> Path:
    target = tmp_path / "docs"
    (target / "sub").mkdir(parents=True)
    shutil.copy(corpus / "faq" / "product_faq.md", target / "product_faq.md")
    shutil.copy(corpus / "faq" / "operational_faq.md", target / "sub" / "operational_faq.md")
    return target


@pytest.fixture
def proxy(server: MilvusServer) -> Iterator[AuthProxy]:
    p = AuthProxy(server.port, TOKEN).start()
    yield p
    p.stop()


def _snapshot(uri: str, library: str) -> tuple[int, list[str], dict[str, str]]:
    store = MilvusStore(uri, library=library)
    try:
        ids = store.chunk_ids()
        return store.count(), sorted(ids), {p: r.hash for p, r in store.files().items()}
    finally:
        store.close()


def test_libraries_on_one_server_do_not_see_each_other(
    server: MilvusServer, docs: Path, onnx_model_dir: Path
) -> None:
    emb = ("--embedding", onnx_model_dir, "--store", server.uri)
    alice = fathom_json("ingest", docs / "sub", *emb, env={"FATHOM_STORE__LIBRARY": "alice"})
    bob = fathom_json("ingest", docs / "product_faq.md", *emb, env={"FATHOM_STORE__LIBRARY": "bob"})
    assert alice["added"] == bob["added"] == 1

    question = ("ask", "Where does Milvus store data?", "--retrieve-only", "--store", server.uri)
    for name, own in (("alice", "operational_faq.md"), ("bob", "product_faq.md")):
        found = fathom_json(*question, env={"FATHOM_STORE__LIBRARY": name})
        assert {Path(s["path"]).name for s in found["sources"]} == {own}
    assert _snapshot(server.uri, "alice")[0] == alice["chunks"]
    assert _snapshot(server.uri, "bob")[0] == bob["chunks"]
    assert "library 'bob' has" in check_store(server.uri, "", "bob")
    assert "library 'carol' is empty" in check_store(server.uri, "", "carol")


def test_a_server_that_is_not_there_is_named_with_a_hint(docs: Path, onnx_model_dir: Path) -> None:
    uri = f"http://root:pw-in-uri@127.0.0.1:{free_port()}"
    shown = uri.replace("root:pw-in-uri@", "")
    env = {"FATHOM_STORE_TOKEN": TOKEN}
    proc = fathom(
        "ingest", docs, "--embedding", onnx_model_dir, "--store", uri, env=env, timeout=60
    )
    assert proc.returncode == 1
    assert f"Cannot reach the Milvus server at {shown}." in proc.stderr
    assert "hint: Check that the server is running" in proc.stderr
    assert "Traceback" not in proc.stderr
    for secret in ("pw-in-uri", TOKEN, "S3cret"):
        assert secret not in proc.stderr + proc.stdout

    report = fathom_json("doctor", "--store", uri, env=env)
    assert report["store"]["location"] == shown
    assert report["store"]["status"] == f"error: Cannot reach the Milvus server at {shown}."
    assert "pw-in-uri" not in str(report) and "S3cret" not in str(report)


def test_a_rejected_token_is_an_authentication_message(
    proxy: AuthProxy, docs: Path, onnx_model_dir: Path
) -> None:
    args = ("ingest", docs / "sub", "--embedding", onnx_model_dir, "--store", proxy.uri)
    wrong = fathom(*args, env={"FATHOM_STORE_TOKEN": "root:wrong-pw"})
    assert wrong.returncode == 1
    assert f"The Milvus server at {proxy.uri} rejected the token." in wrong.stderr
    assert "FATHOM_STORE_TOKEN" in wrong.stderr and "Traceback" not in wrong.stderr
    assert "wrong-pw" not in wrong.stderr + wrong.stdout
    none = fathom(*args)
    assert "asks for a token and none is set" in none.stderr
    assert proxy.rejected >= 2

    # The right token goes through: the same library is written and read via the proxy.
    env = {"FATHOM_STORE_TOKEN": TOKEN}
    ok = fathom_json(*args, env=env)
    assert ok["added"] == 1
    report = fathom_json("doctor", "--store", proxy.uri, env=env)
    assert report["store"]["status"] == "ok" and report["store"]["chunks"] == ok["chunks"]
    assert report["store"]["server_version"].startswith("milvus_lite")
    assert "S3cret" not in str(report)
    with pytest.raises(StoreError, match="rejected the token"):
        check_store(proxy.uri, "root:nope", "default")
    assert "library 'default' has" in check_store(proxy.uri, TOKEN, "default")


def _manifest_rows(uri: str, library: str) -> int:
    from pymilvus import MilvusClient

    try:
        client = MilvusClient(uri=uri, timeout=2, grpc_options=GRPC_OPTIONS)
    except Exception:
        return -1
    try:
        name = f"fathom_{library}_files"
        if not client.has_collection(name):
            return 0
        res = client.query(name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"])
    except Exception:
        return -1
    finally:
        client.close()


def test_server_killed_during_ingestion_then_restarted(
    server: MilvusServer, tmp_path: Path, corpus: Path, onnx_model_dir: Path
) -> None:
    many = tmp_path / "many"
    shutil.copytree(corpus / "faq", many / "faq")
    for part in ("install_SDKs", "run-milvus-docker"):
        shutil.copytree(corpus / "getstarted" / part, many / part)
    emb = ("--embedding", onnx_model_dir, "--store", server.uri)
    clean = fathom_json("ingest", many, *emb, env={"FATHOM_STORE__LIBRARY": "clean"})
    assert clean["failed"] == [] and clean["added"] == 11
    expected = _snapshot(server.uri, "clean")

    env = {**os.environ, "FATHOM_STORE__LIBRARY": "crash"}
    cmd = [sys.executable, "-m", "desktop", "ingest", str(many), *map(str, emb), "--json"]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while _manifest_rows(server.uri, "crash") < 2:
        assert proc.poll() is None, "the ingestion ended before the server could be killed"
        assert time.monotonic() < deadline, "the ingestion made no progress"
        time.sleep(0.05)
    server.kill()
    time.sleep(1.0)
    server.start()
    _out, err = proc.communicate(timeout=600)
    assert "Traceback" not in err, err[-3000:]
    if proc.returncode != 0:  # it failed at its next call (else it went on after the restart)
        assert f"Cannot reach the Milvus server at {server.uri}." in err

    final = fathom_json("ingest", many, *emb, env={"FATHOM_STORE__LIBRARY": "crash"})
    assert final["failed"] == []
    count, ids, files = _snapshot(server.uri, "crash")
    assert len(ids) == len(set(ids)), "duplicate chunks"
    assert (count, ids) == (expected[0], expected[1])
    assert {Path(p).relative_to(many) for p in files} == {
        Path(p).relative_to(many) for p in expected[2]
    }
    assert sorted(files.values()) == sorted(expected[2].values())
