"""The llama.cpp backend with the real gemma3 GGUF: streaming, cancel, cache, grammar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.llm.base import AnswerText, GenerationParams, TurnEnd, Usage
from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions
from desktop.core.progress import CancelToken

GREEDY = GenerationParams(max_tokens=24, temperature=0.0)


@pytest.fixture(scope="module")
def model(gemma_gguf: Path) -> Iterator[LlamaCppModel]:
    m = LlamaCppModel(gemma_gguf, LlamaOptions(n_ctx=2048))
    yield m
    m.close()


def _ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": text}]


def test_streams_pieces_and_reports_usage(model: LlamaCppModel) -> None:
    events = list(model.stream(_ask("Name three colours."), GREEDY))
    texts = [e.text for e in events if isinstance(e, AnswerText)]
    assert len(texts) > 2 and "".join(texts).strip()
    usage = next(e for e in events if isinstance(e, Usage))
    assert 2 < usage.completion_tokens <= 24 and usage.prompt_tokens > 5
    end = next(e for e in events if isinstance(e, TurnEnd))
    assert end.reason in ("stop", "length")
    assert "<end_of_turn>" not in "".join(texts)
    assert model.count_tokens("hello world") in (2, 3)
    caps = model.capabilities  # gemma3 through its own chat template: no tools, no reasoning
    assert (caps.tools, caps.reasoning, caps.exact_token_count) == (False, False, True)
    assert model.loaded and model.load_fraction == 1.0


def test_same_prompt_same_answer_when_greedy(model: LlamaCppModel) -> None:
    def run() -> str:
        return "".join(
            e.text for e in model.stream(_ask("Say hi."), GREEDY) if isinstance(e, AnswerText)
        )

    assert run() == run()


def test_cancel_stops_at_the_next_token(model: LlamaCppModel) -> None:
    cancel = CancelToken()
    seen = 0
    events = []
    for event in model.stream(
        _ask("Write a long story about the sea."), GenerationParams(max_tokens=400), cancel
    ):
        events.append(event)
        if isinstance(event, AnswerText):
            seen += 1
            if seen == 3:
                cancel.cancel()
    assert next(e for e in events if isinstance(e, TurnEnd)).reason == "cancelled"
    assert next(e for e in events if isinstance(e, Usage)).completion_tokens <= 5


def test_second_turn_reuses_the_cached_prefix(model: LlamaCppModel) -> None:
    first = _ask("What is the capital of France? " + "Context sentence. " * 40)
    reply = "".join(e.text for e in model.stream(first, GREEDY) if isinstance(e, AnswerText))
    first_prompt = model.last_prompt_tokens
    second = [
        *first,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": "And of Italy?"},
    ]
    list(model.stream(second, GREEDY))
    assert model.last_reused_tokens >= first_prompt - 2  # only the new turn was decoded
    assert model.last_prompt_tokens > first_prompt


def test_json_schema_constrains_the_answer(model: LlamaCppModel) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "maxLength": 20},
            "confident": {"type": "boolean"},
        },
        "required": ["city", "confident"],
    }
    params = GenerationParams(max_tokens=60, temperature=0.0, json_schema=schema)
    text = "".join(
        e.text
        for e in model.stream(_ask("Capital of France?"), params)
        if isinstance(e, AnswerText)
    )
    value = json.loads(text)
    assert set(value) == {"city", "confident"} and isinstance(value["confident"], bool)


def test_a_prompt_longer_than_the_context_is_explained(gemma_gguf: Path) -> None:
    small = LlamaCppModel(gemma_gguf, LlamaOptions(n_ctx=512))
    try:
        with pytest.raises(ModelError, match="context holds 512") as info:
            list(small.stream(_ask("word " * 2000), GREEDY))
        assert "--top-k" in info.value.hint
    finally:
        small.close()
