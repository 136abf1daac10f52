"""AnswerSoFar: an answer's events, made into an Answer however they end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.core.errors import Cancelled
from desktop.core.library import AnswerSoFar
from desktop.core.llm.base import AnswerText, Reasoning
from desktop.core.rag.answer import Answer, SourcesFound
from desktop.core.rag.retrieve import Source

SOURCE = Source(1, "/d/checklist.md", 0, "Before leaving", 0.9, "Pack the spare radio.")


def _cut_short() -> Iterator[object]:
    yield SourcesFound([SOURCE], 3.0)
    yield Reasoning("The checklist ")
    yield Reasoning("says so.")
    yield AnswerText("Pack the spare radio [1]")
    yield AnswerText(" and a map [2].")
    raise Cancelled()


def test_an_answer_cut_short_is_what_came_with_its_citations_checked() -> None:
    so_far = AnswerSoFar()
    seen: list[object] = []
    with pytest.raises(Cancelled):
        for event in so_far.follow(_cut_short()):
            seen.append(event)
    assert len(seen) == 5  # every event passes on, unchanged
    result = so_far.result("stopped")
    assert result.answer == "Pack the spare radio [1] and a map [2]."
    assert result.reasoning == "The checklist says so."
    assert result.sources == [SOURCE] and result.finish_reason == "stopped"
    assert [(c.number, c.verified) for c in result.citations] == [(1, True), (2, False)]


def test_a_finished_answer_is_returned_as_it_came() -> None:
    final = Answer(answer="Done.", finish_reason="stop")
    so_far = AnswerSoFar()
    assert list(so_far.follow([AnswerText("Done."), final]))[-1] is final
    assert so_far.result("failed") is final
