"""Passages that run on over a page break: the pages a chunk gets, how a source names them,
and where contents and index pages go among the sources."""

from __future__ import annotations

import pytest

from desktop.core.ingest.chunking import chunk_document, page_parts
from desktop.core.ingest.document import Document, Section
from desktop.core.ingest.readers.pdf import _document
from desktop.core.rag.prompt import format_source
from desktop.core.rag.retrieve import Source, join_neighbours, passages_first
from desktop.core.store.base import Hit
from desktop.core.types import pages_label

QUESTION = "Can a plot be saved as an image?\n\n"
ANSWER = "Yes: set the terminal to png and the output to a file, then plot.\n\n"


def test_a_section_over_a_page_break_gives_chunks_its_pages() -> None:
    text = QUESTION + ANSWER + "Other terminals write PDF or SVG the same way.\n"
    second = len(QUESTION)
    third = second + len(ANSWER)
    doc = Document("/m.pdf", text, [Section(0, len(text) - 1, "FAQ", 7, breaks=(second, third))])
    whole = chunk_document(doc, size=1000, overlap=0)
    assert [(c.page, c.page_end) for c in whole] == [(7, 9)]
    cut = chunk_document(doc, size=40, overlap=0)
    assert len(cut) >= 3

    def page(offset: int) -> int:
        return 7 if offset < second else 8 if offset < third else 9

    assert [(c.page, c.page_end) for c in cut] == [(page(c.start), page(c.end - 1)) for c in cut]
    assert cut[0].page == 7 and cut[-1].page_end == 9


def test_a_long_section_is_cut_at_its_page_breaks_but_a_scrap_runs_on() -> None:
    """A section longer than a chunk is cut where its pages break, as pages were cut
    before; the question at the foot of a page is no chunk of its own, but the start of
    the chunk that holds its answer on the next page."""
    body = "Plotting a function is done with plot. " * 3
    text = body + "\n\n" + QUESTION + ANSWER + body + "\n"
    second = len(body) + 2
    third = second + len(QUESTION)
    whole = Section(0, len(text) - 1, "FAQ", 4, breaks=(second, third))
    assert page_parts(text, whole, size=100) == [(0, second), (second, len(text) - 1)]
    doc = Document("/m.pdf", text, [whole])
    chunks = chunk_document(doc, size=100, overlap=0)
    asked = next(c for c in chunks if "Can a plot be saved" in c.text)
    assert "png" in asked.text and (asked.page, asked.page_end) == (5, 6)
    assert chunks[0].page == chunks[0].page_end == 4
    # A section that fits in one chunk is one chunk, over both breaks.
    assert page_parts(text, whole, size=len(text)) == [(0, len(text) - 1)]


def test_the_pdf_reader_runs_a_section_on_unless_an_outline_entry_starts_the_page() -> None:
    pages = ["Questions\nCan a plot be saved as an image?", "Yes: set the terminal to png.",
             "Terminals\nEach terminal has its options."]  # fmt: skip
    marks = {1: [("Questions", "Questions")], 3: [("Terminals", "Terminals")]}
    doc = _document("/m.pdf", pages, [False] * 3, marks)
    chunks = chunk_document(doc, size=1000, overlap=0)
    assert [(c.heading, c.page, c.page_end) for c in chunks] == [
        ("Questions", 1, 2),
        ("Terminals", 3, 3),
    ]
    assert "image?" in chunks[0].text and "png" in chunks[0].text


def test_a_contents_page_and_an_ocr_page_stand_alone() -> None:
    contents = "Contents\n" + "\n".join(
        f"Chapter {n} . . . . . . . . {n * 10}" for n in range(1, 9)
    )
    pages = ["The preface ends here", contents, "A text page", "A scanned page", "More scan"]
    doc = _document("/m.pdf", pages, [False, False, False, True, True], {})
    chunks = chunk_document(doc, size=1000, overlap=0)
    got = [(c.page, c.page_end, c.kind, c.ocr) for c in chunks]
    assert got == [
        (1, 1, "", False),
        (2, 2, "contents", False),
        (3, 3, "", False),
        (4, 5, "", True),
    ]


def test_a_source_names_both_pages() -> None:
    assert pages_label(3, 4) == "pages 3-4"
    assert pages_label(3, 3) == pages_label(3) == "page 3"
    assert pages_label(0) == ""
    source = Source(1, "manual.pdf", 22, "Syntax", 1.0, "text", 0, 4, page_end=23)
    assert format_source(source).startswith("[1] manual.pdf — Syntax (pages 22-23)\n")
    assert source.to_json()["page_end"] == 23
    toc = Source(2, "manual.pdf", 2, "", 1.0, "Contents", kind="contents")
    assert format_source(toc).startswith("[2] manual.pdf (page 2, contents)\n")


def _hit(n: int, start: int, end: int, page: int, page_end: int = 0, kind: str = "") -> Hit:
    return Hit(f"h{n}", "w" * (end - start), "/m.pdf", page, "H", start, end, 1.0 - n / 10,
               page_end or page, kind)  # fmt: skip


def test_neighbours_over_a_page_break_join_with_both_pages() -> None:
    joined = join_neighbours([_hit(1, 100, 200, 4), _hit(2, 0, 101, 3, 4)])
    assert [(p.start, p.end, p.page, p.page_end) for p in joined] == [(0, 200, 3, 4)]


def test_contents_pages_come_after_passages_unless_the_question_asks_where() -> None:
    hits = [_hit(1, 0, 10, 2, kind="contents"), _hit(2, 500, 600, 40)]
    hits += [_hit(3, 900, 950, 311, kind="index"), _hit(4, 700, 800, 41)]
    passages = join_neighbours(hits)
    ordinary = passages_first(passages, "How do I set the plot title?")
    assert [p.page for p in ordinary] == [40, 41, 2, 311]
    for question in ("Which page describes set title?", "Where is the title option described?"):
        assert [p.page for p in passages_first(passages, question)] == [2, 40, 311, 41]


ASKED_WHERE = [
    "Auf welcher Seite steht, wie man den Titel setzt?",
    "Wo wird die Option title beschrieben?",
    "À quelle page parle-t-on du titre ?",
    "Où est décrite l'option title ?",
    "¿En qué página se explica el título?",
    "In quale pagina si trova il titolo?",
    "Em que página está o título?",
    "Op welke pagina staat de titel?",
    "На какой странице описан заголовок?",
    "设置标题在哪一页？",
    "標題設定在第幾頁？",
    "タイトルの設定は何ページですか",
]
# Words that also name other things: a folder (目录), a database index (索引, índice).
ORDINARY = [
    "Wo wird die Konfiguration gespeichert?",
    "¿Cómo creo un índice en Milvus?",
    "如何更改数据目录？",
    "如何创建索引？",
    "Où se trouve le fichier de configuration ?",
]


@pytest.mark.parametrize(
    ("question", "pages"),
    [(q, [2, 40]) for q in ASKED_WHERE] + [(q, [40, 2]) for q in ORDINARY],
)
def test_contents_come_first_only_when_a_question_in_another_language_asks_where(
    question: str, pages: list[int]
) -> None:
    hits = [_hit(1, 0, 10, 2, kind="contents"), _hit(2, 500, 600, 40)]
    assert [p.page for p in passages_first(join_neighbours(hits), question)] == pages


def test_a_saved_source_over_a_page_break_is_labelled_with_both_pages() -> None:
    from desktop.core.chats import source_label

    saved = {"path": "manual.pdf", "heading": "Syntax", "page": 22, "page_end": 23}
    assert source_label(saved) == "manual.pdf — Syntax (pages 22-23)"
    assert source_label({"path": "manual.pdf", "page": 22}) == "manual.pdf (page 22)"
