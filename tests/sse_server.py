"""A small local OpenAI-compatible server that replays scripted responses.

Each POST to ``/v1/chat/completions`` takes the next scripted reply (an SSE stream, an
HTTP error, a cut connection) and records the request body; ``GET /v1/models`` lists the
models. Streams use chunked transfer encoding, as llama-server and vLLM do, so a cut
connection is a real incomplete body, not a clean end.

The stream shapes follow what the real servers send:

- llama-server (gpt-oss, ``--jinja``): a first chunk with ``role``, reasoning as
  ``reasoning_content`` deltas, answer as ``content`` deltas, a last chunk with
  ``finish_reason`` and ``usage`` (with ``stream_options.include_usage``) then ``[DONE]``;
  tool calls as ``tool_calls`` deltas, id and name first, arguments in pieces, finishing
  with ``tool_calls``; an error inside the stream as ``data: {"error": {...}}`` (newer
  builds) or an ``error:`` line (older builds, which clients skip as an unknown field).
- OpenRouter: ``: OPENROUTER PROCESSING`` comment lines while waiting, reasoning as
  ``reasoning`` deltas, usage in a final chunk with empty ``choices``, and a mid-stream
  error as a chunk with a top-level ``error`` and ``finish_reason: "error"``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1764000000


@dataclass
class Stream:
    """An SSE reply: ``events`` are chunk dicts (sent as ``data:``) or raw lines."""

    events: list[dict[str, Any] | str]
    done: bool = True  # end with data: [DONE]
    cut: bool = False  # drop the connection after the events, mid-body
    delay: float = 0.0  # seconds between events


@dataclass
class Status:
    """A plain HTTP error reply."""

    code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    """Accept the request and say nothing for ``seconds`` (a server that times out)."""

    seconds: float


Reply = Stream | Status | Hang


def chunk(
    model: str,
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    usage: dict[str, int] | None = None,
    *,
    choices: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` as the servers send it."""
    body: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": (
            [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []
        ),
    }
    if usage is not None:
        body["usage"] = {**usage, "total_tokens": sum(usage.values())}
    body.update(extra)
    return body


def llama_server_answer(
    reasoning: list[str], answer: list[str], model: str = "gpt-oss-20b"
) -> Stream:
    """gpt-oss behind llama-server: ``reasoning_content`` then ``content`` deltas."""
    events: list[dict[str, Any] | str] = [chunk(model, {"role": "assistant", "content": None})]
    events += [chunk(model, {"reasoning_content": piece}) for piece in reasoning]
    events += [chunk(model, {"content": piece}) for piece in answer]
    events.append(
        chunk(
            model,
            {},
            "stop",
            {"completion_tokens": len(reasoning) + len(answer), "prompt_tokens": 120},
        )
    )
    return Stream(events)


def llama_server_tool_call(
    name: str, argument_pieces: list[str], reasoning: list[str], model: str = "gpt-oss-20b"
) -> Stream:
    """gpt-oss behind llama-server calling a tool: id and name first, arguments split."""
    events: list[dict[str, Any] | str] = [chunk(model, {"role": "assistant", "content": None})]
    events += [chunk(model, {"reasoning_content": piece}) for piece in reasoning]
    first = {"index": 0, "id": "call_Xa1", "type": "function"}
    events.append(
        chunk(model, {"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})
    )
    events += [
        chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for piece in argument_pieces
    ]
    events.append(chunk(model, {}, "tool_calls", {"completion_tokens": 30, "prompt_tokens": 200}))
    return Stream(events)


def openrouter_answer(
    reasoning: list[str], answer: list[str], model: str = "openai/gpt-oss-120b"
) -> Stream:
    """gpt-oss through OpenRouter: ``reasoning`` deltas, keep-alive comments, usage last."""
    events: list[dict[str, Any] | str] = [": OPENROUTER PROCESSING", ": OPENROUTER PROCESSING"]
    events += [
        chunk(model, {"role": "assistant", "content": "", "reasoning": piece}, provider="Groq")
        for piece in reasoning
    ]
    events += [
        chunk(model, {"role": "assistant", "content": piece}, provider="Groq") for piece in answer
    ]
    events.append(chunk(model, {"role": "assistant", "content": ""}, "stop", provider="Groq"))
    events.append(
        chunk(
            model,
            usage={"prompt_tokens": 150, "completion_tokens": len(reasoning) + len(answer)},
            choices=False,
            provider="Groq",
        )
    )
    return Stream(events)


def openrouter_error_mid_stream(answer: list[str], model: str = "openai/gpt-oss-120b") -> Stream:
    """OpenRouter's shape when the provider fails after some tokens."""
    events: list[dict[str, Any] | str] = [
        chunk(model, {"role": "assistant", "content": piece}) for piece in answer
    ]
    events.append(
        chunk(
            model,
            {"content": ""},
            "error",
            error={"code": "server_error", "message": "Provider disconnected unexpectedly"},
        )
    )
    return Stream(events)


def llama_server_error_event(message: str = "failed to decode the batch") -> dict[str, Any]:
    """A newer llama-server's error inside a stream (``data: {"error": ...}``)."""
    return {"error": {"code": 500, "message": message, "type": "server_error"}}


def error_body(code: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": kind}}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on purpose (timeouts, cut streams) is no news


class ScriptedServer:
    """Serves scripted replies on 127.0.0.1; use as a context manager."""

    def __init__(self, models: tuple[str, ...] = ("gpt-oss-20b",), api_key: str = "") -> None:
        self.models = models
        self.api_key = api_key  # when set, requests without it get 401
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, code: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if not server.api_key:
                    return True
                if self.headers.get("Authorization") == f"Bearer {server.api_key}":
                    return True
                self._json(
                    401,
                    error_body(401, "Incorrect API key provided.", "invalid_request_error"),
                    {},
                )
                return False

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                if self.path.rstrip("/") != "/v1/models":
                    self._json(404, error_body(404, "File Not Found", "not_found_error"), {})
                    return
                data = [
                    {"id": m, "object": "model", "created": CREATED, "owned_by": "scripted"}
                    for m in server.models
                ]
                self._json(200, {"object": "list", "data": data}, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                server.headers.append(dict(self.headers))
                if not self._authorized():
                    return
                if not server.replies:
                    self._json(500, error_body(500, "no scripted reply left", "server_error"), {})
                    return
                reply = server.replies.popleft()
                if isinstance(reply, Status):
                    self._json(reply.code, reply.body, reply.headers)
                elif isinstance(reply, Hang):
                    time.sleep(reply.seconds)
                    self.close_connection = True
                else:
                    self._stream(reply)

            def _write_chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _stream(self, reply: Stream) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in reply.events:
                    if reply.delay:
                        time.sleep(reply.delay)
                    # a str is sent as is: a comment or a raw field line
                    line = event if isinstance(event, str) else "data: " + json.dumps(event)
                    self._write_chunk((line + "\n\n").encode())
                if reply.cut:
                    self.close_connection = True
                    return  # no terminating chunk: the body is incomplete
                if reply.done:
                    self._write_chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        return Handler
