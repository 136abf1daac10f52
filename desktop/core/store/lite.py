"""Milvus Lite folders: the lock probe that tells whether another process holds one, the
count of the folders this process has open (their lock is ours), the folders served to
this process by another (the window's store process, desktop.core.store.host), and why a
folder did not open."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import StoreError, StoreLockedError
from desktop.core.store.errors import disk_full_error, loopback_error, loopback_works, no_space

# Lite directories this process has open: their lock is ours, not another process's.
OPEN_HERE: dict[str, int] = {}

# Lite directories served to this process by another (the window's store process), by the
# URI they are reached at: a full disk is then named by the folder, not the server.
SERVED_FOLDERS: dict[str, Path] = {}


def lite_dir_locked(path: Path) -> bool:
    """Whether another process holds a Milvus Lite directory's lock (Unix flock)."""
    lock = path / "LOCK"
    if not lock.exists():
        return False
    try:
        import fcntl
    except ImportError:  # Windows: milvus-lite uses msvcrt there; no cheap probe
        return False
    with lock.open("a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return False


def locked_error(where: str | Path) -> StoreLockedError:
    return StoreLockedError(
        f"The store {where} is in use by another Fathom process.",
        "Close the other Fathom window or command, then try again.",
    )


def opened(uri: str) -> None:
    """Count one more store of this process open on the Lite folder ``uri``."""
    OPEN_HERE[uri] = OPEN_HERE.get(uri, 0) + 1


def closed(uri: str) -> None:
    """Count one store on ``uri`` closed; after the last, stop the server pymilvus runs
    for the folder inside this process, so the folder (and its lock) is free for others."""
    if uri not in OPEN_HERE:
        return
    OPEN_HERE[uri] -= 1
    if not OPEN_HERE[uri]:
        del OPEN_HERE[uri]
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def open_error(uri: str, started: BaseException | None, exc: Exception) -> StoreError | None:
    """Why the Lite folder ``uri`` did not open (``started``: why milvus-lite's server did
    not start, if it did not), or None when ``exc`` is none of the known reasons. A server
    that started for this store is stopped first: it holds the folder's lock, and the lock
    probe then tells whether another process holds it, the only case called "in use"."""
    from milvus_lite.exceptions import DataDirLockedError
    from milvus_lite.server_manager import server_manager_instance

    if uri not in OPEN_HERE:
        server_manager_instance.release_server(uri)
    if (started is None or isinstance(started, DataDirLockedError)) and lite_dir_locked(Path(uri)):
        return locked_error(uri)
    if no_space(exc) or (started is not None and no_space(started)):
        return disk_full_error(Path(uri))
    if not loopback_works():
        return loopback_error(f"The embedded store {uri} could not start its local server")
    if started is not None:
        return StoreError(
            f"The embedded store {uri} could not start: {started}",
            "Check the store location (store.uri) and that you may write there.",
        )
    return None
