"""The OpenAI-compatible backend against a local HTTP server replaying recorded stream
shapes (gpt-oss behind llama-server and OpenRouter): streaming, reasoning, the tool loop on
a real store, retries, errors, cut streams, and ``fathom ask --llm-url``."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.errors import ModelError
from desktop.core.llm.base import AnswerText, GenerationParams, Reasoning, ToolCall, TurnEnd
from desktop.core.llm.openai_compat import OpenAICompatModel, StreamCutError, check_server
from desktop.core.rag.answer import Answer, SourcesFound, answer
from desktop.core.store.milvus import MilvusStore
from tests.cli import fathom, fathom_json
from tests.sse_server import (
    Hang,
    ScriptedServer,
    Status,
    Stream,
    chunk,
    error_body,
    llama_server_answer,
    llama_server_error_event,
    llama_server_tool_call,
    openrouter_answer,
    openrouter_error_mid_stream,
)

QUESTION = "How is data stored in milvus?"
QUOTE = "Inserted data, including vector data"
USER = [{"role": "user", "content": "Where is data stored?"}]
PARAMS = GenerationParams(max_tokens=64, reasoning_effort="low")


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(models=("gpt-oss-20b", "openai/gpt-oss-120b")) as s:
        yield s


def model_for(server: ScriptedServer, name: str = "gpt-oss-20b", **kw: object) -> OpenAICompatModel:
    options: dict[str, object] = {"backoff": 0.01, "timeout": 10.0, **kw}
    return OpenAICompatModel(server.url, name, "sk-test", **options)  # type: ignore[arg-type]


def run(model: OpenAICompatModel, **kw: object) -> list[object]:
    return list(model.stream(USER, PARAMS, **kw))  # type: ignore[arg-type]


def text(events: list[object], kind: type[AnswerText | Reasoning]) -> str:
    return "".join(e.text for e in events if isinstance(e, kind))


# --- streams -------------------------------------------------------------------------------


def test_llama_server_stream_reasoning_apart_from_the_answer(server: ScriptedServer) -> None:
    server.script(llama_server_answer(["The user ", "asks."], ["Data is ", "in MinIO [1]."]))
    events = run(model_for(server))
    assert text(events, Reasoning) == "The user asks."
    assert text(events, AnswerText) == "Data is in MinIO [1]."
    assert TurnEnd("stop") in events

    body = server.requests[0]
    assert body["stream"] is True and body["model"] == "gpt-oss-20b"
    assert body["reasoning_effort"] == "low"
    assert body["stream_options"] == {"include_usage": True}
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


def test_openrouter_stream_with_keepalive_comments(server: ScriptedServer) -> None:
    server.script(openrouter_answer(["Think."], ["Milvus", " stores it."]))
    events = run(model_for(server, "openai/gpt-oss-120b"))
    assert text(events, Reasoning) == "Think."
    assert text(events, AnswerText) == "Milvus stores it."
    assert events[-1].completion_tokens == 3  # type: ignore[union-attr]


def test_json_schema_goes_as_response_format(server: ScriptedServer) -> None:
    server.script(llama_server_answer([], ['{"answer": ', '"MinIO"}'], model="gemma3"))
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    params = GenerationParams(max_tokens=32, json_schema=schema)
    events = list(model_for(server, "gemma3").stream(USER, params))
    assert json.loads(text(events, AnswerText)) == {"answer": "MinIO"}
    sent = server.requests[0]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == schema


def test_a_server_refusing_json_schema_gets_json_object_with_the_schema(
    server: ScriptedServer,
) -> None:
    # llama-cpp-python's server answers a json_schema response_format with this 500.
    refusal = error_body(
        500,
        "1 validation error: ('body', 'response_format', 'type') "
        "Input should be 'text' or 'json_object'",
        "internal_server_error",
    )
    server.script(Status(500, refusal), llama_server_answer([], ['{"answer": "x"}'], "gemma3"))
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    params = GenerationParams(max_tokens=32, json_schema=schema)
    events = list(model_for(server, "gemma3", max_retries=0).stream(USER, params))
    assert text(events, AnswerText) == '{"answer": "x"}'
    assert server.requests[1]["response_format"] == {"type": "json_object", "schema": schema}


# --- retries and errors ----------------------------------------------------------------------


def test_429_then_ok_is_retried_after_the_servers_wait(server: ScriptedServer) -> None:
    limited = Status(
        429, error_body(429, "Rate limit exceeded", "rate_limit"), {"Retry-After": "0"}
    )
    server.script(limited, llama_server_answer([], ["ok"]))
    assert text(run(model_for(server)), AnswerText) == "ok"
    assert len(server.requests) == 2


def test_500_then_ok_is_retried(server: ScriptedServer) -> None:
    server.script(
        Status(500, error_body(500, "boom", "server_error")), llama_server_answer([], ["ok"])
    )
    assert text(run(model_for(server)), AnswerText) == "ok"


def test_500_every_time_gives_up_after_bounded_tries(server: ScriptedServer) -> None:
    server.script(*[Status(503, error_body(503, "Loading model", "unavailable_error"))] * 5)
    with pytest.raises(ModelError) as info:
        run(model_for(server, max_retries=2))
    assert "answered 503: Loading model (after 3 tries)" in info.value.message
    assert len(server.requests) == 3
    assert info.value.hint


def test_an_error_event_before_any_text_is_retried(server: ScriptedServer) -> None:
    server.script(Stream([llama_server_error_event()]), llama_server_answer([], ["ok"]))
    assert text(run(model_for(server)), AnswerText) == "ok"


def test_401_names_the_problem_and_never_the_key() -> None:
    with ScriptedServer(api_key="sk-right") as s:
        model = OpenAICompatModel(s.url, "gpt-oss-20b", "sk-wrong-SECRET", backoff=0.01)
        with pytest.raises(ModelError) as info:
            run(model)
        assert len(s.requests) == 1  # a refused key is not retried
    error = info.value
    assert "refused the API key (401)" in error.message
    assert "FATHOM_LLM_API_KEY" in error.hint
    assert "SECRET" not in error.message + error.hint


def test_unreachable_server_names_the_url() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(ModelError) as info:
        run(OpenAICompatModel(url, "gpt-oss-20b", max_retries=1, backoff=0.01))
    assert f"Cannot reach the LLM server at {url}" in info.value.message
    assert "llm.base_url" in info.value.hint


def test_a_silent_server_times_out(server: ScriptedServer) -> None:
    server.script(Hang(3.0))
    with pytest.raises(ModelError, match=r"did not answer within 1 s"):
        run(model_for(server, timeout=1.0, max_retries=0))


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(
            Stream([chunk("m", {"content": "Data is "}), llama_server_error_event()], done=False),
            id="llama-server-error-event",
        ),
        pytest.param(openrouter_error_mid_stream(["Data is "]), id="openrouter-error-chunk"),
        pytest.param(Stream([chunk("m", {"content": "Data is "})], cut=True), id="cut-connection"),
        pytest.param(
            Stream([chunk("m", {"content": "Data is "}), 'error: {"code": 500}'], done=False),
            id="old-llama-server-error-line",
        ),
    ],
)
def test_a_stream_broken_mid_answer_keeps_the_partial_answer(
    server: ScriptedServer, broken: Stream
) -> None:
    server.script(broken)
    seen: list[object] = []
    with pytest.raises(StreamCutError) as info:
        for event in model_for(server).stream(USER, PARAMS):
            seen.append(event)
    assert text(seen, AnswerText) == "Data is "
    assert info.value.partial == "Data is "
    assert "cut off after 8 characters" in info.value.message
    assert len(server.requests) == 1  # text was shown: not started over


# --- the tool loop on a real store --------------------------------------------------------


@pytest.mark.slow
def test_tool_calls_drive_the_search_loop(
    server: ScriptedServer, faq_store: MilvusStore, faq_embedder: OnnxEmbedder
) -> None:
    server.script(
        llama_server_tool_call(
            "search_documents",
            ['{"query": "where does', ' milvus store data"', ', "k": 2}'],
            ["I should ", "search."],
        ),
        llama_server_answer(["Found it."], [f'Milvus keeps "{QUOTE}" in storage [1]. Also [7].']),
    )
    model = model_for(server)
    events = list(
        answer(
            QUESTION, store=faq_store, embedder=faq_embedder, model=model, params=PARAMS, top_k=3
        )
    )
    result = events[-1]
    assert isinstance(result, Answer)
    assert result.searches == ["where does milvus store data"]
    assert [len(e.sources) for e in events if isinstance(e, SourcesFound)] == [2]
    assert result.reasoning == "I should search.Found it."
    assert not any(isinstance(e, ToolCall) for e in events)
    verdict = {c.number: c.verified for c in result.citations}
    assert verdict == {1: True, 7: False}

    first, second = server.requests
    assert first["tools"][0]["function"]["name"] == "search_documents"
    assert first["tool_choice"] == "auto"
    call, reply = second["messages"][-2:]
    assert call["role"] == "assistant"
    assert call["tool_calls"][0]["function"]["name"] == "search_documents"
    assert json.loads(call["tool_calls"][0]["function"]["arguments"]) == {
        "query": "where does milvus store data",
        "k": 2,
    }
    assert reply["role"] == "tool" and reply["tool_call_id"] == call["tool_calls"][0]["id"]
    assert reply["content"].startswith("[1] ") and QUOTE in reply["content"]
    assert result.finish_reason == "stop"


# --- check_server ----------------------------------------------------------------------------


def test_check_server(server: ScriptedServer) -> None:
    assert "serves gpt-oss-20b (2 models listed)" in check_server(server.url, "", "gpt-oss-20b")
    with pytest.raises(ModelError) as info:
        check_server(server.url, "", "llama-70b")
    assert "does not list the model 'llama-70b'" in info.value.message
    assert "gpt-oss-20b" in info.value.hint
    with ScriptedServer(api_key="sk-right") as locked, pytest.raises(ModelError, match="401"):
        check_server(locked.url, "sk-wrong", "")


# --- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faq_home(tmp_path_factory: pytest.TempPathFactory, onnx_model_dir: Path, corpus: Path) -> Path:
    base = tmp_path_factory.mktemp("remote-home")
    fathom_json("--base-dir", base, "ingest", corpus / "faq", "--embedding", onnx_model_dir)
    return base


@pytest.mark.slow
def test_ask_through_a_server_has_the_local_json_shape(
    server: ScriptedServer, faq_home: Path
) -> None:
    server.script(llama_server_answer(["Short."], [f'"{QUOTE}" is kept in storage [1].']))
    out = fathom_json(
        "--base-dir", faq_home, "ask", QUESTION, "--llm-url", server.url, "--llm-model", "qwen3"
    )
    assert set(out) == {"answer", "reasoning", "sources", "citations", "timings"}
    assert out["answer"].startswith(f'"{QUOTE}"') and out["reasoning"] == "Short."
    assert out["citations"][0]["verified"] is True
    assert out["sources"][0]["heading"].endswith("Where does Milvus store data?")
    assert out["timings"]["tokens"] == 2 and out["timings"]["ttft_ms"] > 0
    assert "tools" not in server.requests[0]  # not a known tool caller: single-shot


@pytest.mark.slow
def test_ask_shows_the_partial_answer_when_the_stream_is_cut(
    server: ScriptedServer, faq_home: Path
) -> None:
    server.script(Stream([chunk("m", {"content": "Milvus keeps data in "})], cut=True))
    env = {"FATHOM_LLM__BACKEND": "openai", "FATHOM_LLM__BASE_URL": server.url}
    env |= {"FATHOM_LLM__MODEL": "gpt-oss-20b", "FATHOM_LLM_API_KEY": "sk-abc-SECRET"}
    proc = fathom("--base-dir", faq_home, "ask", QUESTION, env={**env})
    assert proc.returncode == 1
    assert "Milvus keeps data in" in proc.stdout and "Sources:" not in proc.stdout  # no search
    assert "cut off after 21 characters" in proc.stderr and "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr and "SECRET" not in proc.stderr + proc.stdout

    server.script(Stream([chunk("m", {"content": "Milvus keeps data in "})], cut=True))
    out = fathom_json("--base-dir", faq_home, "ask", QUESTION, env=env, expect_rc=1)
    assert out["answer"] == "Milvus keeps data in " and out["sources"] == []
    assert "cut off" in out["error"]["message"] and out["error"]["hint"]


@pytest.mark.slow
def test_doctor_shows_the_llm_backend_and_whether_it_answers() -> None:
    with ScriptedServer(api_key="sk-right-SECRET") as s:
        env = {"FATHOM_LLM__BACKEND": "openai", "FATHOM_LLM__BASE_URL": s.url}
        env |= {"FATHOM_LLM__MODEL": "gpt-oss-20b", "FATHOM_LLM_API_KEY": "sk-right-SECRET"}
        proc = fathom("doctor", env=env)
        assert proc.returncode == 0, proc.stderr
        assert f"LLM backend: OpenAI-compatible server {s.url}, model gpt-oss-20b" in proc.stdout
        assert "status: ok: " in proc.stdout and "API key: set" in proc.stdout

        env["FATHOM_LLM_API_KEY"] = "sk-wrong-SECRET"
        report = fathom_json("doctor", env=env)["llm"]
    assert report["status"].startswith("error: ") and "401" in report["status"]
    assert "FATHOM_LLM_API_KEY" in report["hint"]
    assert "SECRET" not in proc.stdout + json.dumps(report)


def test_cancelling_stops_the_stream(server: ScriptedServer) -> None:
    from desktop.core.progress import CancelToken

    pieces = [chunk("m", {"content": f"w{i} "}) for i in range(50)]
    server.script(Stream(pieces, delay=0.05))
    cancel = CancelToken()
    seen: list[object] = []
    for event in model_for(server).stream(USER, PARAMS, cancel):
        seen.append(event)
        if isinstance(event, AnswerText):
            cancel.cancel()
    assert seen[-1] == TurnEnd("cancelled")
    assert text(seen, AnswerText) == "w0 "
