"""Store URIs as people see them, and the errors a Milvus server's failures become."""

from __future__ import annotations

import grpc
import pytest

from desktop.core.store.connection import display_uri
from desktop.core.store.errors import server_error


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("http://root:Milvus@localhost:19530", "http://localhost:19530"),
        (
            "https://in01-abc.zillizcloud.com:19538?token=xyz",
            "https://in01-abc.zillizcloud.com:19538",
        ),
        ("http://127.0.0.1:19530", "http://127.0.0.1:19530"),
        ("/home/me/store/fathom.db", "/home/me/store/fathom.db"),
    ],
)
def test_display_uri_leaves_out_credentials(uri: str, shown: str) -> None:
    assert display_uri(uri) == shown


class _Rpc(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


def _wrapped(code: grpc.StatusCode) -> Exception:
    try:
        try:
            raise _Rpc(code)
        except _Rpc as inner:
            raise RuntimeError("Fail connecting to server on host:1") from inner
    except RuntimeError as outer:
        return outer


def test_server_failures_are_named_without_the_token() -> None:
    uri = "http://root:pw@milvus:19530"
    auth = server_error(uri, _wrapped(grpc.StatusCode.UNAUTHENTICATED), "root:pw")
    assert (
        auth is not None
        and auth.message == "The Milvus server at http://milvus:19530 rejected the token."
    )
    down = server_error(uri, _wrapped(grpc.StatusCode.UNAVAILABLE))
    assert down is not None and down.message.startswith("Cannot reach the Milvus server")
    assert "pw" not in auth.message + auth.hint + down.message + down.hint
    assert server_error(uri, ValueError("a bad filter")) is None
    assert server_error("/x/fathom.db", _wrapped(grpc.StatusCode.UNAVAILABLE)) is None
