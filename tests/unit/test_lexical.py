"""Keyword-search terms: what the BM25 field holds and what a question is searched with."""

from __future__ import annotations

from desktop.core.lexical import lexical_text, terms
from desktop.core.store.milvus import search_terms


def test_inflections_meet_on_one_stem() -> None:
    assert terms("Configuring indexes") == terms("configure an index") == ["configur", "index"]
    assert terms("collections")[0] == terms("collection")[0]


def test_stop_and_question_words_are_dropped_but_meaning_words_stay() -> None:
    assert terms("What is the default port of the proxy?") == ["default", "port", "proxi"]
    assert "not" in terms("it does not start")


def test_numbers_and_identifiers_are_kept_as_written() -> None:
    assert terms("Port 19530 and nlist=1024, IVF_FLAT") == [
        "port",
        "19530",
        "nlist",
        "1024",
        "ivf_flat",
    ]


def test_a_question_of_stop_words_still_searches_for_something() -> None:
    assert lexical_text("What is it?") == "what is it"
    assert lexical_text("") == ""


def test_a_chunk_is_searched_by_its_heading_too() -> None:
    field = search_terms("Use a smaller nlist.", "Tuning > Indexes")
    assert field.split() == ["tune", "index", "use", "smaller", "nlist"]
