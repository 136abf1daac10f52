"""The OpenAI-compatible backend's pieces: chunks to events, messages, request bodies."""

from __future__ import annotations

import json

import pytest

from desktop.core.errors import ModelError
from desktop.core.llm.base import (
    AnswerText,
    Capabilities,
    GenerationParams,
    Reasoning,
    ToolCall,
    TurnEnd,
    Usage,
)
from desktop.core.llm.openai_compat import (
    ChunkReader,
    OpenAICompatModel,
    estimate_tokens,
    to_openai_messages,
)
from desktop.core.rag.prompt import SEARCH_TOOL
from tests.sse_server import (
    chunk,
    llama_server_answer,
    llama_server_tool_call,
    openrouter_answer,
)


def read(events: list[object]) -> list[object]:
    reader = ChunkReader()
    out: list[object] = []
    for event in events:
        if isinstance(event, dict):
            out += reader.feed(event)
    return out + reader.close()


def test_reasoning_content_deltas_are_reasoning_never_answer() -> None:
    events = read(llama_server_answer(["Think", "ing."], ["Mil", "vus [1]."]).events)
    assert [e for e in events if isinstance(e, Reasoning)] == [
        Reasoning("Think"),
        Reasoning("ing."),
    ]
    assert "".join(e.text for e in events if isinstance(e, AnswerText)) == "Milvus [1]."
    assert events[-2:] == [TurnEnd("stop"), Usage(prompt_tokens=120, completion_tokens=4)]


def test_openrouter_reasoning_deltas_and_usage_after_the_finish() -> None:
    events = read(openrouter_answer(["Let me see"], ["Yes", "."]).events)
    assert Reasoning("Let me see") in events
    assert "".join(e.text for e in events if isinstance(e, AnswerText)) == "Yes."
    assert TurnEnd("stop") in events
    assert Usage(prompt_tokens=150, completion_tokens=3) in events


def test_a_server_sending_both_reasoning_fields_is_read_once() -> None:
    both = chunk("m", {"reasoning_content": "same", "reasoning": "same"})
    events = read([both, chunk("m", {}, "stop")])
    assert events == [Reasoning("same"), TurnEnd("stop"), Usage(0, 1)]


def test_tool_call_split_across_chunks_is_assembled() -> None:
    stream = llama_server_tool_call(
        "search_documents", ['{"que', 'ry": "index ', 'types", "k"', ": 3}"], ["Search."]
    )
    events = read(stream.events)
    assert ToolCall("search_documents", {"query": "index types", "k": 3}) in events
    assert TurnEnd("call") in events
    assert not [e for e in events if isinstance(e, AnswerText)]


def test_two_parallel_tool_calls_by_index() -> None:
    def piece(index: int, **function: str) -> dict[str, object]:
        return chunk("m", {"tool_calls": [{"index": index, "function": function}]})

    events = read(
        [
            piece(0, name="search_documents", arguments=""),
            piece(1, name="search_documents", arguments='{"query": "b"}'),
            piece(0, arguments='{"query": "a"}'),
            chunk("m", {}, "tool_calls"),
        ]
    )
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert calls == [
        ToolCall("search_documents", {"query": "a"}),
        ToolCall("search_documents", {"query": "b"}),
    ]


def test_unreadable_arguments_end_the_turn_as_a_call_without_a_tool_call() -> None:
    stream = llama_server_tool_call("search_documents", ['{"query": '], [])
    events = read(stream.events)
    assert not [e for e in events if isinstance(e, ToolCall)]
    assert TurnEnd("call") in events  # the loop answers with "that call could not be read"


@pytest.mark.parametrize(("server", "ours"), [("length", "length"), ("tool_calls", "call")])
def test_finish_reasons(server: str, ours: str) -> None:
    events = read([chunk("m", {"content": "x"}, server)])
    assert events[-2:] == [TurnEnd(ours), Usage(0, 1)]  # no usage sent: one per piece


def test_messages_get_tool_call_ids_that_results_refer_to() -> None:
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": "",
            "reasoning": "thinking",
            "tool_calls": [{"name": "search_documents", "arguments": {"query": "x"}}],
        },
        {"role": "tool", "name": "search_documents", "content": "[1] a.md\ntext"},
    ]
    out = to_openai_messages(messages)
    call = out[2]["tool_calls"][0]
    assert call["type"] == "function"
    assert json.loads(call["function"]["arguments"]) == {"query": "x"}
    assert out[3] == {"role": "tool", "tool_call_id": call["id"], "content": "[1] a.md\ntext"}
    assert "reasoning" not in out[2]


def test_a_tool_result_without_a_call_gets_one() -> None:
    out = to_openai_messages([{"role": "tool", "name": "search_documents", "content": "bad"}])
    assert out[0]["tool_calls"][0]["id"] == out[1]["tool_call_id"]


def test_request_body_for_gpt_oss_with_tools_and_effort() -> None:
    model = OpenAICompatModel("http://127.0.0.1:9/v1", "openai/gpt-oss-120b")
    params = GenerationParams(max_tokens=100, reasoning_effort="high")
    body = model.request_body([{"role": "user", "content": "q"}], params, [SEARCH_TOOL])
    assert body["reasoning_effort"] == "high"
    assert body["max_tokens"] > 100  # room for the reasoning
    assert body["tools"] == [{"type": "function", "function": SEARCH_TOOL}]
    assert model.capabilities == Capabilities(tools=True, reasoning=True, device="remote")
    assert model.loaded and model.load_fraction == 1.0
    model.wait_loaded()  # a server's model: nothing to wait for


def test_request_body_for_a_plain_model_with_a_schema() -> None:
    model = OpenAICompatModel("http://127.0.0.1:9/v1/", "gemma3")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    params = GenerationParams(max_tokens=64, json_schema=schema)
    body = model.request_body([{"role": "user", "content": "q"}], params, [SEARCH_TOOL])
    assert "reasoning_effort" not in body and "tools" not in body
    assert body["max_tokens"] == 64
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert not model.capabilities.tools and not model.capabilities.reasoning
    assert model.base_url == "http://127.0.0.1:9/v1"


def test_missing_url_or_model_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="URL") as info:
        OpenAICompatModel("", "m")
    assert "--llm-url" in info.value.hint
    with pytest.raises(ModelError, match="model name"):
        OpenAICompatModel("http://x/v1", "")


def test_token_estimate_is_cautious() -> None:
    text = "Milvus supports several index types for dense vectors. " * 10
    assert estimate_tokens(text) >= len(text.split())
    assert estimate_tokens("") == 0


def test_services_pick_the_server_backend_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.core.services import Services

    monkeypatch.setenv("FATHOM_LLM__BACKEND", "openai")
    monkeypatch.setenv("FATHOM_LLM__BASE_URL", "http://gpu-box:8080/v1")
    monkeypatch.setenv("FATHOM_LLM__MODEL", "gpt-oss-120b")
    monkeypatch.setenv("FATHOM_LLM__N_CTX", "32768")
    monkeypatch.setenv("FATHOM_LLM_API_KEY", "sk-env")
    services = Services.from_environment()
    model = services.chat_model()
    assert isinstance(model, OpenAICompatModel)
    assert (model.base_url, model.model, model.context_length) == (
        "http://gpu-box:8080/v1",
        "gpt-oss-120b",
        32768,
    )
    assert model._key == "sk-env"
    flags = services.chat_model(llm_url="http://other:1234/v1", llm_model="qwen3")
    assert isinstance(flags, OpenAICompatModel)
    assert (flags.base_url, flags.model, flags.capabilities.tools) == (
        "http://other:1234/v1",
        "qwen3",
        False,
    )


def test_a_server_url_without_a_model_name_says_how_to_name_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.core.services import Services

    with pytest.raises(ModelError) as info:
        Services.from_environment().chat_model(llm_url="http://gpu-box:8080/v1")
    assert "--llm-model" in info.value.hint
