from desktop.core.rag.citations import cited_numbers, verify_citations
from desktop.core.rag.retrieve import Source


def _src(rank: int, text: str) -> Source:
    return Source(rank=rank, path=f"/docs/{rank}.md", page=0, heading="", score=1.0, text=text)


SOURCES = [
    _src(1, "Milvus stores inserted data in persistent storage as incremental log."),
    _src(2, "Metadata are generated within Milvus and stored in etcd."),
]


def test_numbers_in_order_of_first_use() -> None:
    assert cited_numbers("A [2]. B [1][2]. C [3, 1]; D [4;5]") == [2, 1, 3, 4, 5]
    assert cited_numbers("no citations, [x] or [] or [1a]") == []


def test_existing_sources_verify_and_missing_ones_are_flagged() -> None:
    result = verify_citations("Data is kept as a log [1]. Metadata live in etcd [2][7].", SOURCES)
    assert [(c.number, c.verified) for c in result] == [(1, True), (2, True), (7, False)]
    assert result[2].problem == "there is no source [7]"
    assert result[0].path == "/docs/1.md" and result[2].path == ""


def test_quotes_must_occur_in_the_cited_source() -> None:
    good = 'Milvus keeps "inserted data in persistent storage as incremental log" [1].'
    assert verify_citations(good, SOURCES)[0].verified
    curly = "It says \u201cstored in   ETCD\u201d and more [2]."  # case, spacing, quote marks
    assert verify_citations("Metadata are " + curly, SOURCES)[0].verified
    bad = 'Milvus "keeps everything in memory forever" [1].'
    (c,) = verify_citations(bad, SOURCES)
    assert not c.verified
    assert "quoted text not found" in c.problem and "keeps everything" in c.problem


def test_a_quote_counts_for_the_citation_in_its_own_sentence_only() -> None:
    text = 'First "keeps everything in memory forever". Then a true claim [1].'
    assert verify_citations(text, SOURCES)[0].verified
