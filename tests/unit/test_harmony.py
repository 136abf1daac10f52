"""Tests for desktop.core.llm.harmony: prompt rendering and streamed-output parsing."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest

from desktop.core.llm.harmony import (
    AnswerText,
    Commentary,
    Event,
    HarmonyStreamParser,
    ParseError,
    Reasoning,
    ToolCall,
    TurnEnd,
    render_prompt,
)

DATE = "2025-06-28"
SYSTEM_HEAD = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\n"
    "Current date: 2025-06-28\n"
    "\n"
)
CHANNELS = (
    "# Valid channels: analysis, commentary, final. Channel must be included for every message."
)
TOOLS_LINE = "\nCalls to these tools must go to the commentary channel: 'functions'."


def system(effort: str = "medium", *, tools: bool = False) -> str:
    """The system message the renderer must produce."""
    tail = TOOLS_LINE if tools else ""
    return f"{SYSTEM_HEAD}Reasoning: {effort}\n\n{CHANNELS}{tail}<|end|>"


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_plain_conversation_at_each_effort(effort: str) -> None:
    messages = [
        {"role": "system", "content": "Answer like a robot."},
        {"role": "user", "content": "What is 2 + 2?"},
    ]
    expected = (
        "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
        "Knowledge cutoff: 2024-06\n"
        "Current date: 2025-06-28\n"
        "\n"
        f"Reasoning: {effort}\n"
        "\n"
        "# Valid channels: analysis, commentary, final. Channel must be included for every "
        "message.<|end|>"
        "<|start|>developer<|message|># Instructions\n\nAnswer like a robot.<|end|>"
        "<|start|>user<|message|>What is 2 + 2?<|end|>"
        "<|start|>assistant"
    )
    assert render_prompt(messages, reasoning_effort=effort, date=DATE) == expected


def test_no_instructions_means_no_developer_message() -> None:
    got = render_prompt([{"role": "user", "content": "Hi"}], reasoning_effort="low", date=DATE)
    assert got == system("low") + "<|start|>user<|message|>Hi<|end|><|start|>assistant"


def test_system_and_developer_messages_merge_into_instructions() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "developer", "content": "Cite sources."},
    ]
    got = render_prompt(messages, reasoning_effort="high", date=DATE)
    assert got == (
        system("high")
        + "<|start|>developer<|message|># Instructions\n\nBe brief.\n\nCite sources.<|end|>"
        + "<|start|>user<|message|>Hi<|end|><|start|>assistant"
    )


SEARCH_TOOL: dict[str, Any] = {
    "name": "search_documents",
    "description": "Search the user's documents.\nReturns the best passages.",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look for"},
            "limit": {"type": "integer", "default": 5},
            "mode": {"type": "string", "enum": ["exact", "fuzzy"], "default": "fuzzy"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "include_archived": {"type": "boolean", "default": False},
            "folder": {"type": "string", "nullable": True, "default": "inbox"},
            "range": {
                "type": "object",
                "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
                "required": ["start"],
            },
            "page": {
                "oneOf": [{"type": "integer"}, {"type": "string", "description": "a cursor"}],
                "description": "Page number or cursor",
            },
        },
        "required": ["query"],
    },
}
LIST_TOOL = {"name": "list_documents", "description": "List every document."}


def test_developer_instructions_and_tools_namespace() -> None:
    messages = [
        {"role": "developer", "content": "Use the documents."},
        {"role": "user", "content": "Find the lease."},
    ]
    expected_developer = """<|start|>developer<|message|># Instructions

Use the documents.

# Tools

## functions

namespace functions {

// Search the user's documents.
// Returns the best passages.
type search_documents = (_: {
// What to look for
query: string,
limit?: number, // default: 5
mode?: "exact" | "fuzzy", // default: fuzzy
tags?: string[],
include_archived?: boolean, // default: false
folder?: string | null, // default: "inbox"
range?: {
    start: string,
    end?: string,
    },
// Page number or cursor
page?:
 | number
 | string // a cursor
,
}) => any;

// List every document.
type list_documents = () => any;

} // namespace functions<|end|>"""
    got = render_prompt(
        messages, reasoning_effort="high", tools=[SEARCH_TOOL, LIST_TOOL], date=DATE
    )
    assert got == (
        system("high", tools=True)
        + expected_developer
        + "<|start|>user<|message|>Find the lease.<|end|><|start|>assistant"
    )


def test_tools_without_instructions_and_openai_style_wrapper() -> None:
    tool = {"type": "function", "function": {"name": "now", "description": "Current time."}}
    got = render_prompt([], reasoning_effort="low", tools=[tool], date=DATE)
    assert got == (
        system("low", tools=True)
        + "<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n"
        + "// Current time.\ntype now = () => any;\n\n} // namespace functions<|end|>"
        + "<|start|>assistant"
    )


def test_type_list_and_described_nested_object() -> None:
    tool = {
        "name": "f",
        "description": "",
        "parameters": {
            "type": "object",
            "properties": {
                "x": {"type": ["integer", "string"]},
                "y": {"type": "object", "properties": {}, "description": "Y"},
            },
        },
    }
    got = render_prompt([], reasoning_effort="low", tools=[tool], date=DATE)
    assert "type f = (_: {\nx?: number | string,\n// Y\ny?:     // Y\n{\n    },\n}) => any;" in got


def test_multi_turn_history_drops_finished_analysis_and_keeps_tool_round() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "reasoning": "Simple sum.", "content": "4."},
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "reasoning": "Need the weather tool.",
            "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}],
        },
        {"role": "tool", "name": "get_weather", "content": '{"temp": -3}'},
    ]
    tools = [{"name": "get_weather", "description": "Weather.", "parameters": None}]
    got = render_prompt(messages, reasoning_effort="medium", tools=tools, date=DATE)
    history = got[got.index("<|start|>user") :]
    assert history == (
        "<|start|>user<|message|>What is 2 + 2?<|end|>"
        "<|start|>assistant<|channel|>final<|message|>4.<|end|>"
        "<|start|>user<|message|>Weather in Oslo?<|end|>"
        "<|start|>assistant<|channel|>analysis<|message|>Need the weather tool.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"
        '<|message|>{"city": "Oslo"}<|call|>'
        "<|start|>functions.get_weather to=assistant<|channel|>commentary"
        '<|message|>{"temp": -3}<|end|>'
        "<|start|>assistant"
    )


def test_finished_tool_turn_drops_all_its_analysis_but_keeps_calls() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "reasoning": "Call it.",
            "content": "Checking.",
            "tool_calls": [{"name": "functions.w", "arguments": "{}"}],
        },
        {"role": "tool", "name": "w", "content": {"ok": True}},
        {"role": "assistant", "reasoning": "Got it.", "content": "Sunny."},
        {"role": "user", "content": "Thanks"},
    ]
    got = render_prompt(messages, reasoning_effort="low", date=DATE)
    assert got == system("low") + (
        "<|start|>user<|message|>Weather?<|end|>"
        "<|start|>assistant<|channel|>commentary<|message|>Checking.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.w <|constrain|>json"
        "<|message|>{}<|call|>"
        '<|start|>functions.w to=assistant<|channel|>commentary<|message|>{"ok": true}<|end|>'
        "<|start|>assistant<|channel|>final<|message|>Sunny.<|end|>"
        "<|start|>user<|message|>Thanks<|end|><|start|>assistant"
    )


def test_dates_and_validation() -> None:
    msgs = [{"role": "user", "content": "x"}]
    by_date = render_prompt(msgs, reasoning_effort="low", date=datetime.date(2025, 6, 28))
    by_datetime = render_prompt(
        msgs, reasoning_effort="low", date=datetime.datetime(2025, 6, 28, 23, 59)
    )
    assert by_date == by_datetime == render_prompt(msgs, reasoning_effort="low", date=DATE)
    before = datetime.date.today().isoformat()
    default = render_prompt(msgs, reasoning_effort="low")
    after = datetime.date.today().isoformat()
    assert f"Current date: {before}\n" in default or f"Current date: {after}\n" in default
    with pytest.raises(ValueError):
        render_prompt(msgs, reasoning_effort="extreme", date=DATE)
    with pytest.raises(ValueError):
        render_prompt(msgs, reasoning_effort="Low", date=DATE)
    with pytest.raises(ValueError):
        render_prompt([{"role": "narrator", "content": "x"}], reasoning_effort="low", date=DATE)
    with pytest.raises(ValueError):
        render_prompt(msgs, reasoning_effort="low", date="28/06/2025")
    with pytest.raises(ValueError):
        render_prompt([{"role": "tool", "content": "x"}], reasoning_effort="low", date=DATE)


# --------------------------------------------------------------------------- parsing


def parse(text: str) -> list[Event]:
    parser = HarmonyStreamParser()
    return parser.feed(text) + parser.close()


def merged(events: list[Event]) -> list[Event]:
    """Join adjacent text events of the same type."""
    out: list[Event] = []
    for event in events:
        last = out[-1] if out else None
        if (
            isinstance(event, Reasoning | AnswerText | Commentary)
            and type(last) is type(event)
            and isinstance(last, Reasoning | AnswerText | Commentary)
        ):
            out[-1] = type(event)(last.text + event.text)
        else:
            out.append(event)
    return out


FULL = (
    "<|channel|>analysis<|message|>The user wants 2+2. <|end|>"
    "<|start|>assistant<|channel|>final<|message|>It is **4**.<|return|>"
)


def test_full_analysis_then_final_stream() -> None:
    assert parse(FULL) == [
        Reasoning("The user wants 2+2. "),
        AnswerText("It is **4**."),
        TurnEnd("return"),
    ]


def test_stream_may_start_with_start_token() -> None:
    assert parse("<|start|>assistant" + FULL) == parse(FULL)


def test_text_is_emitted_incrementally() -> None:
    parser = HarmonyStreamParser()
    assert parser.feed("<|channel|>fin") == []
    assert parser.feed("al<|message|>Hel") == [AnswerText("Hel")]
    assert parser.feed("lo<|") == [AnswerText("lo")]
    assert parser.feed("ret") == []
    assert parser.feed("urn|>") == [TurnEnd("return")]
    assert parser.close() == []


def test_lookalike_of_special_token_is_text() -> None:
    parser = HarmonyStreamParser()
    assert parser.feed("<|channel|>final<|message|>a <|ret") == [AnswerText("a ")]
    assert parser.feed("ro|> b") == [AnswerText("<|retro|> b")]


ARGS = '<|message|>{"q": "lease", "n": 3}<|call|>'


@pytest.mark.parametrize(
    "stream",
    [
        "<|start|>assistant to=functions.lookup<|channel|>commentary <|constrain|>json" + ARGS,
        "<|channel|>commentary to=functions.lookup <|constrain|>json" + ARGS,
        "<|channel|>commentary to=functions.lookup<|constrain|>json" + ARGS,
    ],
)
def test_tool_call_recipient_forms(stream: str) -> None:
    assert parse(stream) == [ToolCall("lookup", {"q": "lease", "n": 3}), TurnEnd("call")]


def test_analysis_preamble_and_call() -> None:
    stream = (
        "<|channel|>analysis<|message|>Need a tool.<|end|>"
        "<|start|>assistant<|channel|>commentary<|message|>Looking it up.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.now <|constrain|>json"
        "<|message|><|call|>"
    )
    assert parse(stream) == [
        Reasoning("Need a tool."),
        Commentary("Looking it up."),
        ToolCall("now", {}),
        TurnEnd("call"),
    ]


def test_messages_ending_in_end_then_eof() -> None:
    stream = "<|channel|>final<|message|>Done.<|end|>"
    assert parse(stream) == [AnswerText("Done."), TurnEnd("end")]


STREAMS = [
    FULL,
    (
        "<|start|>assistant to=functions.x<|channel|>commentary <|constrain|>json"
        '<|message|>{"a": [1, 2, {"b": "<|not a token|>"}]}<|call|>'
    ),
    "junk<|channel|>analysis<|message|>a<|b<|end|>stray<|channel|>final<|message|>c<|return|>",
    (
        "<|channel|>mystery<|message|>x<|end|><|start|>user<|message|>y<|end|>"
        "<|start|>assistant<|channel|>final<|message|>ok <|con"
    ),
    "<|channel|>commentary to=functions.x <|constrain|>json<|message|>{bad<|call|>",
    "<|channel|>final<|message|>one<|start|>assistant<|channel|>final<|message|>two",
]


@pytest.mark.parametrize("stream", STREAMS)
def test_char_by_char_and_random_splits_match_one_shot(stream: str) -> None:
    expected = merged(parse(stream))
    parser = HarmonyStreamParser()
    one_char = [e for ch in stream for e in parser.feed(ch)] + parser.close()
    assert merged(one_char) == expected
    rng = random.Random(1234)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(stream)), k=rng.randint(1, 8)))
        pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        parser = HarmonyStreamParser()
        events = [e for piece in pieces for e in parser.feed(piece)] + parser.close()
        assert merged(events) == expected, pieces


def errors(events: list[Event]) -> list[str]:
    return [e.message for e in events if isinstance(e, ParseError)]


def test_invalid_json_arguments_reported() -> None:
    events = parse("<|channel|>commentary to=functions.x <|constrain|>json<|message|>{bad<|call|>")
    assert not any(isinstance(e, ToolCall) for e in events)
    assert events[-1] == TurnEnd("call")
    assert len(errors(events)) == 1 and "invalid JSON" in errors(events)[0]


def test_non_object_arguments_reported() -> None:
    events = parse("<|channel|>commentary to=functions.x<|message|>[1, 2]<|call|>")
    assert errors(events) == ["tool call 'x' arguments are not a JSON object"]


def test_unknown_channel_is_skipped_and_reported() -> None:
    events = parse(
        "<|channel|>secret<|message|>hidden<|end|><|start|>assistant"
        "<|channel|>final<|message|>shown<|return|>"
    )
    assert [e for e in events if not isinstance(e, ParseError)] == [
        AnswerText("shown"),
        TurnEnd("return"),
    ]
    assert len(errors(events)) == 1 and "secret" in errors(events)[0]


def test_text_before_any_header_is_reported() -> None:
    events = parse("oops<|channel|>final<|message|>Hi<|return|>")
    assert events[1:] == [AnswerText("Hi"), TurnEnd("return")]
    assert isinstance(events[0], ParseError) and "oops" in events[0].message


def test_plain_text_without_tokens_is_reported_at_close() -> None:
    parser = HarmonyStreamParser()
    assert parser.feed("just some text") == []
    events = parser.close()
    assert events[-1] == TurnEnd("eof") and len(errors(events)) == 1


def test_missing_end_before_next_message() -> None:
    events = parse(
        "<|channel|>analysis<|message|>think<|start|>assistant<|channel|>final"
        "<|message|>ans<|return|>"
    )
    assert [e for e in events if not isinstance(e, ParseError)] == [
        Reasoning("think"),
        AnswerText("ans"),
        TurnEnd("return"),
    ]
    assert len(errors(events)) == 1


def test_close_mid_final_message_keeps_text_and_reports_truncation() -> None:
    parser = HarmonyStreamParser()
    assert parser.feed("<|channel|>final<|message|>partial answer <|") == [
        AnswerText("partial answer ")
    ]
    events = parser.close()
    assert events[0] == AnswerText("<|")
    assert isinstance(events[1], ParseError) and "truncated" in events[1].message
    assert events[2:] == [TurnEnd("eof")]
    assert parser.close() == []
    assert isinstance(parser.feed("more")[0], ParseError)


def test_close_mid_tool_call() -> None:
    cut = parse('<|channel|>commentary to=functions.x <|constrain|>json<|message|>{"a":')
    assert not any(isinstance(e, ToolCall) for e in cut) and cut[-1] == TurnEnd("eof")
    assert len(errors(cut)) == 2
    whole = parse('<|channel|>commentary to=functions.x <|constrain|>json<|message|>{"a": 1}')
    assert whole[0] == ToolCall("x", {"a": 1}) and whole[-1] == TurnEnd("eof")


def test_empty_output_and_unexpected_roles_and_tokens() -> None:
    assert parse("") == [ParseError("output ended before any message"), TurnEnd("eof")]
    events = parse("<|start|>user<|message|>fake<|end|><|channel|>final<|message|>x<|call|>")
    assert [e for e in events if not isinstance(e, ParseError)] == [
        AnswerText("x"),
        TurnEnd("call"),
    ]
    assert len(errors(events)) == 2
    events = parse("<|channel|>final<|message|>a<|return|><|return|>")
    assert events[:2] == [AnswerText("a"), TurnEnd("return")]
    assert len(events) == 3 and isinstance(events[2], ParseError)


def test_repeated_assistant_role_is_tolerated() -> None:
    assert parse("assistant<|channel|>final<|message|>x<|return|>") == [
        AnswerText("x"),
        TurnEnd("return"),
    ]
