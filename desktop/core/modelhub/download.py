"""Downloads from the Hugging Face hub: resumable, verified, into Fathom's model folders.

``download()`` asks huggingface-hub for the file's URL, auth headers and metadata (size,
the SHA-256 that the hub publishes for LFS files, where the bytes are), then streams the
bytes itself with HTTP ``Range`` requests into ``<name>.part`` beside the final file:

- a connection lost mid-file is retried with backoff within the run; a cancelled, killed
  or failed run leaves the ``.part`` file, and the next run asks only for the missing
  bytes (the part already on disk is hashed again first);
- free disk space is checked before the first byte, and a full disk while writing is
  reported as such;
- the whole file is checked against the hub's SHA-256 (or git blob SHA-1 for small
  non-LFS files) before it is moved into place; a mismatch is refused and the bad bytes
  deleted.

It is a generator of ``DownloadProgress`` events ending with one ``DownloadDone``, and
honours a ``CancelToken`` between chunks and during retry waits (``Cancelled`` is raised;
the part file stays). A connection that sends nothing is noticed within huggingface-hub's
read timeout (``HF_HUB_DOWNLOAD_TIMEOUT``, 10 s), so a cancel can take that long then.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desktop.core.errors import Cancelled, DownloadError, ModelError
from desktop.core.modelhub.catalog import EMBEDDING_FILES, EMBEDDING_SKIP
from desktop.core.progress import CancelToken

PART_SUFFIX = ".part"
CHUNK = 1 << 20
DISK_MARGIN = 64 << 20  # kept free beyond the file itself
RETRIES = 4  # per run, after the last chunk that brought bytes
BACKOFF_S = 0.25  # doubles each retry
EVENT_INTERVAL_S = 0.1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes of ``filename`` on disk so far. ``phase`` is ``"download"``, or ``"rehash"``
    while the part file of an earlier run is read back before resuming."""

    filename: str
    done: int
    total: int
    speed: float  # bytes per second over the last few seconds
    eta_s: float | None  # None while the speed is unknown
    phase: str = "download"
    resumed_from: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class DownloadDone:
    path: Path
    size: int
    sha256: str  # the digest checked ("" when the file was already in place)
    resumed_from: int  # bytes a previous run had left in the part file
    already_present: bool = False


@dataclass(frozen=True)
class RemoteFile:
    url: str  # where the bytes are (the CDN location after hub redirects)
    size: int
    sha256: str  # LFS files: the hub's published SHA-256; else ""
    git_sha1: str  # non-LFS files: the git blob id; else ""
    commit: str


def part_path(final: Path) -> Path:
    return final.with_name(final.name + PART_SUFFIX)


def hub_offline() -> bool:
    import huggingface_hub.constants as constants

    return bool(constants.HF_HUB_OFFLINE)


def remote_file(repo_id: str, filename: str, revision: str | None = None) -> RemoteFile:
    """The hub's metadata for one file (one HEAD request, following hub redirects)."""
    import huggingface_hub
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]
    from huggingface_hub.utils import httpx as httpx2  # type: ignore[attr-defined]

    name = f"{repo_id}/{filename}"
    url = huggingface_hub.hf_hub_url(repo_id, filename, revision=revision)
    try:
        meta = huggingface_hub.get_hf_file_metadata(
            url, headers=build_hf_headers(), retry_on_errors=True
        )
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
        raise DownloadError(
            f"{name} is not on the hub: {type(exc).__name__}.",
            "Check the repository id, revision and file name.",
        ) from exc
    except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
        raise DownloadError(
            f"Download of {name} failed: cannot read its metadata: {exc}",
            "Check the network connection and run the command again.",
        ) from exc
    etag = (meta.etag or "").strip('"').lower()
    if meta.size is None:
        raise DownloadError(f"The hub did not say how large {name} is; it cannot be verified.")
    return RemoteFile(
        url=meta.location,
        size=int(meta.size),
        sha256=etag if _SHA256.match(etag) else "",
        git_sha1=etag if _SHA1.match(etag) else "",
        commit=meta.commit_hash or "",
    )


class _Digest:
    """SHA-256 for LFS files, git blob SHA-1 otherwise (what the hub publishes)."""

    def __init__(self, remote: RemoteFile) -> None:
        self.remote = remote
        self.reset()

    def reset(self) -> None:
        if self.remote.sha256 or not self.remote.git_sha1:
            self.h = hashlib.sha256()
        else:
            self.h = hashlib.sha1(f"blob {self.remote.size}\0".encode())

    def update(self, data: bytes) -> None:
        self.h.update(data)

    @property
    def expected(self) -> str:
        return self.remote.sha256 or self.remote.git_sha1

    @property
    def kind(self) -> str:
        return "SHA-256" if self.remote.sha256 or not self.remote.git_sha1 else "git SHA-1"


class _Meter:
    """Speed over a sliding window of a few seconds, and events at a bounded rate."""

    def __init__(self, filename: str, total: int, resumed_from: int) -> None:
        self.filename, self.total, self.resumed_from = filename, total, resumed_from
        self.samples: list[tuple[float, int]] = []
        self.last_event = 0.0

    def event(
        self, done: int, phase: str = "download", force: bool = False
    ) -> DownloadProgress | None:
        now = time.monotonic()
        if phase == "download":
            self.samples.append((now, done))
            while len(self.samples) > 2 and now - self.samples[0][0] > 5.0:
                self.samples.pop(0)
        if not force and now - self.last_event < EVENT_INTERVAL_S:
            return None
        self.last_event = now
        speed = 0.0
        if phase == "download" and len(self.samples) >= 2:
            (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
            speed = (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0
        eta = (self.total - done) / speed if speed > 0 else None
        return DownloadProgress(
            self.filename, done, self.total, speed, eta, phase, self.resumed_from
        )


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} GB"


def check_free_space(folder: Path, needed: int) -> None:
    """Refuse to start when ``needed`` bytes plus a margin do not fit in ``folder``."""
    free = int(shutil.disk_usage(folder).free)
    if free < needed + DISK_MARGIN:
        raise DownloadError(
            f"Not enough free disk space in {folder}: the download needs {_human(needed)} "
            f"more (plus {_human(DISK_MARGIN)} to spare) and {_human(free)} is free.",
            "Free some space, or choose another store location (FATHOM_HOME or --base-dir).",
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _disk_full(exc: OSError, part: Path, done: int) -> DownloadError:
    return DownloadError(
        f"The disk is full: writing {part.name} failed after {_human(done)} ({exc.strerror}).",
        f"Free some space on the disk holding {part.parent} and run the command again; "
        "the download resumes where it stopped.",
    )


def download(
    repo_id: str,
    filename: str,
    dest_dir: Path,
    *,
    revision: str | None = None,
    cancel: CancelToken | None = None,
) -> Generator[DownloadProgress | DownloadDone, None, None]:
    """Fetch ``filename`` of ``repo_id`` into ``dest_dir / filename``; see the module doc.

    Raises ``DownloadError`` (network, disk, verification, offline mode) and ``Cancelled``.
    """
    name = f"{repo_id}/{filename}"
    final = Path(dest_dir) / filename
    part = part_path(final)
    if hub_offline():
        if final.is_file():
            yield DownloadDone(final, final.stat().st_size, "", 0, already_present=True)
            return
        raise DownloadError(
            f"{name} is not on this machine and Fathom is offline (HF_HUB_OFFLINE is set).",
            "Unset HF_HUB_OFFLINE to download it, or use a GGUF you already have "
            "('fathom models add PATH').",
        )
    remote = remote_file(repo_id, filename, revision)
    if final.is_file() and final.stat().st_size == remote.size and not part.exists():
        yield DownloadDone(final, remote.size, "", 0, already_present=True)
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    digest = _Digest(remote)
    if not digest.expected:
        raise DownloadError(
            f"The hub publishes no checksum for {name}, so it cannot be verified.",
            "Download it yourself and add it with 'fathom models add PATH'.",
        )
    # The part file is only resumed for the same file: its expected digest sits beside it.
    label = part.with_name(part.name + ".digest")
    have = part.stat().st_size if part.is_file() else 0
    if have and (have > remote.size or _read(label) != digest.expected):
        part.unlink()
        have = 0
    label.write_text(digest.expected + "\n", encoding="utf-8")
    check_free_space(final.parent, remote.size - have)
    meter = _Meter(name, remote.size, have)
    if have:
        yield from _rehash(part, have, digest, meter, cancel)
    try:
        f = part.open("ab" if have else "wb")
    except OSError as exc:
        raise DownloadError(f"Cannot write {part}: {exc.strerror}.") from exc
    with f:
        fresh = functools.partial(remote_file, repo_id, filename, revision)
        have = yield from _fetch(remote, fresh, name, part, f, have, digest, meter, cancel)
        try:
            f.flush()
            os.fsync(f.fileno())
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise _disk_full(exc, part, have) from exc
            raise
    if have != remote.size:
        raise DownloadError(f"Download of {name} failed: got {have} of {remote.size} bytes.")
    got = digest.h.hexdigest()
    if got != digest.expected:
        part.unlink(missing_ok=True)
        label.unlink(missing_ok=True)
        raise DownloadError(
            f"Download of {name} is corrupted: its {digest.kind} is {got}, but the hub "
            f"publishes {digest.expected}. The file was deleted, not installed.",
            "Run the command again. If it happens again, something between you and the hub "
            "(a proxy or a mirror) alters the file.",
        )
    os.replace(part, final)
    label.unlink(missing_ok=True)
    yield DownloadDone(final, remote.size, got, meter.resumed_from)


def _rehash(
    part: Path, have: int, digest: _Digest, meter: _Meter, cancel: CancelToken | None
) -> Iterator[DownloadProgress]:
    with part.open("rb") as f:
        done = 0
        while done < have:
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunk = f.read(min(CHUNK * 8, have - done))
            if not chunk:
                break
            digest.update(chunk)
            done += len(chunk)
            if event := meter.event(done, "rehash"):
                yield event


def _fetch(
    remote: RemoteFile,
    fresh: Callable[[], RemoteFile],
    name: str,
    part: Path,
    f: BinaryIO,
    have: int,
    digest: _Digest,
    meter: _Meter,
    cancel: CancelToken | None,
) -> Generator[DownloadProgress, None, int]:
    """Stream the missing bytes into ``f``; return how many bytes the part file holds.

    ``fresh`` asks the hub again where the bytes are: a CDN link is signed for a while
    only, so a retry that the CDN refuses (401, 403, 410) gets a new link once.
    """
    import huggingface_hub.constants as constants
    from huggingface_hub import get_session, hf_raise_for_status
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]
    from huggingface_hub.utils import httpx as httpx2  # type: ignore[attr-defined]

    session = get_session()
    retries = RETRIES
    relinked = False
    while have < remote.size:
        headers = build_hf_headers()
        headers["Accept-Encoding"] = "identity"
        if have:
            headers["Range"] = f"bytes={have}-"
        start = have
        try:
            with session.stream(
                "GET",
                remote.url,
                headers=headers,
                timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT,
                follow_redirects=True,
            ) as response:
                hf_raise_for_status(response)
                if have and response.status_code == 200:  # the range was ignored: start over
                    f.seek(0)
                    f.truncate()
                    digest.reset()
                    have = start = 0
                elif have:
                    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                    if not match or int(match.group(1)) != have:
                        raise DownloadError(
                            f"Download of {name} failed: the server answered a resume at "
                            f"byte {have} with {response.headers.get('Content-Range')!r}.",
                            "Delete the .part file and run the command again.",
                        )
                for chunk in response.iter_bytes():  # as received: a cut loses nothing read
                    if cancel is not None and cancel.cancelled:
                        raise Cancelled()
                    if not chunk:
                        continue
                    if have + len(chunk) > remote.size:
                        raise DownloadError(
                            f"Download of {name} failed: the server sent more than "
                            f"{remote.size} bytes."
                        )
                    try:
                        f.write(chunk)
                        f.flush()
                    except OSError as exc:
                        if exc.errno == errno.ENOSPC:
                            raise _disk_full(exc, part, have) from exc
                        raise DownloadError(f"Cannot write {part}: {exc.strerror}.") from exc
                    digest.update(chunk)
                    have += len(chunk)
                    relinked = False
                    if event := meter.event(have, force=have == remote.size):
                        yield event
            if have < remote.size and have == start:
                raise httpx2.RemoteProtocolError("the server ended the body without data")
        except (httpx2.TransportError, httpx2.RemoteProtocolError) as exc:
            if have > start:
                retries = RETRIES  # it made progress: the connection is worth retrying
            if retries <= 0:
                raise DownloadError(
                    f"Download of {name} failed: {type(exc).__name__}: {exc} "
                    f"({_human(have)} of {_human(remote.size)} kept in {part.name}).",
                    "Check the network connection and run the command again; the "
                    "download resumes where it stopped.",
                ) from exc
            _pause(BACKOFF_S * 2 ** (RETRIES - retries), cancel)
            retries -= 1
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if have and not relinked and status in (401, 403, 410):
                again = fresh()
                if (again.size, again.sha256, again.git_sha1) != (
                    remote.size,
                    remote.sha256,
                    remote.git_sha1,
                ):
                    raise DownloadError(
                        f"{name} changed on the hub during the download.",
                        "Run the command again to fetch the new version.",
                    ) from exc
                remote, relinked = again, True
                continue
            raise DownloadError(
                f"Download of {name} failed: {exc}",
                "Check the network connection and run the command again; the download "
                "resumes where it stopped.",
            ) from exc
    return have


def _pause(seconds: float, cancel: CancelToken | None) -> None:
    """Sleep before a retry; a cancel ends the wait at once."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if cancel is not None:
            cancel.raise_if_cancelled()
        time.sleep(min(left, 0.05))


def embedding_files(names: list[str]) -> list[str]:
    """The files of a hub repo listing that an embedding (or reranker) folder needs:
    ``EMBEDDING_FILES`` less ``EMBEDDING_SKIP``."""
    from huggingface_hub.utils import filter_repo_objects  # type: ignore[attr-defined]

    return list(
        filter_repo_objects(names, allow_patterns=EMBEDDING_FILES, ignore_patterns=EMBEDDING_SKIP)
    )


def cached_model_folder(repo_id: str, cache_dir: Path) -> Path | None:
    """A hub model's folder in the cache (with the files ``EMBEDDING_FILES`` names), or
    None when it was never fetched. Never downloads."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = huggingface_hub.snapshot_download(
            repo_id,
            allow_patterns=EMBEDDING_FILES,
            ignore_patterns=EMBEDDING_SKIP,
            cache_dir=cache_dir,
            local_files_only=True,
        )
    except LocalEntryNotFoundError:
        return None
    path = Path(folder)
    return path if (path / "onnx" / "model.onnx").exists() else None


def embedding_folder(repo_id: str, cache_dir: Path) -> Path:
    """A hub embedding model's folder: from the cache if present, else downloaded.

    The files it needs (``EMBEDDING_FILES``) are fetched with ``download`` (verified,
    resumable) into huggingface-hub's cache layout, ``models--ORG--NAME/snapshots/COMMIT``
    with ``refs/main`` naming the commit, so the hub's own offline lookup finds them.
    """
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import httpx  # type: ignore[attr-defined]

    cached = cached_model_folder(repo_id, cache_dir)
    if cached is not None:
        return cached
    try:
        if hub_offline():
            raise DownloadError("Fathom is offline (HF_HUB_OFFLINE is set).")
        info = huggingface_hub.HfApi().model_info(repo_id)
        names = [s.rfilename for s in info.siblings or []]
        wanted = embedding_files(names)
        if not info.sha or "onnx/model.onnx" not in wanted:
            raise DownloadError(f"{repo_id} has no onnx/model.onnx.")
        repo_dir = cache_dir / ("models--" + repo_id.replace("/", "--"))
        snapshot = repo_dir / "snapshots" / info.sha
        for name in wanted:
            for _ in download(repo_id, name, snapshot, revision=info.sha):
                pass
        (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
        (repo_dir / "refs" / "main").write_text(info.sha, encoding="utf-8")
        return snapshot
    except (DownloadError, HfHubHTTPError, httpx.HTTPError, OSError) as exc:
        raise ModelError(
            f"The embedding model {repo_id} is not on this machine and cannot be downloaded: {exc}",
            "Connect to the network once, or pass --embedding with a local model folder.",
        ) from exc
