"""The OpenAI-compatible backend: a chat model served over HTTP.

llama-server, vLLM, Ollama, LM Studio, llama-cpp-python's server, OpenRouter and OpenAI
itself all speak ``/v1/chat/completions`` with server-sent events. Their streams differ in
small ways this module absorbs:

- reasoning arrives as ``reasoning_content`` deltas (llama-server, vLLM, LM Studio) or
  ``reasoning`` deltas (OpenRouter, Ollama); both become Reasoning events, never answer;
- tool calls arrive as ``tool_calls`` deltas split across chunks by ``index`` (id and name
  first, the arguments in pieces) and are assembled into ToolCall events, so the same
  search-documents loop drives a remote model as a local one;
- an error may arrive as a ``data: {"error": ...}`` event in the middle of a stream.

Requests are retried with backoff while nothing has been streamed yet (connection errors,
timeouts, 408/409/429, 5xx, an error before the first token); once text has been shown a
failure raises StreamCutError, whose ``partial`` keeps what came. The API key never
appears in a message or log.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.errors import Cancelled, ModelError
from desktop.core.llm.base import (
    REASONING_RESERVE,
    AnswerText,
    Capabilities,
    GenerationParams,
    Message,
    ModelEvent,
    Reasoning,
    Tool,
    ToolCall,
    TurnEnd,
    Usage,
)
from desktop.core.progress import CancelToken
from desktop.core.secrets import redact

log = logging.getLogger("fathom.openai")

DEFAULT_CONTEXT = 8192
CHARS_PER_TOKEN = 3  # no tokenizer here: a cautious estimate (English averages about 4)
FINISH = {"stop": "stop", "length": "length", "tool_calls": "call", "function_call": "call"}
KEY_HINT = (
    "Set the server's API key in the environment (FATHOM_LLM_API_KEY) or in the OS "
    "keyring (Settings, LLM), and check that it is valid for this server."
)


class StreamCutError(ModelError):
    """The stream broke after part of the answer had arrived; ``partial`` keeps it."""

    def __init__(self, message: str, hint: str = "", partial: str = "") -> None:
        super().__init__(message, hint)
        self.partial = partial


def is_reasoning_model(model: str) -> bool:
    """Models that reason before they answer and call tools well (gpt-oss)."""
    return "gpt-oss" in model.lower()


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def _client(base_url: str, api_key: str, timeout: float) -> Any:
    try:
        import httpx
        import openai
    except ImportError as exc:  # pragma: no cover - a dependency of the app
        raise ModelError(
            f"The openai package is missing: {exc}", "Reinstall Fathom (bash .ci/setup)."
        ) from exc
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or "none",  # local servers want no key; the SDK wants a string
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        max_retries=0,  # retried here, where a stream already shown must not restart
    )


def _server_detail(exc: Any) -> str:
    """The server's own words for an error, from its JSON body when there is one."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return str(getattr(exc, "message", "") or exc)


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


class _TruncatedError(Exception):
    """The stream ended without a finish reason: the connection was cut."""

    def __str__(self) -> str:
        return "the stream ended without a finish reason (the connection was cut)"


@dataclass
class _Failure:
    """An error sorted into what people read and whether another try may help."""

    message: str
    hint: str
    retryable: bool
    wait: float | None = None


def classify(exc: BaseException, base_url: str, timeout: float) -> _Failure:
    """Turn an openai SDK or transport error into a message, a hint and a retry verdict."""
    import httpx
    import openai

    where = f"The LLM server at {base_url}"
    detail = _server_detail(exc)
    if isinstance(exc, _TruncatedError | httpx.TransportError) and not isinstance(
        exc, httpx.TimeoutException
    ):
        return _Failure(
            f"The connection to the LLM server at {base_url} broke mid-answer: {exc}",
            "The server or the network dropped it: ask again; the server's log says why.",
            True,
        )
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return _Failure(
            f"{where} did not answer within {timeout:.0f} s.",
            "It may be loading a model or overloaded: try again, or check the server's log.",
            True,
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return _Failure(
            f"Cannot reach the LLM server at {base_url}: {cause}",
            "Check that the server is running and that llm.base_url (or --llm-url) is "
            "right; OpenAI-compatible servers usually end in /v1.",
            True,
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return _Failure(
            f"{where} refused the API key ({exc.status_code}): {detail}", KEY_HINT, False
        )
    if isinstance(exc, openai.RateLimitError):
        return _Failure(
            f"{where} is rate-limiting requests (429): {detail}",
            "Wait a minute and ask again, or use a plan or server with more capacity.",
            True,
            _retry_after(exc),
        )
    if isinstance(exc, openai.NotFoundError):
        return _Failure(
            f"{where} has no such model or endpoint (404): {detail}",
            "Check llm.model (or --llm-model) against the server's /v1/models, and that "
            "llm.base_url ends where /chat/completions starts (usually /v1).",
            False,
        )
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        retryable = code in (408, 409) or code >= 500
        hint = (
            "The server failed: try again; its own log says why."
            if code >= 500
            else "The server rejected the request: the prompt may exceed its context "
            "(set llm.n_ctx to the server's), or it lacks a feature Fathom asked for."
        )
        return _Failure(f"{where} answered {code}: {detail}", hint, retryable, _retry_after(exc))
    if isinstance(exc, openai.APIError):  # an error event inside the stream
        return _Failure(
            f"{where} reported an error while answering: {detail}",
            "The server failed mid-answer: try again; its own log says why.",
            True,
        )
    if not isinstance(exc, ValueError | KeyError | TypeError):
        raise exc
    return _Failure(
        f"{where} sent something Fathom cannot read: {exc}",
        "Check that it is an OpenAI-compatible server (llama-server, vLLM, Ollama, ...).",
        False,
    )


@dataclass
class _Pending:
    """A tool call being assembled from deltas."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class ChunkReader:
    """Turns streamed chat-completion chunks (as dicts) into model events."""

    calls: dict[int, _Pending] = field(default_factory=dict)
    finish: str = ""
    usage: Usage | None = None
    answer: list[str] = field(default_factory=list)
    deltas: int = 0  # streamed pieces: about one token each, when the server sends no usage

    def feed(self, chunk: dict[str, Any]) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        usage = chunk.get("usage")
        if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
            self.usage = Usage(
                int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            )
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if any(delta.get(k) for k in ("content", "reasoning_content", "reasoning")):
                self.deltas += 1
            for key in ("reasoning_content", "reasoning"):
                text = delta.get(key)
                if isinstance(text, str) and text:
                    events.append(Reasoning(text))
                    break  # a server sending both sends the same text twice
            content = delta.get("content")
            if isinstance(content, str) and content:
                self.answer.append(content)
                events.append(AnswerText(content))
            for piece in delta.get("tool_calls") or []:
                pending = self.calls.setdefault(int(piece.get("index") or 0), _Pending())
                pending.id = piece.get("id") or pending.id
                function = piece.get("function") or {}
                pending.name += function.get("name") or ""
                pending.arguments.append(function.get("arguments") or "")
            if choice.get("finish_reason"):
                self.finish = str(choice["finish_reason"])
        return events

    def close(self) -> list[ModelEvent]:
        """The tool calls that were assembled, the turn's end and its usage."""
        events: list[ModelEvent] = []
        for index in sorted(self.calls):
            pending = self.calls[index]
            text = "".join(pending.arguments).strip() or "{}"
            try:
                arguments = json.loads(text)
            except ValueError:
                log.warning("unreadable tool call arguments: %.200s", text)
                continue  # the turn still ends in "call": the loop says the call was bad
            if pending.name and isinstance(arguments, dict):
                events.append(ToolCall(pending.name, arguments))
        reason = FINISH.get(self.finish, self.finish or "stop")
        if self.calls and reason == "stop":
            reason = "call"  # some servers end a tool-call turn with "stop"
        events.append(TurnEnd(reason))
        events.append(self.usage or Usage(prompt_tokens=0, completion_tokens=self.deltas))
        return events


def to_openai_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Fathom's messages in OpenAI's format: tool calls get ids their results refer to."""
    out: list[dict[str, Any]] = []
    open_ids: list[str] = []
    count = 0
    for m in messages:
        role = m.get("role")
        if role == "assistant" and m.get("tool_calls"):
            calls = []
            for call in m["tool_calls"]:
                count += 1
                call_id = f"call_{count}"
                open_ids.append(call_id)
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": call["name"],
                            "arguments": json.dumps(call.get("arguments") or {}),
                        },
                    }
                )
            out.append(
                {"role": "assistant", "content": m.get("content") or "", "tool_calls": calls}
            )
        elif role == "tool":
            if open_ids:
                call_id = open_ids.pop(0)
            else:  # a result with no call before it (a call that could not be read)
                count += 1
                call_id = f"call_{count}"
                out.append(
                    {
                        "role": "assistant",
                        "content": "",
                        "tool_calls": [
                            {
                                "id": call_id,
                                "type": "function",
                                "function": {"name": m.get("name", "tool"), "arguments": "{}"},
                            }
                        ],
                    }
                )
            out.append({"role": "tool", "tool_call_id": call_id, "content": str(m["content"])})
        else:
            out.append({"role": role, "content": str(m.get("content", ""))})
    return out


class OpenAICompatModel:
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        context_length: int = 0,
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        tools: bool | None = None,
    ) -> None:
        """``context_length`` 0: ask the server (vLLM and OpenRouter say), else 8192.
        ``tools`` None: on for models known to call tools well (gpt-oss)."""
        if not base_url:
            raise ModelError(
                "The openai LLM backend needs a server URL.",
                "Set llm.base_url (e.g. http://localhost:8080/v1) or pass --llm-url URL.",
            )
        if not model:
            raise ModelError(
                "The openai LLM backend needs the server's model name.",
                "Set llm.model or pass --llm-model NAME (the server's /v1/models lists them).",
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._tools = is_reasoning_model(model) if tools is None else tools
        self._context = context_length
        self._lock = threading.Lock()
        self._client_obj: Any = None

    @property
    def name(self) -> str:
        return self.model

    @property
    def capabilities(self) -> Capabilities:
        """Tools as configured, reasoning for the models known to reason, token counts
        estimated (the server's vocabulary is not at hand)."""
        return Capabilities(tools=self._tools, reasoning=is_reasoning_model(self.model))

    # the server holds the model: loaded already (ModelLoading)
    loaded = True
    load_fraction = 1.0

    def wait_loaded(self, timeout: float | None = None) -> None:
        pass

    @property
    def context_length(self) -> int:
        if not self._context:
            self._context = self._served_context() or DEFAULT_CONTEXT
        return self._context

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def close(self) -> None:
        with self._lock:
            if self._client_obj is not None:
                self._client_obj.close()
                self._client_obj = None

    # --- requests -------------------------------------------------------------------------

    def _client(self) -> Any:
        with self._lock:
            if self._client_obj is None:
                self._client_obj = _client(self.base_url, self._key, self.timeout)
            return self._client_obj

    def _served_context(self) -> int:
        """The context length the server reports for this model, when it does."""
        try:
            listing = self._client().models.list()
        except Exception as exc:
            log.debug("no model list from %s: %s", self.base_url, redact(str(exc), self._key))
            return 0
        for entry in listing.data:
            if entry.id != self.model:
                continue
            extra = entry.model_extra or {}
            for key in ("max_model_len", "context_length", "context_window"):
                value = extra.get(key)
                if isinstance(value, int) and value > 0:
                    return value
        return 0

    def request_body(
        self, messages: Sequence[Message], params: GenerationParams, tools: Sequence[Tool]
    ) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` (without ``stream``)."""
        max_tokens = params.max_tokens
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages),
            "temperature": params.temperature,
            "stream_options": {"include_usage": True},
        }
        if self.capabilities.reasoning:
            body["reasoning_effort"] = params.reasoning_effort
            max_tokens += REASONING_RESERVE[params.reasoning_effort]  # reasoning counts too
        body["max_tokens"] = max_tokens
        if tools and self._tools:
            body["tools"] = [{"type": "function", "function": dict(t)} for t in tools]
            body["tool_choice"] = "auto"
        if params.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": params.json_schema, "strict": True},
            }
        return body

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
        tools: Sequence[Tool] = (),
    ) -> Iterator[ModelEvent]:
        cancel = cancel or CancelToken()
        body = self.request_body(messages, params, tools)
        attempt = 0
        while True:
            reader = ChunkReader()
            shown = False
            try:
                for event in self._attempt(body, reader, cancel):
                    shown = shown or isinstance(event, AnswerText | Reasoning)
                    yield event
                return
            except (Cancelled, ModelError):
                raise
            except Exception as exc:
                if not shown and _schema_fallback(body, exc):
                    continue
                failure = classify(exc, self.base_url, self.timeout)
                message = redact(failure.message, self._key)
                if shown:
                    partial = "".join(reader.answer)
                    raise StreamCutError(
                        f"The answer was cut off after {len(partial)} characters: {message}",
                        "What arrived is kept above. " + failure.hint,
                        partial,
                    ) from None
                if not failure.retryable or attempt >= self.max_retries:
                    tries = f" (after {attempt + 1} tries)" if attempt else ""
                    raise ModelError(message + tries, failure.hint) from None
                delay = self._delay(attempt, failure.wait)
                log.warning("%s; retrying in %.1f s", message, delay)
                self._sleep(delay, cancel)
                attempt += 1

    def _delay(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return min(server_wait, 30.0)
        return min(8.0, self.backoff * 2.0**attempt) * random.uniform(0.75, 1.25)

    @staticmethod
    def _sleep(seconds: float, cancel: CancelToken) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            cancel.raise_if_cancelled()
            time.sleep(min(left, 0.1))

    def _attempt(
        self, body: dict[str, Any], reader: ChunkReader, cancel: CancelToken
    ) -> Iterator[ModelEvent]:
        client = self._client()
        stream = client.chat.completions.create(stream=True, **body)
        try:
            for chunk in stream:
                if cancel.cancelled:
                    yield TurnEnd("cancelled")
                    return
                yield from reader.feed(chunk.model_dump(exclude_unset=True))
        finally:
            stream.close()
        if not reader.finish:
            raise _TruncatedError()
        yield from reader.close()


def _schema_fallback(body: dict[str, Any], exc: Exception) -> bool:
    """Servers that refuse OpenAI's ``json_schema`` response format (llama-cpp-python's)
    take ``{"type": "json_object", "schema": ...}``: switch the body once, say whether."""
    import openai

    wanted = body.get("response_format") or {}
    if wanted.get("type") != "json_schema" or not isinstance(exc, openai.APIStatusError):
        return False
    if "response_format" not in _server_detail(exc):
        return False
    log.info("the server refuses json_schema; asking with json_object and the schema")
    body["response_format"] = {"type": "json_object", "schema": wanted["json_schema"]["schema"]}
    return True


def check_server(base_url: str, api_key: str, model: str, timeout: float = 10.0) -> str:
    """Ask an OpenAI-compatible server for its models: a description when it answers and
    serves ``model`` (any model when empty); ModelError with a hint otherwise. For a
    "Test connection" button and ``fathom doctor``."""
    base_url = base_url.rstrip("/")
    if not base_url:
        raise ModelError("No LLM server URL is set.", "Set llm.base_url, e.g. http://host:8080/v1.")
    client = _client(base_url, api_key, timeout)
    try:
        listing = client.models.list()
        names = [entry.id for entry in listing.data]
    except Exception as exc:
        failure = classify(exc, base_url, timeout)
        raise ModelError(redact(failure.message, api_key), failure.hint) from None
    finally:
        client.close()
    if model and names and model not in names:
        shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
        raise ModelError(
            f"The LLM server at {base_url} answers but does not list the model '{model}'.",
            f"It serves: {shown}. Set llm.model (or --llm-model) to one of them.",
        )
    if model:
        return f"{base_url} answers and serves {model} ({len(names)} models listed)"
    return f"{base_url} answers ({len(names)} models listed)"
