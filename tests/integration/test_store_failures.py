"""The embedded store stays quiet and says what is wrong: no gRPC lines on the terminal
during long jobs, the real reason when the loopback interface is down, and a full disk
named as one (with the rerun completing once there is room). Each runs Fathom in a
subprocess, so what reaches its stderr is what a person would see."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.store.manifest import file_key
from desktop.core.store.milvus import MilvusStore
from tests.cli import REPO, fathom

GRPC_NOISE = re.compile(r"GOAWAY|too_many_pings|ENHANCE_YOUR_CALM|chttp2|absl::", re.I)

# A Lite store held open for ``seconds``, writing a file now and then and idle in between
# for several keepalive intervals (shortened to ``keepalive_ms`` in this process). The
# client may send every ping it wants (gRPC otherwise holds back the third one without
# data), so pings that milvus-lite's server refuses show within seconds.
HELD_OPEN = r"""
import json, sys, time
from desktop.core.store import connection, milvus
from desktop.core.store.base import FileRecord
from desktop.core.types import Chunk

uri, keepalive_ms = sys.argv[1], int(sys.argv[2])
seconds, idle = float(sys.argv[3]), float(sys.argv[4])
connection.LOOPBACK_GRPC_OPTIONS["grpc.keepalive_time_ms"] = keepalive_ms
connection.LOOPBACK_GRPC_OPTIONS["grpc.http2.max_pings_without_data"] = 0
store = milvus.MilvusStore(uri)
store.prepare("test-model", 4, "")
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    path = f"/docs/{n}.md"
    chunks = [Chunk(f"passage {n} {i}", path, i, i * 20, i * 20 + 15) for i in range(3)]
    store.replace_file(FileRecord(path, str(n), 60, 0), chunks, [[1.0, 0, 0, 0]] * 3)
    n += 1
    time.sleep(idle)
store.flush()
print(json.dumps({"written": n, "files": len(store.files()), "chunks": store.count()}))
store.close()
"""

# pymilvus's own keepalive (a ping every ``keepalive_ms``, with calls or without) on a Lite
# folder, idle for a few seconds: milvus-lite's server answers GOAWAY "too_many_pings".
PYMILVUS_DEFAULTS = r"""
import sys, time
import desktop  # what every Fathom process imports first
from pymilvus import MilvusClient

options = {"grpc.keepalive_time_ms": int(sys.argv[2]), "grpc.http2.max_pings_without_data": 0}
client = MilvusClient(uri=sys.argv[1], grpc_options=options)
client.list_collections()
time.sleep(float(sys.argv[3]))
print(client.list_collections())
client.close()
"""


def _python(script: str, *args: object, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.mark.slow
def test_a_store_held_open_through_idle_spells_stays_quiet_and_answers(tmp_path: Path) -> None:
    """20 s of writes with 4 s idle spells, keepalive shortened to 1 s, gRPC's own logging
    switched on (ERROR, which prints GOAWAY): nothing on stderr, and every write is there."""
    proc = _python(HELD_OPEN, tmp_path / "held.db", 1000, 20, 4, env=_env(GRPC_VERBOSITY="ERROR"))
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert not GRPC_NOISE.search(err), err
    assert err.strip() == ""
    result = json.loads(out.strip().splitlines()[-1])
    assert result["written"] >= 5
    assert result["files"] == result["written"]
    assert result["chunks"] == 3 * result["written"]


@pytest.mark.slow
def test_grpc_logging_is_off_in_fathom_processes_by_default(tmp_path: Path) -> None:
    """The cause, shown: with pymilvus's keepalive the server answers GOAWAY, which gRPC
    prints when its logging is on; a Fathom process has it off unless a person asks."""
    asked = _python(PYMILVUS_DEFAULTS, tmp_path / "a.db", 1000, 6, env=_env(GRPC_VERBOSITY="ERROR"))
    default = _python(PYMILVUS_DEFAULTS, tmp_path / "b.db", 1000, 6, env=_env(GRPC_VERBOSITY=None))
    _, asked_err = asked.communicate(timeout=120)
    _, default_err = default.communicate(timeout=120)
    assert asked.returncode == 0 and default.returncode == 0, asked_err + default_err
    assert "too_many_pings" in asked_err  # the noise people saw
    assert default_err.strip() == ""


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


OPEN_STORE = r"""
import json, sys
from desktop.core.errors import StoreError
from desktop.core.store.milvus import MilvusStore

try:
    MilvusStore(sys.argv[1]).close()
    print(json.dumps({"opened": True}))
except StoreError as exc:
    print(json.dumps({"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}))
"""


def test_without_a_loopback_interface_the_store_says_so(tmp_path: Path) -> None:
    """In a network namespace whose loopback interface is down, milvus-lite's server starts
    but nothing can connect to it: the message says that, not "in use by another process"."""
    if not _unshare_works():
        pytest.skip("unshare -n is not available or not permitted here")
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", OPEN_STORE, str(tmp_path / "lo.db")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result.get("type") == "StoreError", result
    assert "loopback network interface" in result["message"]
    assert "could not start its local server" in result["message"]
    assert "in use" not in result["message"]
    assert "ip link set lo up" in result["hint"]
    assert proc.stderr.strip() == ""  # no traceback from milvus-lite or pymilvus
    # The failed start let go of the folder: it opens at once where loopback works.
    MilvusStore(str(tmp_path / "lo.db")).close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MB tmpfs of its own (root only; skipped where mounting is not permitted)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("mount is not available here")
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk: Path, leave: int) -> Path:
    """A filler file that leaves ``leave`` bytes free on ``disk``."""
    filler = disk / "filler"
    with filler.open("wb") as f:
        f.write(b"\0" * max(0, shutil.disk_usage(disk).free - leave))
    return filler


@pytest.mark.slow
def test_a_full_disk_is_named_and_the_rerun_completes(
    small_disk: Path, corpus: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(corpus / "faq", docs / "faq")
    home = small_disk / "home"
    env = {"FATHOM_HOME": str(home)}
    filler = _fill(small_disk, 150_000)  # the library needs about 360 KB

    full = fathom("ingest", docs, "--embedding", onnx_model_dir, env=env, timeout=300)
    assert full.returncode == 1, full.stdout + full.stderr
    assert f"The disk is full: the store {home / 'store' / 'fathom.db'} is on {small_disk}" in (
        full.stderr
    )
    assert "(tmpfs), which has" in full.stderr and "free of 12.6 MB" in full.stderr
    assert "The library takes" in full.stderr and "an estimate" in full.stderr
    assert f"Free space on {small_disk}, then run the command again" in full.stderr
    assert "Traceback" not in full.stderr and "MilvusException" not in full.stderr
    assert "Errno" not in full.stderr

    filler.unlink()
    again = fathom("ingest", docs, "--embedding", onnx_model_dir, "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["failed"] == []
    store = MilvusStore(str(home / "store" / "fathom.db"))
    try:
        records = store.files()
        ids = store.chunk_ids()
        count = store.count()
    finally:
        store.close()
    assert sorted(records) == sorted(str(p) for p in docs.rglob("*.md"))
    per_file = Counter(i.rsplit("-", 1)[0] for i in ids)
    assert len(ids) == len(set(ids)) == count == sum(r.chunks for r in records.values())
    for path, record in records.items():
        assert record.chunks > 0
        assert per_file[file_key(path)[:24]] == record.chunks, path
