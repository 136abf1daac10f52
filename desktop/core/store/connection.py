"""Where a store is and how Fathom connects to it: a Lite folder or a server's URI, the
URI as people may see it, and the gRPC channel options for each kind of place."""

from __future__ import annotations


def is_local(uri: str) -> bool:
    """Whether ``uri`` names a Milvus Lite folder (a path), not a server."""
    return not uri.startswith(("http://", "https://", "tcp://", "unix:"))


CONNECT_TIMEOUT_S = 10.0  # a server that does not answer fails in this time, not a minute

# pymilvus pings an idle connection every 10 s; gRPC servers with the default policy (the
# milvus-lite server among them) allow one ping per 5 minutes without calls and answer
# more with GOAWAY "too_many_pings", which broke the next call of an idle client. Pinging
# every 5.5 minutes keeps idle connections open through NATs and load balancers too.
KEEPALIVE_MS = 330_000

GRPC_OPTIONS = {"grpc.keepalive_time_ms": KEEPALIVE_MS}

# A store on this computer: a Lite folder (milvus-lite serves it inside this process over
# 127.0.0.1, with pymilvus's own keepalive unless told otherwise: a ping every 10 s, calls
# or not), the window's store process, a server on localhost. milvus-lite's server is
# Python gRPC with the default policy: on a connection without a call in flight it takes
# one ping per 2 hours, and after two too early it answers GOAWAY "too_many_pings" (a call
# answered resets the count). An ingestion that spent 20 s or more between two calls
# (embedding a long PDF) got that GOAWAY at its next call. On loopback there is no NAT to
# keep open, and a store process that ends closes its socket, so nothing pings a
# connection without calls; a call in flight is pinged every 5.5 minutes (the server takes
# one per 5). Tests shorten the interval here, in the process that opens the store.
LOOPBACK_GRPC_OPTIONS = {
    "grpc.keepalive_time_ms": KEEPALIVE_MS,
    "grpc.keepalive_permit_without_calls": 0,
}


def is_loopback(uri: str) -> bool:
    """Whether the store is on this computer (a Lite folder, 127.0.0.1, localhost)."""
    if is_local(uri) or uri.startswith("unix:"):
        return True
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return False
    return host in ("localhost", "::1") or host.startswith("127.")


def grpc_options(uri: str) -> dict[str, int]:
    """The gRPC channel options Fathom connects to ``uri`` with."""
    return dict(LOOPBACK_GRPC_OPTIONS if is_loopback(uri) else GRPC_OPTIONS)


def display_uri(uri: str) -> str:
    """The URI as people may see it: any ``user:password@`` part and query removed."""
    if is_local(uri):
        return uri
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return uri.split("://", 1)[0] + "://(unparseable address)"
    return f"{parts.scheme}://{host}{port}{parts.path}"
