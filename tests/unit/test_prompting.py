from desktop.core.llm.base import AnswerText, Reasoning, ToolCall, TurnEnd
from desktop.core.llm.prompting import HarmonyReader, StopMatcher, TemplateReader


def test_stop_strings_split_across_pieces() -> None:
    m = StopMatcher(["<|im_end|>"])
    out = m.feed("Hello <|im") + m.feed("_en") + m.feed("d|> ignored")
    assert out == "Hello " and m.stopped
    assert m.feed("more") == ""


def test_text_that_only_looks_like_a_stop_start_is_released() -> None:
    m = StopMatcher(["</s>"])
    assert m.feed("a <") == "a "
    assert m.feed("b>") == "<b>"
    assert m.flush() == ""


def test_template_reader_decodes_utf8_split_inside_a_character() -> None:
    data = "Grüße, 世界!".encode()
    reader = TemplateReader([])
    events = [e for i in range(len(data)) for e in reader.feed(data[i : i + 1])]
    events += reader.close("stop")
    text = "".join(e.text for e in events if isinstance(e, AnswerText))
    assert text == "Grüße, 世界!" and "\ufffd" not in text
    assert events[-1] == TurnEnd("stop")


def test_harmony_reader_maps_channels_and_ends_on_call() -> None:
    raw = (
        "<|channel|>analysis<|message|>Think é.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.search_documents "
        '<|constrain|>json<|message|>{"query": "x"}<|call|>'
    ).encode()
    reader = HarmonyReader()
    events = []
    for i in range(0, len(raw), 3):
        events += reader.feed(raw[i : i + 3])
    assert reader.done
    events += reader.close("length")
    assert "".join(e.text for e in events if isinstance(e, Reasoning)) == "Think é."
    assert [e for e in events if isinstance(e, ToolCall)] == [
        ToolCall("search_documents", {"query": "x"})
    ]
    assert [e for e in events if isinstance(e, TurnEnd)] == [TurnEnd("call")]


def test_harmony_reader_cut_short_ends_with_the_given_reason() -> None:
    reader = HarmonyReader()
    events = reader.feed(b"<|channel|>final<|message|>Partial ans")
    events += reader.close("length")
    assert "".join(e.text for e in events if isinstance(e, AnswerText)) == "Partial ans"
    assert events[-1] == TurnEnd("length")


def test_prefilled_final_channel() -> None:
    reader = HarmonyReader(prefill="<|channel|>final<|message|>")
    events = reader.feed(b'{"a": 1}<|return|>')
    assert [e for e in events if isinstance(e, AnswerText)] == [AnswerText('{"a": 1}')]
    assert reader.done
