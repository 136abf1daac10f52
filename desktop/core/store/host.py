"""A Milvus Lite store served from a child process (the window's store).

Milvus Lite runs its engine as Python threads in the process that opens the store, so
every insert, flush and search would compete with the window's event loop for the GIL
(stalls of hundreds of milliseconds while a folder is indexed). The window therefore
serves its store from a child process and talks to it over gRPC on 127.0.0.1, exactly as
to a Milvus server; the child holds the store's lock, so a second Fathom (window or
command) is still told that the store is in use.

The child stops when told to, and by itself when the window's process ends in any way
(its end of the pipe closes). No Qt here: this module is imported by the child.
The host opens no store itself: the window connects a ``MilvusStore`` to ``start()``'s URI.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from pathlib import Path
from typing import Any

from desktop.core.errors import StoreError
from desktop.core.store.errors import disk_full_error
from desktop.core.store.lite import SERVED_FOLDERS, lite_dir_locked, locked_error

START_TIMEOUT_S = 90.0
IN_PROCESS_ENV = "FATHOM_STORE_IN_PROCESS"  # "1": open the store in the window's process


def serve(data_dir: str, conn: Any) -> None:
    """The child: serve ``data_dir`` until the parent says stop or goes away."""
    if hasattr(os, "nice") and os.environ.get("FATHOM_WORKER_NICE", "5") != "0":
        with contextlib.suppress(OSError):
            os.nice(5)  # like the window's workers: the event loop comes first
    # milvus-lite logs every failed request with its traceback (a full disk filled the
    # terminal); the window reports the failure its client gets instead.
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)
    try:
        from milvus_lite.adapter.grpc.server import start_server_in_thread

        from desktop.core.store import lite_speedups

        lite_speedups.install()  # this process runs the engine: its searches, 6-80x faster

        server, db, port = start_server_in_thread(data_dir=data_dir, host="127.0.0.1", port=0)
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", port))
    try:
        conn.recv()  # "stop", or EOFError when the parent is gone
    except (EOFError, OSError):
        pass
    finally:
        server.stop(grace=1)
        db.close()


class StoreHost:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._proc: Any = None
        self._conn: Any = None
        self.uri = ""

    def start(self) -> str:
        """Start the child; the URI to connect to. Raises StoreLockedError when another
        process holds the store."""
        if lite_dir_locked(self.data_dir):
            raise locked_error(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        self._proc = ctx.Process(
            target=serve, args=(str(self.data_dir), theirs), name="fathom-store", daemon=True
        )
        self._proc.start()
        theirs.close()
        self._conn = ours
        if not ours.poll(START_TIMEOUT_S):
            self.stop()
            raise StoreError(
                f"The store {self.data_dir} did not start within {START_TIMEOUT_S:.0f} s.",
                "Restart Fathom; if it happens again, set FATHOM_STORE_IN_PROCESS=1.",
            )
        try:
            kind, value = ours.recv()
        except EOFError:
            kind, value = "error", "the store process ended at start"
        if kind != "ready":
            self.stop()
            if lite_dir_locked(self.data_dir) or "lock" in str(value).lower():
                raise locked_error(self.data_dir)
            if "no space left on device" in str(value).lower():
                raise disk_full_error(self.data_dir)
            raise StoreError(f"The store {self.data_dir} could not be opened: {value}")
        self.uri = f"http://127.0.0.1:{int(value)}"
        SERVED_FOLDERS[self.uri] = self.data_dir
        return self.uri

    def stop(self) -> None:
        if self.uri:
            SERVED_FOLDERS.pop(self.uri, None)
        if self._conn is not None:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send("stop")
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(5)
            self._proc = None


def in_process() -> bool:
    """Whether to open the store in this process rather than a child: when asked to.
    (The frozen app's entry point calls multiprocessing.freeze_support, so a spawned child
    becomes the store server there too.)"""
    return os.environ.get(IN_PROCESS_ENV, "") == "1"
