"""OpenAI's "harmony" chat format, as used by the gpt-oss models.

Two halves, both pure functions of their input:

* :func:`render_prompt` turns a chat history (role/content dicts) into the prompt
  text, byte for byte as OpenAI's reference renderer (``openai/harmony``) lays it
  out, ending in ``<|start|>assistant`` so the model writes the next turn.
* :class:`HarmonyStreamParser` turns the model's streamed output back into events
  (reasoning text, answer text, tool calls, end of turn, parse errors), emitting
  text as soon as it cannot be the start of a special token.

Special tokens: ``<|start|>``, ``<|end|>``, ``<|message|>``, ``<|channel|>``,
``<|constrain|>``, ``<|return|>``, ``<|call|>``.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

# The model-event types are shared by every chat backend; harmony adds its own two below.
from desktop.core.llm.base import AnswerText, Reasoning, ToolCall, TurnEnd

__all__ = [
    "AnswerText",
    "Commentary",
    "Event",
    "HarmonyStreamParser",
    "ParseError",
    "Reasoning",
    "ToolCall",
    "TurnEnd",
    "render_prompt",
]

START: Final = "<|start|>"
END: Final = "<|end|>"
MESSAGE: Final = "<|message|>"
CHANNEL: Final = "<|channel|>"
CONSTRAIN: Final = "<|constrain|>"
RETURN: Final = "<|return|>"
CALL: Final = "<|call|>"
SPECIAL_TOKENS: Final = (START, END, MESSAGE, CHANNEL, CONSTRAIN, RETURN, CALL)

REASONING_EFFORTS: Final = ("low", "medium", "high")
_IDENTITY: Final = "You are ChatGPT, a large language model trained by OpenAI."
_KNOWLEDGE_CUTOFF: Final = "2024-06"
_CHANNELS_LINE: Final = (
    "# Valid channels: analysis, commentary, final. Channel must be included for every message."
)
_TOOLS_CHANNEL_LINE: Final = "Calls to these tools must go to the commentary channel: 'functions'."
_TOKEN_RE: Final = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS))
_LONGEST_TOKEN: Final = max(len(t) for t in SPECIAL_TOKENS)


# --------------------------------------------------------------------------- rendering


def render_prompt(
    messages: Sequence[Mapping[str, Any]],
    *,
    reasoning_effort: str,
    tools: Sequence[Mapping[str, Any]] = (),
    date: datetime.date | str | None = None,
) -> str:
    """Render a conversation as a harmony prompt ending in ``<|start|>assistant``.

    "system" and "developer" messages become the developer "# Instructions";
    reasoning of earlier turns that ended in a final answer is dropped.
    """
    if reasoning_effort not in REASONING_EFFORTS:
        raise ValueError(
            f"reasoning_effort must be one of {REASONING_EFFORTS}, got {reasoning_effort!r}"
        )
    system = "\n".join(
        [_IDENTITY, f"Knowledge cutoff: {_KNOWLEDGE_CUTOFF}", f"Current date: {_iso_date(date)}"]
    )
    system += f"\n\nReasoning: {reasoning_effort}\n\n{_CHANNELS_LINE}"
    if tools:
        system += "\n" + _TOOLS_CHANNEL_LINE
    parts = [_msg("system", system)]

    instructions = [
        text
        for m in messages
        if _role(m) in ("system", "developer")
        for text in [_text(m.get("content"))]
        if text
    ]
    sections: list[str] = []
    if instructions:
        sections += ["# Instructions", "\n\n".join(instructions)]
    if tools:
        sections.append(_tools_section(tools))
    if sections:
        parts.append(_msg("developer", "\n\n".join(sections)))

    history = [m for m in messages if _role(m) not in ("system", "developer")]
    dropped = _turns_ending_in_final(history)
    for index, m in enumerate(history):
        role = _role(m)
        if role == "user":
            parts.append(_msg("user", _text(m.get("content"))))
        elif role == "tool":
            name = _function_name(m.get("name"))
            header = f"{name} to=assistant{CHANNEL}commentary"
            parts.append(_msg(header, _text(m.get("content"), json_ok=True)))
        else:
            parts.append(_render_assistant(m, drop_reasoning=index in dropped))
    return "".join(parts) + START + "assistant"


def _msg(header: str, content: str, end: str = END) -> str:
    return f"{START}{header}{MESSAGE}{content}{end}"


def _role(message: Mapping[str, Any]) -> str:
    role = message.get("role")
    if role not in ("system", "developer", "user", "assistant", "tool"):
        raise ValueError(f"unknown message role: {role!r}")
    return str(role)


def _iso_date(value: datetime.date | str | None) -> str:
    if value is None:
        return datetime.date.today().isoformat()
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return datetime.date.fromisoformat(value).isoformat()


def _text(content: Any, *, json_ok: bool = False) -> str:
    """Message content as text: a string, None, or a list of text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, str) or (isinstance(p, Mapping) and isinstance(p.get("text"), str))
        for p in content
    ):
        return "".join(p if isinstance(p, str) else p["text"] for p in content)
    if json_ok:
        return json.dumps(content, ensure_ascii=False)
    raise ValueError(f"unsupported message content: {type(content).__name__}")


def _function_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError("tool calls and tool results need a non-empty 'name'")
    return name if name.startswith("functions.") else f"functions.{name}"


def _has_final(message: Mapping[str, Any]) -> bool:
    return bool(_text(message.get("content"))) and not message.get("tool_calls")


def _turns_ending_in_final(history: Sequence[Mapping[str, Any]]) -> set[int]:
    """Indexes of assistant messages in turns whose last assistant message is final."""
    dropped: set[int] = set()
    turn: list[int] = []
    for index, m in enumerate([*history, {"role": "user"}]):
        if _role(m) != "user":
            turn.append(index)
            continue
        assistant = [i for i in turn if _role(history[i]) == "assistant"]
        if assistant and _has_final(history[assistant[-1]]):
            dropped.update(assistant)
        turn = []
    return dropped


def _render_assistant(message: Mapping[str, Any], *, drop_reasoning: bool) -> str:
    """An assistant entry: analysis, then preamble/final text, then tool calls."""
    out = []
    reasoning = _text(message.get("reasoning"))
    if reasoning and not drop_reasoning:
        out.append(_msg(f"assistant{CHANNEL}analysis", reasoning))
    content = _text(message.get("content"))
    calls = message.get("tool_calls") or []
    if content:
        channel = "commentary" if calls else "final"
        out.append(_msg(f"assistant{CHANNEL}{channel}", content))
    for call in calls:
        spec = call.get("function", call)
        name = _function_name(spec.get("name"))
        args = spec.get("arguments")
        if not isinstance(args, str):
            args = json.dumps({} if args is None else args, ensure_ascii=False)
        header = f"assistant{CHANNEL}commentary to={name} {CONSTRAIN}json"
        out.append(_msg(header, args, CALL))
    return "".join(out)


def _tools_section(tools: Sequence[Mapping[str, Any]]) -> str:
    """The "# Tools" section declaring ``namespace functions``."""
    lines = ["## functions\n", "namespace functions {\n"]
    for tool in tools:
        spec = tool.get("function", tool)
        lines += [f"// {line}" for line in _lines(str(spec.get("description") or ""))]
        params = spec.get("parameters")
        args = "" if params is None else f"_: {_schema_to_ts(params, '')}"
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("every tool needs a non-empty 'name'")
        lines.append(f"type {name} = ({args}) => any;\n")
    lines.append("} // namespace functions")
    return "# Tools\n\n" + "\n".join(lines)


def _lines(text: str) -> list[str]:
    """Split like Rust's ``str::lines`` (no trailing empty line, CRLF stripped)."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p.removesuffix("\r") for p in parts]


def _get(schema: Any, key: str) -> Any:
    return schema.get(key) if isinstance(schema, Mapping) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_enum(schema: Any) -> bool:
    values = _get(schema, "enum")
    return isinstance(values, list) and bool(values)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _default(schema: Any, *, raw_enum: bool = True) -> str | None:
    """The ``default: ...`` comment text for a schema, as the reference writes it."""
    if not isinstance(schema, Mapping) or "default" not in schema:
        return None
    value = schema["default"]
    if isinstance(value, str) and not _is_enum(schema):
        return f'default: "{value}"'
    if isinstance(value, str) and raw_enum:
        return f"default: {value}"
    return f"default: {_json(value)}"


def _nullable(schema: Any, type_str: str) -> str:
    if _get(schema, "nullable") is True and "null" not in type_str:
        return f"{type_str} | null"
    return type_str


def _schema_to_ts(schema: Any, indent: str) -> str:
    """Port of the reference ``json_schema_to_typescript``, quirks included."""
    variants = _get(schema, "oneOf")
    if isinstance(variants, list):
        out = ""
        for variant in variants:
            out += f"\n{indent} | " + _nullable(variant, _schema_to_ts(variant, indent + "   "))
            comments = [d for d in [_get(variant, "description")] if isinstance(d, str)]
            comments += [d for d in [_default(variant, raw_enum=False)] if d]
            if comments:
                out += " // " + " ".join(comments)
        return out
    kind = _get(schema, "type")
    if isinstance(kind, list):
        names = ["number" if k == "integer" else k for k in kind if isinstance(k, str)]
        if names:
            return " | ".join(names)
    if kind == "object":
        return _object_to_ts(schema, indent)
    if kind == "string":
        values = [f'"{v}"' for v in _list(_get(schema, "enum")) if isinstance(v, str)]
        return " | ".join(values) if values else "string"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        if "items" in schema:
            return _schema_to_ts(schema["items"], indent) + "[]"
        return "Array<any>"
    return "any"


def _object_to_ts(schema: Mapping[str, Any], indent: str) -> str:
    desc = schema.get("description")
    out = f"{indent}// {desc}\n{{\n" if isinstance(desc, str) else "{\n"
    props = schema.get("properties")
    required = {r for r in _list(schema.get("required")) if isinstance(r, str)}
    for key, val in (props if isinstance(props, Mapping) else {}).items():
        mark = "" if key in required else "?"
        title, desc, examples = _get(val, "title"), _get(val, "description"), _get(val, "examples")
        if isinstance(title, str):
            out += f"{indent}// {title}\n{indent}//\n"
        has_one_of = isinstance(val, Mapping) and "oneOf" in val
        if not has_one_of and isinstance(desc, str):
            out += f"{indent}// {desc}\n"
        if isinstance(examples, list) and examples:
            out += f"{indent}// Examples:\n"
            out += "".join(f'{indent}// - "{ex}"\n' for ex in examples if isinstance(ex, str))
        variants = _get(val, "oneOf")
        if isinstance(variants, list):
            out += _one_of_property(key + mark, val, variants, indent)
            continue
        out += f"{indent}{key}{mark}: " + _nullable(val, _schema_to_ts(val, indent + "    ")) + ","
        default = None if has_one_of else _default(val)
        out += f" // {default}\n" if default else "\n"
    return out + f"{indent}}}"


def _one_of_property(name: str, val: Mapping[str, Any], variants: list[Any], indent: str) -> str:
    prop_desc = val.get("description")
    prop_desc = prop_desc if isinstance(prop_desc, str) else None
    first_desc = _get(variants[0], "description") if variants else None
    above = prop_desc is not None and prop_desc != first_desc
    out = f"{indent}// {prop_desc}\n" if above else ""
    default = _default(val)
    out += f"{indent}// {default}\n" if default else ""
    out += f"{indent}{name}:\n"
    for i, variant in enumerate(variants):
        out += f"{indent} | " + _nullable(variant, _schema_to_ts(variant, indent + "   "))
        comments = []
        desc = _get(variant, "description")
        if not (i == 0 and above) and isinstance(desc, str) and desc != prop_desc:
            comments.append(desc)
        comments += [d for d in [_default(variant)] if d]
        out += (" // " + " ".join(comments) if comments else "") + "\n"
    return out + f"{indent},\n"


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class Commentary:
    """Commentary-channel text without a recipient (a preamble to tool calls)."""

    text: str


@dataclass(frozen=True, slots=True)
class ParseError:
    """Malformed output; parsing goes on after it."""

    message: str


Event = Reasoning | AnswerText | Commentary | ToolCall | TurnEnd | ParseError
_TEXT_EVENTS: Final[dict[str, type[Reasoning | AnswerText | Commentary]]] = {
    "analysis": Reasoning,
    "final": AnswerText,
    "commentary": Commentary,
}


def _partial_token_len(text: str) -> int:
    """Length of the longest suffix of ``text`` that could start a special token."""
    for size in range(min(len(text), _LONGEST_TOKEN - 1), 0, -1):
        tail = text[-size:]
        if any(token.startswith(tail) for token in SPECIAL_TOKENS):
            return size
    return 0


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


class HarmonyStreamParser:
    """Incremental parser for model output that follows ``<|start|>assistant``.

    ``feed`` accepts arbitrary pieces (special tokens may be split); ``close``
    flushes and reports truncation. Errors become :class:`ParseError` events.
    """

    def __init__(self) -> None:
        self._buf = ""
        self._state = "header"  # header | body | idle
        self._header = ""
        self._implicit_role = True  # the prompt already said <|start|>assistant
        self._kind = ""  # analysis | final | commentary | call | skip
        self._tool = ""
        self._args = ""
        self._stray = ""
        self._turn_open = True
        self._closed = False

    def feed(self, text: str) -> list[Event]:
        """Consume a piece of output; return the events it completes."""
        if self._closed:
            return [ParseError("feed() called after close()")]
        self._buf += text
        out: list[Event] = []
        self._drain(out, final=False)
        return out

    def close(self) -> list[Event]:
        """Flush held-back text and end the stream, reporting truncation."""
        if self._closed:
            return []
        out: list[Event] = []
        self._drain(out, final=True)
        self._closed = True
        if self._state == "body":
            if self._kind == "call":
                self._finish(out, truncated=True)
            out.append(ParseError("output ended inside a message (truncated)"))
            out.append(TurnEnd("eof"))
        elif self._state == "header":
            if self._header.strip() or not self._implicit_role:
                out.append(ParseError(f"output ended inside a header: {_short(self._header)}"))
            else:
                out.append(ParseError("output ended before any message"))
            out.append(TurnEnd("eof"))
        else:
            self._flush_stray(out)
            if self._turn_open:
                out.append(TurnEnd("end"))
        return out

    def _drain(self, out: list[Event], *, final: bool) -> None:
        while True:
            match = _TOKEN_RE.search(self._buf)
            if match is None:
                cut = len(self._buf) - (0 if final else _partial_token_len(self._buf))
                if cut:
                    self._text(self._buf[:cut], out)
                    self._buf = self._buf[cut:]
                return
            if match.start():
                self._text(self._buf[: match.start()], out)
            self._buf = self._buf[match.end() :]
            self._token(match.group(), out)

    def _text(self, text: str, out: list[Event]) -> None:
        if self._state == "header":
            self._header += text
        elif self._state == "idle":
            self._stray += text
        elif self._kind == "call":
            self._args += text
        elif self._kind in _TEXT_EVENTS:
            out.append(_TEXT_EVENTS[self._kind](text))

    def _token(self, token: str, out: list[Event]) -> None:
        state = self._state
        if state == "idle":
            self._flush_stray(out)
        if token == START:
            if state == "body":
                out.append(ParseError("message not terminated before <|start|>"))
                self._finish(out)
            elif state == "header" and self._header.strip():
                out.append(ParseError(f"incomplete header discarded: {_short(self._header)}"))
            self._new_header("", implicit=False)
        elif token in (CHANNEL, CONSTRAIN) and state == "header":
            self._header += token
        elif token == CHANNEL:
            if state == "body":
                out.append(ParseError("message not terminated before <|channel|>"))
                self._finish(out)
            self._new_header(token, implicit=True)
        elif token == MESSAGE and state != "body":
            if state == "idle":
                self._new_header("", implicit=True)
            self._begin_body(out)
        elif token in (MESSAGE, CONSTRAIN):
            out.append(ParseError(f"unexpected {token} outside a message header"))
        else:
            self._end_token(token, out)

    def _end_token(self, token: str, out: list[Event]) -> None:
        if self._state == "body":
            if token == CALL and self._kind != "call":
                out.append(ParseError("<|call|> ended a message that has no recipient"))
            self._finish(out)
        elif self._state == "header":
            out.append(ParseError(f"{token} before <|message|>: {_short(self._header)}"))
        elif token == END or not self._turn_open:
            out.append(ParseError(f"unexpected {token} between messages"))
        self._state = "idle"
        if token != END and self._turn_open:
            out.append(TurnEnd("return" if token == RETURN else "call"))
            self._turn_open = False

    def _new_header(self, header: str, *, implicit: bool) -> None:
        self._state, self._header, self._implicit_role = "header", header, implicit
        self._turn_open = True

    def _begin_body(self, out: list[Event]) -> None:
        """Parse the collected header and pick what the body's text becomes."""
        head, _, _content_type = self._header.partition(CONSTRAIN)
        before_text, has_channel, after_text = head.partition(CHANNEL)
        before, after = before_text.split(), after_text.split()
        if self._implicit_role and before[:1] == ["assistant"]:
            before.pop(0)  # tolerate a repeated role
        role = "assistant" if self._implicit_role else (before.pop(0) if before else "")
        channel = after[0] if has_channel and after else None
        recipient = next((w[3:] for w in before + after[1:] if w.startswith("to=")), "")
        stray = [w for w in before if not w.startswith("to=")]
        if stray:
            out.append(ParseError(f"unexpected text in header: {_short(' '.join(stray))}"))
        self._state, self._args = "body", ""
        if role != "assistant":
            out.append(ParseError(f"unexpected message from {role or 'no role'!r}; skipped"))
            self._kind = "skip"
        elif recipient and recipient != "assistant":
            self._kind, self._tool = "call", recipient.removeprefix("functions.")
        elif channel is None:
            out.append(ParseError("message header has no channel; treating it as final"))
            self._kind = "final"
        elif channel in _TEXT_EVENTS:
            self._kind = channel
        else:
            out.append(ParseError(f"unknown channel {channel!r}; message skipped"))
            self._kind = "skip"

    def _finish(self, out: list[Event], *, truncated: bool = False) -> None:
        """End the current body; a tool call is emitted only now."""
        kind, self._kind, self._state = self._kind, "", "idle"
        if kind != "call":
            return
        raw = self._args.strip()
        try:
            arguments = json.loads(raw) if raw else {}
        except json.JSONDecodeError as exc:
            what = "was cut off" if truncated else f"has invalid JSON arguments ({exc.msg})"
            out.append(ParseError(f"tool call {self._tool!r} {what}: {_short(raw)}"))
            return
        if isinstance(arguments, dict):
            out.append(ToolCall(self._tool, arguments))
        else:
            out.append(ParseError(f"tool call {self._tool!r} arguments are not a JSON object"))

    def _flush_stray(self, out: list[Event]) -> None:
        if self._stray.strip():
            out.append(ParseError(f"unexpected text between messages: {_short(self._stray)}"))
        self._stray = ""
