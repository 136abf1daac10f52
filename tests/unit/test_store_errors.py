"""What the store's failures become: a full disk named as one, and the keepalive that
milvus-lite's server accepts (tests/integration/test_store_failures.py runs them for real)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from pymilvus.exceptions import MilvusException

from desktop.core.errors import DiskFullError
from desktop.core.store import connection, errors, lite, milvus


@pytest.mark.parametrize(
    "uri",
    ["/home/me/store/fathom.db", "http://127.0.0.1:41035", "http://localhost:19530", "unix:/m"],
)
def test_stores_on_this_computer_are_pinged_only_during_a_call(uri: str) -> None:
    options = connection.grpc_options(uri)
    assert options["grpc.keepalive_permit_without_calls"] == 0
    # milvus-lite's server takes one ping per 5 minutes while a call is in flight
    assert options["grpc.keepalive_time_ms"] >= 300_000


def test_remote_servers_keep_idle_connections_open() -> None:
    options = connection.grpc_options("https://in01-abc.zillizcloud.com:19538")
    assert options == {"grpc.keepalive_time_ms": connection.KEEPALIVE_MS}


def _chained(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    "exc",
    [
        MilvusException(code=1, message="[Errno 28] No space left on device"),
        MilvusException(
            code=1,
            message="[Errno 28] Error writing bytes to file. Detail: [errno 28] No space left",
        ),
        OSError(errno.ENOSPC, "No space left on device"),
        _chained(RuntimeError("insert failed"), OSError(errno.ENOSPC, "disk")),
    ],
)
def test_a_full_disk_is_recognised(exc: Exception) -> None:
    assert errors.no_space(exc)


@pytest.mark.parametrize(
    "exc",
    [
        MilvusException(code=1, message="collection not found"),
        OSError(errno.EACCES, "Permission denied"),
        ValueError("errno 280 is not a thing"),
    ],
)
def test_other_failures_are_not_a_full_disk(exc: Exception) -> None:
    assert not errors.no_space(exc)


def test_a_full_disk_names_the_store_its_file_system_and_what_is_free(tmp_path: Path) -> None:
    folder = tmp_path / "fathom.db"
    folder.mkdir()
    (folder / "segment").write_bytes(b"x" * 2500)
    err = errors.disk_full_error(folder, "The rest needs roughly 1.0 MB more.")
    assert isinstance(err, DiskFullError)
    assert err.message.startswith(f"The disk is full: the store {folder} is on /")
    assert " free of " in err.message
    assert err.hint.startswith("The library takes 2.5 KB there now. The rest needs roughly")
    assert "then run the command again: what was stored is kept" in err.hint


def _store(uri: str) -> milvus.MilvusStore:
    store = object.__new__(milvus.MilvusStore)  # error() needs no connection
    store.uri, store._token = uri, ""
    return store


def test_the_store_reports_a_full_disk_not_a_milvus_exception(tmp_path: Path) -> None:
    full = MilvusException(code=1, message="[Errno 28] No space left on device")
    lite = _store(str(tmp_path / "fathom.db")).error(full)
    assert isinstance(lite, DiskFullError)
    assert lite.message.startswith(f"The disk is full: the store {tmp_path / 'fathom.db'}")
    server = _store("http://root:pw@milvus:19530").error(full)
    assert isinstance(server, DiskFullError)
    assert (
        server.message == "The Milvus server at http://milvus:19530 has no space left on its disk."
    )
    assert "MilvusException" not in lite.message + lite.hint + server.message + server.hint


def test_a_folder_served_by_the_window_is_named_by_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fathom.db"
    folder.mkdir()
    lite.SERVED_FOLDERS["http://127.0.0.1:41035"] = folder
    try:
        err = _store("http://127.0.0.1:41035").error(OSError(errno.ENOSPC, "No space"))
    finally:
        del lite.SERVED_FOLDERS["http://127.0.0.1:41035"]
    assert err.message.startswith(f"The disk is full: the store {folder} is on ")


def test_loopback_works_here() -> None:
    assert errors.loopback_works()


@pytest.mark.parametrize(
    ("n", "shown"),
    [(880, "880 bytes"), (2500, "2.5 KB"), (4_900_000, "4.9 MB"), (12_582_912, "12.6 MB")],
)
def test_sizes_read_like_people_write_them(n: int, shown: str) -> None:
    assert errors.human_size(n) == shown
