"""Keyword-search terms: what the BM25 field holds and what a question is searched with."""

from __future__ import annotations

import re

from desktop.core.lexical import language_of, lexical_text, query_terms, query_text, terms
from desktop.core.store.schema import search_terms


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


def test_cjk_runs_are_cut_into_overlapping_pairs_and_mixed_text_keeps_its_words() -> None:
    assert terms("全文检索") == ["全文", "文检", "检索"]
    assert terms("Milvus 支持全文检索吗？") == [
        "milvus",
        "支持",
        "持全",
        "全文",
        "文检",
        "检索",
        "索吗",
    ]
    assert terms("用pip安装") == ["用", "pip", "安装"]
    assert terms("Debianパッケージ") == ["debian", "パッ", "ッケ", "ケー", "ージ"]
    assert terms("한국어 검색") == ["한국", "국어", "검색"]


def test_a_chinese_question_shares_terms_with_its_passage_despite_other_wording() -> None:
    passage = set(terms("要在 Debian 上设置网络接口，请编辑 /etc/network/interfaces 文件。"))
    question = set(terms("怎么设置网络接口？"))
    assert {"设置", "网络", "接口"} <= passage & question


def test_full_width_letters_and_digits_match_their_ascii_forms() -> None:
    assert terms("ＡＰＩ １９５３０") == terms("API 19530") == ["api", "19530"]


def test_a_passage_is_cut_in_its_own_language() -> None:
    german = (
        "Die Pakete werden mit apt installiert, und die Liste der Quellen steht in einer Datei."
    )
    french = "Les paquets sont installés avec apt et la liste des sources est dans un fichier."
    assert language_of(terms_words(german)) == "german"
    assert language_of(terms_words(french)) == "french"
    assert language_of(terms_words("The packages are installed with apt.")) == "english"
    # German function words are dropped and German endings stemmed, not English ones.
    assert "die" not in terms(german) and "und" not in terms(german)
    assert "quell" in terms(german) and "quellen" in terms(german, "english")
    assert "le" not in terms(french) and "paquet" in terms(french)


def test_a_few_foreign_looking_words_leave_an_english_passage_english() -> None:
    text = "Set the die size in the config file, then run the war game demo on the host."
    assert language_of(terms_words(text)) == "english"
    assert terms(text) == terms(text, "english")


def test_a_question_meets_its_passage_whatever_language_it_shows() -> None:
    passage = set(
        terms("Die Konfiguration der Netzwerkschnittstellen steht in /etc/network/interfaces.")
    )
    # A German question with function words, and a bare keyword query that shows none.
    assert {"konfiguration"} <= set(
        query_terms("Wo steht die Konfiguration der Netzwerkschnittstellen?")
    )
    assert "netzwerkschnittstell" in passage
    assert "netzwerkschnittstell" in set(query_terms("Netzwerkschnittstellen"))
    # English questions still meet English passages on their English stems.
    assert {"configur", "index"} <= set(query_terms("configuring indexes"))
    assert query_text("What is it?") == "what is it"


def test_a_chinese_question_is_cut_as_a_chinese_passage_is() -> None:
    assert query_terms("怎么设置网络接口？") == terms("怎么设置网络接口？")


def terms_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"\w+", text)]


def test_a_library_whose_passages_were_all_cut_as_english_is_still_met() -> None:
    # Before passages were cut in their own language, German ones were stemmed as English.
    before = set(terms("Die Liste der Quellen steht in einer Datei.", "english"))
    assert "quellen" in before and "quellen" in query_terms("Paketquellen oder Quellen?")
