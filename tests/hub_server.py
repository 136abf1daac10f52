"""A local stand-in for the Hugging Face hub, for download tests (stdlib only).

It answers the calls huggingface-hub 2.x makes for ``hf_hub_download`` and
``snapshot_download`` against ``HF_ENDPOINT``:

- ``HEAD``/``GET /{repo}/resolve/{revision}/{path}``: the file, with ``X-Repo-Commit``,
  ``ETag`` (the git blob sha1, or for LFS files the sha256, also in ``X-Linked-Etag``),
  ``X-Linked-Size`` for LFS files, ``Content-Length``, and ``Range`` answered with 206;
- ``GET /api/models/{repo}[/revision/{revision}]``: repo info (``sha``, ``siblings``);
- ``GET /api/models/{repo}/tree/{revision}[/{path}]``: the file listing ``snapshot_download``
  reads (``oid``, ``size``, ``lfs``; never ``xetHash``).

No Xet headers are ever sent, so the client downloads over plain HTTP.

Faults, per file: ``cut(...)`` ends GET bodies early and closes the connection (the server
can go unreachable right after), ``corrupt(...)`` serves other bytes of the same size while
advertising the real sha256, ``deny(...)`` refuses ranged GETs with 403 (an expired signed
link), ``stall(...)`` stops sending at an offset until ``release()``
(so a test can kill the client or fill its disk mid-download). Every request is logged
(``requests``) so tests can assert what the client asked for, e.g. a ``Range`` header on a
resumed download.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Files at least this large, or with these suffixes, are served as LFS files (sha256 ETag).
LFS_MIN_SIZE = 1 << 20
LFS_SUFFIXES = (".gguf", ".onnx", ".safetensors", ".bin", ".pt")
_CHUNK = 1 << 16
_INVERT = bytes(255 - b for b in range(256))  # what a corrupted byte is served as

RepoFiles = dict[str, "bytes | Path"]


@dataclass
class Blob:
    """One file of a repo: where its bytes are and its hub identities."""

    source: bytes | Path
    size: int
    git_sha1: str
    sha256: str
    lfs: bool

    @classmethod
    def of(cls, path: str, source: bytes | Path) -> Blob:
        data = source if isinstance(source, bytes) else None
        size = len(data) if data is not None else Path(source).stat().st_size
        sha1 = hashlib.sha1(f"blob {size}\0".encode())
        sha256 = hashlib.sha256()
        for chunk in _chunks(source, 0, size):
            sha1.update(chunk)
            sha256.update(chunk)
        lfs = size >= LFS_MIN_SIZE or path.endswith(LFS_SUFFIXES)
        return cls(source, size, sha1.hexdigest(), sha256.hexdigest(), lfs)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_sha1


def _chunks(source: bytes | Path, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of a blob, in chunks."""
    if isinstance(source, bytes):
        for pos in range(start, end, _CHUNK):
            yield source[pos : min(pos + _CHUNK, end)]
        return
    with open(source, "rb") as f:
        f.seek(start)
        pos = start
        while pos < end:
            chunk = f.read(min(_CHUNK, end - pos))
            if not chunk:
                return
            pos += len(chunk)
            yield chunk


@dataclass
class Repo:
    repo_id: str
    files: dict[str, Blob]
    sha: str

    @classmethod
    def of(cls, repo_id: str, files: RepoFiles) -> Repo:
        blobs = {path: Blob.of(path, src) for path, src in sorted(files.items())}
        digest = hashlib.sha1(repo_id.encode())
        for path, blob in blobs.items():
            digest.update(f"{path}\0{blob.git_sha1}\0".encode())
        return cls(repo_id, blobs, digest.hexdigest())


@dataclass
class Cut:
    """End GET bodies of a file early, then close the connection.

    ``at`` is an absolute offset in the file: a response stops there (a request starting at
    or past it gets the headers and no body). ``times`` limits how many responses are cut
    (None: all). With ``then_offline`` the whole server stops answering after the first cut,
    like a network that went away. ``reset`` ends the connection with a TCP reset instead
    of an orderly close.
    """

    at: int
    times: int | None = None
    then_offline: bool = False
    reset: bool = False


@dataclass
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    status: int = 0
    body_bytes: int = 0

    @property
    def range_start(self) -> int | None:
        """The first byte of a ``Range: bytes=N-`` request, else None."""
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("range", ""))
        return int(match.group(1)) if match else None


@dataclass
class HubState:
    repos: dict[str, Repo] = field(default_factory=dict)
    cuts: dict[tuple[str, str], Cut] = field(default_factory=dict)
    corrupted: set[tuple[str, str]] = field(default_factory=set)
    offline: bool = False
    requests: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cut_done: threading.Event = field(default_factory=threading.Event)
    stalls: dict[tuple[str, str], int] = field(default_factory=dict)
    denials: dict[tuple[str, str], int] = field(default_factory=dict)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")
_API_REPO = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?/?$")
_API_TREE = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$")
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet; the request log is in HubState

    # --- plumbing ---------------------------------------------------------------------

    @property
    def state(self) -> HubState:
        return self.server.state

    def _log(self) -> Logged:
        entry = Logged(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        with self.state.lock:
            self.state.requests.append(entry)
        return entry

    def _drop(self, reset: bool = False) -> None:
        """Close the connection now (with a TCP reset if asked), whatever was sent so far."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            if reset:
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, entry: Logged, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        entry.status = status
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
            entry.body_bytes = len(body)

    def _error(self, entry: Logged, status: int, code: str, commit: str | None = None) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": code}
        headers["Content-Type"] = "application/json"
        if commit:
            headers["X-Repo-Commit"] = commit
        self._send(entry, status, headers, json.dumps({"error": code}).encode())

    def _json(self, entry: Logged, payload: object) -> None:
        self._send(entry, 200, {"Content-Type": "application/json"}, json.dumps(payload).encode())

    def _repo(self, entry: Logged, repo_id: str, rev: str | None) -> Repo | None:
        repo = self.state.repos.get(repo_id)
        if repo is None:
            self._error(entry, 404, "RepoNotFound")
            return None
        if rev not in (None, "main", repo.sha):
            self._error(entry, 404, "RevisionNotFound")
            return None
        return repo

    # --- methods ----------------------------------------------------------------------

    def do_HEAD(self) -> None:  # http.server's naming
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        entry = self._log()
        if self.state.offline:
            self._drop()
            return
        url = urlsplit(self.path)
        path = unquote(url.path)
        if m := _RESOLVE.match(path):
            self._resolve(entry, m["repo"], unquote(m["rev"]), m["path"])
        elif self.command == "GET" and (m := _API_TREE.match(path)):
            self._tree(entry, m["repo"], unquote(m["rev"]), (m["path"] or "").strip("/"))
        elif self.command == "GET" and (m := _API_REPO.match(path)):
            self._info(entry, m["repo"], m["rev"])
        else:
            self._error(entry, 404, "NotFound")

    def _info(self, entry: Logged, repo_id: str, rev: str | None) -> None:
        repo = self._repo(entry, repo_id, rev)
        if repo is None:
            return
        siblings = [{"rfilename": p} for p in repo.files]
        self._json(
            entry,
            {
                "_id": repo.sha[:24],
                "id": repo.repo_id,
                "modelId": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": repo.sha,
                "private": False,
                "gated": False,
                "disabled": False,
                "tags": [],
                "siblings": siblings,
            },
        )

    def _tree(self, entry: Logged, repo_id: str, rev: str, under: str) -> None:
        repo = self._repo(entry, repo_id, rev)
        if repo is None:
            return
        recursive = "recursive=true" in (urlsplit(self.path).query or "").lower()
        prefix = f"{under}/" if under else ""
        items: list[dict[str, object]] = []
        folders: set[str] = set()
        for path, blob in repo.files.items():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                folder = prefix + "/".join(parts[:depth])
                if folder not in folders and (recursive or depth == 1):
                    folders.add(folder)
                    oid = hashlib.sha1(folder.encode()).hexdigest()
                    items.append({"type": "directory", "oid": oid, "size": 0, "path": folder})
            if len(parts) > 1 and not recursive:
                continue
            item: dict[str, object] = {
                "type": "file",
                "oid": blob.git_sha1,
                "size": blob.size,
                "path": path,
            }
            if blob.lfs:
                item["lfs"] = {"oid": blob.sha256, "size": blob.size, "pointerSize": 134}
            items.append(item)
        self._json(entry, items)

    def _resolve(self, entry: Logged, repo_id: str, rev: str, path: str) -> None:
        repo = self._repo(entry, repo_id, rev)
        if repo is None:
            return
        blob = repo.files.get(path)
        if blob is None:
            self._error(entry, 404, "EntryNotFound", commit=repo.sha)
            return
        if self._denied(repo_id, path):
            self._error(entry, 403, "AccessDenied", commit=repo.sha)
            return
        headers = {
            "X-Repo-Commit": repo.sha,
            "ETag": f'"{blob.etag}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if blob.lfs:
            headers["X-Linked-Etag"] = f'"{blob.sha256}"'
            headers["X-Linked-Size"] = str(blob.size)
        start, end, status = 0, blob.size, 200
        asked = self.headers.get("Range")
        if asked and (m := _RANGE.match(asked.strip())):
            start = int(m.group(1))
            if m.group(2):
                end = min(int(m.group(2)) + 1, blob.size)
            if start >= blob.size or start >= end:
                headers["Content-Range"] = f"bytes */{blob.size}"
                self._error(entry, 416, "RangeNotSatisfiable", commit=repo.sha)
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{blob.size}"
        entry.status = status
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(end - start))
        self.end_headers()
        if self.command == "HEAD":
            return
        self._body(entry, repo_id, path, blob, start, end)

    def _denied(self, repo_id: str, path: str) -> bool:
        """A ranged GET of a file under ``deny``: refused while its count lasts."""
        if self.command != "GET" or not self.headers.get("Range"):
            return False
        with self.state.lock:
            left = self.state.denials.get((repo_id, path), 0)
            if left:
                self.state.denials[(repo_id, path)] = left - 1
            return bool(left)

    def _body(
        self, entry: Logged, repo_id: str, path: str, blob: Blob, start: int, end: int
    ) -> None:
        key = (repo_id, path)
        with self.state.lock:
            cut = self.state.cuts.get(key)
            stop = end
            if cut is not None and cut.at < end and (cut.times is None or cut.times > 0):
                stop = max(start, cut.at)
                if cut.times is not None:
                    cut.times -= 1
            else:
                cut = None
            corrupt = key in self.state.corrupted
            stall_at = self.state.stalls.get(key)
        sent = 0
        try:
            if stall_at is not None and start < stall_at < stop:
                for chunk in _chunks(blob.source, start, stall_at):
                    self.wfile.write(chunk.translate(_INVERT) if corrupt else chunk)
                    sent += len(chunk)
                    entry.body_bytes = sent
                self.wfile.flush()
                self.state.stalled.set()
                self.state.release.wait(timeout=60)
                start = stall_at
            for chunk in _chunks(blob.source, start, stop):
                if corrupt:
                    chunk = chunk.translate(_INVERT)
                self.wfile.write(chunk)
                sent += len(chunk)
                entry.body_bytes = sent
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if cut is not None:
            if cut.then_offline:
                self.state.offline = True
            self._drop(reset=cut.reset)
            self.state.cut_done.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: HubState


class HubServer:
    """A local hub on 127.0.0.1 (an ephemeral port); use as a context manager.

    ``repos`` maps a repo id to ``{path in repo: bytes or a file Path}``.
    """

    def __init__(self, repos: dict[str, RepoFiles] | None = None) -> None:
        self.state = HubState()
        for repo_id, files in (repos or {}).items():
            self.add_repo(repo_id, files)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- content and faults -----------------------------------------------------------

    def add_repo(self, repo_id: str, files: RepoFiles) -> Repo:
        repo = Repo.of(repo_id, files)
        self.state.repos[repo_id] = repo
        return repo

    def repo(self, repo_id: str) -> Repo:
        return self.state.repos[repo_id]

    def cut(
        self,
        repo_id: str,
        path: str,
        at: int,
        *,
        times: int | None = 1,
        then_offline: bool = False,
        reset: bool = False,
    ) -> None:
        """End GET bodies of this file at byte ``at`` and close the connection (see ``Cut``)."""
        self.state.cuts[(repo_id, path)] = Cut(at, times, then_offline, reset)
        self.state.cut_done.clear()

    def stall(self, repo_id: str, path: str, at: int) -> None:
        """Send GET bodies of this file up to byte ``at``, then hold the connection open
        without sending until ``release()`` (``stalled`` is set when it happens)."""
        self.state.stalls[(repo_id, path)] = at
        self.state.stalled.clear()
        self.state.release.clear()

    @property
    def stalled(self) -> threading.Event:
        return self.state.stalled

    def release(self) -> None:
        """Let stalled responses go on (and later ones not stall)."""
        with self.state.lock:
            self.state.stalls.clear()
        self.state.release.set()

    def deny(self, repo_id: str, path: str, times: int = 1) -> None:
        """Answer the next ``times`` ranged GETs of this file with 403, as a CDN does when
        the signed link a client resumes with has expired."""
        self.state.denials[(repo_id, path)] = times

    def corrupt(self, repo_id: str, path: str) -> None:
        """Serve other bytes of the same length, still advertising the real sha256."""
        self.state.corrupted.add((repo_id, path))

    def heal(self) -> None:
        """No more faults: every file served whole and right, and the server reachable."""
        with self.state.lock:
            self.state.cuts.clear()
            self.state.corrupted.clear()
            self.state.stalls.clear()
            self.state.denials.clear()
            self.state.offline = False
        self.state.release.set()

    @property
    def offline(self) -> bool:
        return self.state.offline

    @offline.setter
    def offline(self, value: bool) -> None:
        self.state.offline = value

    # --- request log ------------------------------------------------------------------

    @property
    def requests(self) -> list[Logged]:
        with self.state.lock:
            return list(self.state.requests)

    def requests_for(self, path_part: str, method: str | None = None) -> list[Logged]:
        return [
            r
            for r in self.requests
            if path_part in unquote(r.path) and (method is None or r.method == method)
        ]

    def clear_log(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    # --- lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the hub server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self.state
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
