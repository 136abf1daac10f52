"""The store host: a Lite folder served from a child process over gRPC on 127.0.0.1, as
the window opens its store; the child holds the folder's lock while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.errors import StoreLockedError
from desktop.core.store.base import FileRecord
from desktop.core.store.host import StoreHost
from desktop.core.store.lite import lite_dir_locked
from desktop.core.store.milvus import MilvusStore
from desktop.core.types import Chunk


def test_the_store_host_serves_a_lite_folder_from_a_child_and_holds_its_lock(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "s.db"
    host = StoreHost(folder)
    uri = host.start()
    try:
        assert uri.startswith("http://127.0.0.1:")
        assert lite_dir_locked(folder)  # held by the child, not by this process
        store = MilvusStore(uri)
        assert store.embedding_info() is None
        assert store.lite_folder() == folder  # a full disk is named by the folder
        store.prepare("test-model", 2)
        store.replace_file(
            FileRecord("/d/a.md", "h", 1, 0), [Chunk("alpha", "/d/a.md", 0, 0, 5)], [[1.0, 0.0]]
        )
        store.flush()
        store.close()
        with pytest.raises(StoreLockedError):
            StoreHost(folder).start()
        with pytest.raises(StoreLockedError):
            MilvusStore(str(folder))  # not in this process either
    finally:
        host.stop()
    assert not lite_dir_locked(folder)
    reopened = MilvusStore(str(folder))  # what the child wrote is in the folder
    try:
        assert reopened.count() == 1
    finally:
        reopened.close()
