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


CJK_SOURCES = [
    # As a PDF reader gives it: line breaks and spaces between the characters.
    _src(1, "Milvus 将插入的数据以增量日志的形式\n持久化 存储在对象存储中。"),
    _src(2, "メタデータは etcd に保存されます。"),
]


def test_cjk_quotes_verify_across_the_spaces_and_breaks_a_pdf_puts_between_characters() -> None:
    good = "据文档，Milvus「将插入的数据以增量日志的形式持久化存储」[1]。其余见[2]。"
    assert [(c.number, c.verified) for c in verify_citations(good, CJK_SOURCES)] == [
        (1, True),
        (2, True),
    ]
    wide = "元データは『メタデータは ｅｔｃｄ に保存』されます[2]。"  # full-width letters
    assert verify_citations(wide, CJK_SOURCES)[0].verified
    bad = "文档说「所有数据都保存在内存中」[1]。"
    (c,) = verify_citations(bad, CJK_SOURCES)
    assert not c.verified and "所有数据都保存在内存中" in c.problem


def test_a_cjk_sentence_end_needs_no_space_after_it() -> None:
    text = "它说「所有数据都保存在内存中」。另一个说法正确[1]。"
    assert verify_citations(text, CJK_SOURCES)[0].verified


def test_quotes_of_ocr_text_with_odd_spacing_verify() -> None:
    # As OCR gives it: a space before punctuation, none after a full stop, a word
    # hyphenated at the end of a line, a line break in mid-sentence, doubled spaces.
    ocr = (
        "The command language of gnuplot is case sensi-\ntive , i.e. commands and\n"
        "function names written in lowercase are not the same as those written in\n"
        "capitals.All  command names may be abbreviated ."
    )
    sources = [Source(1, "scan.pdf", 22, "(OCR)", 1.0, ocr, 0, 0)]
    answers = [
        'Gnuplot "is case sensitive, i.e. commands and function names" differ [1].',
        'It says "written in capitals. All command names may be abbreviated" [1].',
        'Commands "may be abbreviated." [1]',
    ]
    for answer in answers:
        (citation,) = verify_citations(answer, sources)
        assert citation.verified, (answer, citation.problem)
    (wrong,) = verify_citations('It "is not case sensitive at all" [1].', sources)
    assert not wrong.verified
