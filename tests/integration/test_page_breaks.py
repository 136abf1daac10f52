"""Passages across page breaks, and contents pages, on a real PDF: the gnuplot manual
(Debian's gnuplot-doc), read whole, and three of its pages ingested into a Lite store and
searched as the app does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.core.ingest.contents import CONTENTS, INDEX
from desktop.core.ingest.pipeline import ingest
from desktop.core.ingest.readers import read_pdf
from desktop.core.rag.prompt import format_source
from desktop.core.rag.retrieve import retrieve
from desktop.core.store.milvus import MilvusStore

GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not GNUPLOT.is_file(), reason="the gnuplot manual (Debian's gnuplot-doc) is not installed"
    ),
]

ON_23 = "3D plot style with polygons reads polygon faces"
ON_24 = "splot $voxelgrid with isosurface creates a tessellated 3D surface"


def test_the_manuals_sections_run_on_over_page_breaks_but_not_into_a_new_entry() -> None:
    doc = read_pdf(str(GNUPLOT), GNUPLOT.read_bytes())
    at = doc.text.index(ON_23)
    section = next(s for s in doc.sections if s.start <= at < s.end)
    assert section.heading.endswith("New plot styles and style options")
    assert section.page == 23 and section.page_at(doc.text.index(ON_24)) == 24
    assert sum(1 for s in doc.sections if s.breaks) > 100
    # "Part V > Bugs" starts at the top of page 303: the section before it stops there.
    bugs = next(s for s in doc.sections if s.heading.endswith("Bugs"))
    assert bugs.page == 303
    before = doc.sections[doc.sections.index(bugs) - 1]
    assert before.page_at(before.end - 1) < 303
    kinds = {s.page: s.kind for s in doc.sections}
    assert {kinds[p] for p in range(2, 20)} == {CONTENTS}
    assert {kinds[p] for p in range(304, 312)} == {INDEX}
    assert kinds[22] == kinds[303] == ""
    # PDFium marks a hyphen at a line end U+FFFE: TeX's hyphenation is joined again
    # (page 23 "isosur-face"), a hyphenated term kept ("floating-point").
    assert "\ufffe" not in doc.text
    assert "isosurface" in doc.text[section.start : section.end]
    assert "isosur-face" not in doc.text and "floating-point" in doc.text


@pytest.fixture(scope="module")
def pages_store(tmp_path_factory: pytest.TempPathFactory, faq_embedder: Any) -> Any:
    """The manual's page 2 (contents) and pages 23-24, as a three-page PDF with the
    outline entry that starts at the foot of page 23 and runs on over page 24, ingested."""
    from pypdf import PdfReader, PdfWriter

    folder = tmp_path_factory.mktemp("pages")
    writer = PdfWriter()
    reader = PdfReader(str(GNUPLOT))
    for number in (2, 23, 24):
        writer.add_page(reader.pages[number - 1])
    writer.add_outline_item("New features", 1)
    writer.add_outline_item("New plot styles and style options", 1)
    with open(folder / "manual.pdf", "wb") as out:
        writer.write(out)
    store = MilvusStore(str(folder / "pages.db"))
    list(ingest([folder / "manual.pdf"], store, faq_embedder))
    yield store
    store.close()


def test_a_passage_over_the_break_is_one_chunk_and_its_source_names_both_pages(
    pages_store: Any, faq_embedder: Any
) -> None:
    vector = faq_embedder.encode_queries(["voxel"])[0]
    hits = pages_store.search(vector, "voxel", 100, "dense")
    assert len(hits) == pages_store.count()
    across = [h for h in hits if h.page_end > h.page]
    assert across and all((h.page, h.page_end) == (2, 3) for h in across)
    assert all(h.kind == CONTENTS for h in hits if h.page == 1)
    assert all(h.kind == "" for h in hits if h.page > 1)

    question = (
        "Which 3D plot style reads polygon faces, and how is a voxel grid drawn as a surface?"
    )
    sources = retrieve(pages_store, faq_embedder, question, 3)
    spanning = [s for s in sources if ON_23 in s.text and ON_24 in s.text]
    assert spanning, [s.text[:80] for s in sources]
    assert (spanning[0].page, spanning[0].page_end) == (2, 3)
    assert "(pages 2-3)" in format_source(spanning[0]).splitlines()[0]


def test_the_contents_page_comes_after_the_passages_unless_asked_where(
    pages_store: Any, faq_embedder: Any
) -> None:
    ordinary = retrieve(pages_store, faq_embedder, "New plot styles and style options", 5)
    kinds = [s.kind for s in ordinary]
    assert CONTENTS in kinds and kinds == sorted(kinds, key=bool)  # passages first
    where = retrieve(pages_store, faq_embedder, "Which page are the new plot styles on?", 5)
    assert any(s.kind == CONTENTS for s in where)
