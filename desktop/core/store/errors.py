"""What a store's failures become: gRPC and pymilvus exceptions translated into
StoreErrors that say what went wrong and what to do (a server that is unreachable or
rejects the token, a full disk, a loopback interface that is down), never quoting the
token, and a client wrapper that makes every call's failure one of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.core.errors import DiskFullError, EmbeddingMismatchError, StoreError
from desktop.core.store.connection import display_uri, is_local, is_loopback


class Guarded:
    """A pymilvus client whose failures become StoreErrors about its store (a server that
    went away mid-ingestion is then a clear message, not a traceback)."""

    def __init__(self, client: Any, error: Callable[[BaseException], StoreError]) -> None:
        self._inner = client
        self._error = error

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr
        error = self._error

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                raise error(exc) from exc

        return call


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _grpc_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if callable(code):
        try:
            return str(getattr(code(), "name", ""))
        except Exception:
            return ""
    return ""


_AUTH_WORDS = ("unauthenticated", "auth check fail", "authenticat", "credential", "api key")


def loopback_works() -> bool:
    """Whether this process can connect to itself over 127.0.0.1 (it cannot when the
    loopback interface is down, as in a network namespace where nobody brought it up)."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                return True
    except OSError:
        return False


def loopback_error(what: str) -> StoreError:
    """``what`` failed because the loopback interface is unavailable."""
    return StoreError(
        f"{what}: the loopback network interface (127.0.0.1) is unavailable, so programs "
        "on this computer cannot connect to each other over it.",
        "Milvus Lite serves the store to Fathom over 127.0.0.1, inside Fathom. Bring the "
        "loopback interface up (for example: ip link set lo up), or set store.uri to a "
        "Milvus server.",
    )


def no_space(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says a disk had no space left (ENOSPC), as an
    OSError here or in the text of a server's answer."""
    import errno
    import re

    chain = _causes(exc)
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain):
        return True
    text = " ".join(str(e) for e in chain).lower()
    return "no space left on device" in text or re.search(r"errno 28\b", text) is not None


def human_size(n: float) -> str:
    """Bytes for people: "880 bytes", "4.9 MB", "1.2 GB" (powers of 1000)."""
    if abs(n) < 1000:
        return f"{n:.0f} bytes"
    for unit in ("KB", "MB"):
        n /= 1000
        if abs(n) < 1000:
            return f"{n:.1f} {unit}"
    return f"{n / 1000:.1f} GB"


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (0 when it is not there)."""
    import os

    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _mount_of(path: Path) -> tuple[Path, str]:
    """The mount point holding ``path`` and its file system type ("" when unknown)."""
    import os

    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    p = p.resolve()
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    kind = ""
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) > 2 and fields[1].replace("\\040", " ") == str(p):
                    kind = fields[2]  # the last line for a mount point is the one in use
    except OSError:
        pass
    return p, kind


def disk_full_error(where: Path, needed: str = "") -> DiskFullError:
    """The disk holding the Lite folder ``where`` is full: which file system, what is
    free there, how big the library is, and ``needed`` (an estimate of what is missing)."""
    import shutil

    mount, kind = _mount_of(where)
    try:
        usage = shutil.disk_usage(mount)
        room = f"{human_size(usage.free)} free of {human_size(usage.total)}"
    except OSError:
        room = "free space unknown"
    on = f"{mount} ({kind})" if kind else str(mount)
    return DiskFullError(
        f"The disk is full: the store {where} is on {on}, which has {room}.",
        f"The library takes {human_size(folder_size(where))} there now. "
        + (needed + " " if needed else "")
        + f"Free space on {mount}, then run the command again: what was stored is kept, "
        "and files already stored are not embedded again.",
    )


def server_error(uri: str, exc: BaseException, token: str = "") -> StoreError | None:
    """A clear StoreError for a Milvus server that is unreachable or rejects the token,
    or None when ``exc`` is something else. Neither names the token nor quotes ``exc``."""
    if is_local(uri):
        return None
    shown = display_uri(uri)
    chain = _causes(exc)
    codes = {_grpc_code(e) for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    if codes & {"UNAUTHENTICATED", "PERMISSION_DENIED"} or any(w in text for w in _AUTH_WORDS):
        return StoreError(
            f"The Milvus server at {shown} rejected the token."
            if token
            else f"The Milvus server at {shown} asks for a token and none is set.",
            "Set the right one: FATHOM_STORE_TOKEN=user:password (or an API key), or save it "
            "in the OS keyring (service 'fathom', name 'store_token').",
        )
    if "unimplemented" in text:
        return StoreError(
            f"{shown} does not speak Milvus's gRPC protocol.",
            "Point store.uri (or --store) at the Milvus gRPC port (19530 by default), "
            "not its HTTP or web UI port.",
        )
    unreachable = {"UNAVAILABLE", "DEADLINE_EXCEEDED"}
    if codes & unreachable or "fail connecting" in text or "server unavailable" in text:
        if is_loopback(uri) and not loopback_works():
            return loopback_error(f"Cannot reach the Milvus server at {shown}")
        return StoreError(
            f"Cannot reach the Milvus server at {shown}.",
            "Check that the server is running and that store.uri (or --store) names its "
            "address and gRPC port, e.g. http://localhost:19530.",
        )
    return None


def store_error(
    uri: str, token: str, exc: BaseException, *, opening: bool = False, folder: Path | None = None
) -> StoreError:
    """A StoreError for a failure to open or use the store at ``uri`` (a server that went
    away, a rejected token, a full disk; ``folder``: the Lite folder that holds it), with
    the URI's credentials and the token left out."""
    if isinstance(exc, StoreError):
        return exc
    if no_space(exc):
        if folder is not None:
            return disk_full_error(folder)
        return DiskFullError(
            f"The Milvus server at {display_uri(uri)} has no space left on its disk.",
            "Free space on the server's disk (or give it more storage), then run the "
            "command again: what was stored is kept.",
        )
    known = server_error(uri, exc, token)
    if known is not None:
        return known
    from desktop.core.secrets import redact

    where = display_uri(uri)
    if opening:
        message = f"Cannot open the store {where}: {exc}"
        hint = "Check the store location (store.uri) and that you may write there."
    else:
        message = f"The store {where} failed: {exc}"
        hint = "Run the command again; if it keeps failing, run: fathom doctor"
    return StoreError(redact(message, token), hint)


def embedding_mismatch(
    built: dict[str, Any], model: str, dim: int, source: str
) -> EmbeddingMismatchError:
    """Why a library made with one embedding model cannot be searched with another."""
    return EmbeddingMismatchError(
        f"This library was built with the embedding model {built.get('model')} "
        f"(dimension {built.get('dim')}), not {model} (dimension {dim}).",
        f"To rebuild it with {model}, run: fathom reindex --embedding {source or model} "
        "(the current library keeps answering until the new one is complete). "
        "Or use the library's model (--embedding).",
    )


def nothing_ingested(uri: str) -> StoreError:
    """Why a library that holds no documents yet cannot be opened for reading."""
    return StoreError(
        f"The store {uri} holds no documents yet.", "Add some first: fathom ingest PATH..."
    )
