"""Notice when the files under some paths change, by polling their sizes and times.

Polling is simple, works the same on every system and file system (network shares
included), and costs a directory walk per interval. A change is reported once the
folder has been quiet for one interval, so a file being copied is read when complete.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from desktop.core.ingest.scan import scan
from desktop.core.progress import CancelToken

Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: Sequence[Path]) -> Snapshot:
    found = scan(paths)
    out: Snapshot = {}
    for f in found.files:
        try:
            st = f.stat()
        except OSError:
            continue
        out[str(f)] = (st.st_size, st.st_mtime_ns)
    for f, _reason in found.rejected:
        out[str(f)] = (-1, 0)
    return out


def changes(
    paths: Sequence[Path],
    interval: float,
    cancel: CancelToken,
    since: Snapshot | None = None,
) -> Iterator[Snapshot]:
    """Yield a snapshot each time the files changed and then stayed still for an interval.

    ``since`` is the state already synced; take it before that sync starts, so that a
    change made during the sync is not missed."""
    last = snapshot(paths) if since is None else since
    while not cancel.cancelled:
        time.sleep(interval)
        now = snapshot(paths)
        if now == last:
            continue
        while not cancel.cancelled:  # wait for quiet
            time.sleep(interval)
            settled = snapshot(paths)
            if settled == now:
                break
            now = settled
        last = now
        yield now
