"""A real Milvus gRPC server for tests: ``milvus-lite server`` on 127.0.0.1, and a gRPC
proxy in front of it that checks the token the way a Milvus with authentication does.

``MilvusServer`` starts the server on a free port, waits until it answers a client, and
can kill it (SIGKILL, as a crash) and start it again on the same port and data.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent import futures
from pathlib import Path
from typing import Any

from desktop.core.store.connection import GRPC_OPTIONS

VENV_BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(uri: str) -> bool:
    from pymilvus import MilvusClient

    try:
        client = MilvusClient(uri=uri, timeout=2, grpc_options=GRPC_OPTIONS)
    except Exception:
        return False
    try:
        client.list_collections()
        return True
    except Exception:
        return False
    finally:
        client.close()


class MilvusServer:
    """``milvus-lite server --data-dir DIR --host 127.0.0.1 --port PORT`` in a subprocess."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"milvus-server-{self.port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MilvusServer:
        exe = VENV_BIN / "milvus-lite"
        cmd = [str(exe), "server", "--data-dir", str(self.data_dir)]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"milvus-lite server exited: {self.log.read_text()[-2000:]}")
            if _answers(self.uri):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"milvus-lite server did not answer in {READY_TIMEOUT_S:g} s")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the server dies as in a crash, with no chance to flush."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=30)
        self._proc = None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=15)
        self._proc = None

    def restart(self) -> MilvusServer:
        self.kill()
        return self.start()

    def drop_all(self) -> None:
        """Drop every collection (and alias), so a session-wide server starts each test
        empty."""
        from pymilvus import MilvusClient

        client = MilvusClient(uri=self.uri, timeout=10, grpc_options=GRPC_OPTIONS)
        try:
            for name in client.list_collections():
                for alias in client.describe_collection(name).get("aliases") or []:
                    client.drop_alias(alias)
                client.drop_collection(name)
        finally:
            client.close()


AUTH_FAILURE = "auth check failure, please check username, password or API key is correct"


class AuthProxy:
    """A gRPC server forwarding every call, byte for byte, to a Milvus server, but only
    with the right token in the ``authorization`` metadata (base64, as pymilvus and the
    other SDKs send it); others get UNAUTHENTICATED with Milvus's own message."""

    def __init__(self, upstream_port: int, token: str) -> None:
        self.upstream = f"127.0.0.1:{upstream_port}"
        self.expected = base64.b64encode(token.encode()).decode()
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.rejected = 0
        self._server: Any = None
        self._channel: Any = None

    def start(self) -> AuthProxy:
        import grpc

        self._channel = grpc.insecure_channel(self.upstream)
        proxy = self

        class Forward(grpc.GenericRpcHandler):
            def service(self, details: Any) -> Any:
                method = details.method
                upstream = proxy._channel.unary_unary(method)

                def call(request: bytes, context: Any) -> bytes:
                    md = dict(context.invocation_metadata())
                    if md.get("authorization") != proxy.expected:
                        proxy.rejected += 1
                        context.abort(grpc.StatusCode.UNAUTHENTICATED, AUTH_FAILURE)
                    forwarded = [(k, v) for k, v in md.items() if not k.startswith(":")]
                    try:
                        return bytes(upstream(request, metadata=forwarded, timeout=60))
                    except grpc.RpcError as exc:  # the server's own status, passed on
                        context.abort(exc.code(), exc.details() or "")
                        raise

                return grpc.unary_unary_rpc_method_handler(call)

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self._server.add_generic_rpc_handlers((Forward(),))
        self._server.add_insecure_port(f"127.0.0.1:{self.port}")
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
        if self._channel is not None:
            self._channel.close()
