"""What Fathom changes in how pymilvus and milvus-lite behave in its processes: their
logs quieted (Fathom reports failures itself), the scipy probe skipped, and the reason a
Lite folder's server did not start caught from the log record that holds it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


def quiet_pymilvus() -> None:
    """pymilvus logs every failed call with its traceback on the console, and milvus-lite
    every failed request it serves (a full disk printed a traceback on the terminal);
    Fathom reports failures itself (StoreError with a hint), so their logs show only
    critical messages."""
    import logging

    for name in ("pymilvus", "pymilvus.milvus_client", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    _skip_scipy_probe()


class _StartFailure(logging.Handler):
    """Catches the exception milvus-lite's server manager logs, with its traceback, when
    it cannot start the server of a Lite folder: pymilvus then only says "Open local
    milvus failed", and the real reason (the folder's lock, the disk) is in that record."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.exc: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None and self.exc is None:
            self.exc = record.exc_info[1]


@contextlib.contextmanager
def catching_start_failure() -> Iterator[_StartFailure]:
    log = logging.getLogger("milvus_lite.server_manager")
    caught = _StartFailure()
    level, propagate = log.level, log.propagate
    log.setLevel(logging.ERROR)  # above the quieted "milvus_lite", for this handler only
    log.propagate = False
    log.addHandler(caught)
    try:
        yield caught
    finally:
        log.removeHandler(caught)
        log.setLevel(level)
        log.propagate = propagate


def _skip_scipy_probe() -> None:
    """pymilvus imports scipy inside the first search or insert, only to ask whether the
    data is a scipy sparse matrix. Fathom never passes one (dense lists, and text for
    BM25), and that import holds the GIL for most of a second: the window froze for
    ~180 ms at the first question (tests/bench/bench_ui.py), and with scipy loaded it
    stalled ~200 ms during ingestion too. So pymilvus is told the answer up front."""
    try:
        from pymilvus.client.utils import SciPyHelper
    except ImportError:  # an internal helper; a pymilvus without it just probes itself
        return
    if not SciPyHelper._checked:
        SciPyHelper._matrix_available = False
        SciPyHelper._array_available = False
        SciPyHelper._checked = True
