"""The contents and index page detector, on the text of real pages: the gnuplot manual
(Debian's gnuplot-doc) and the FinanceBench filings in the shared dev set, whose table
pages end many lines in numbers too and must not pass for contents."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from desktop.core.ingest.contents import CONTENTS, INDEX, page_kind

GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")
FILINGS = Path(__file__).resolve().parents[2].parent / "shared/eval/financebench_dev/pdfs"

needs_gnuplot = pytest.mark.skipif(
    not GNUPLOT.is_file(), reason="the gnuplot manual (Debian's gnuplot-doc) is not installed"
)
needs_filings = pytest.mark.skipif(
    not FILINGS.is_dir(), reason="the FinanceBench dev filings (shared/eval) are missing"
)


def page_text(path: Path, page: int) -> str:
    """The text layer of a page (from 1), as the PDF reader's engine reads it."""
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        textpage = pdf[page - 1].get_textpage()
        return str(textpage.get_text_range())
    finally:
        pdf.close()


@needs_gnuplot
@pytest.mark.parametrize("page", [2, 3, 10, 19])
def test_the_manuals_table_of_contents_is_contents(page: int) -> None:
    assert page_kind(page_text(GNUPLOT, page)) == CONTENTS


@needs_gnuplot
@pytest.mark.parametrize("page", [304, 306, 311])
def test_the_manuals_index_is_an_index(page: int) -> None:
    assert page_kind(page_text(GNUPLOT, page)) == INDEX


@needs_gnuplot
@pytest.mark.parametrize("page", [1, 21, 22, 60, 301, 303])
def test_the_manuals_text_pages_are_not(page: int) -> None:
    """Prose, a page of examples, and page 301: "gnuplot*line1Width: 0" lines all end in
    a number."""
    assert page_kind(page_text(GNUPLOT, page)) == ""


@needs_gnuplot
def test_entries_whose_page_numbers_do_not_rise_are_no_contents() -> None:
    """Without their dot leaders, the entries are still contents in their order, but the
    same lines shuffled are a column of numbers; with leaders and shuffled, an index."""
    lines = page_text(GNUPLOT, 10).splitlines()
    bare = [re.sub(r"(?:\s*\.){4,}\s*", " ", x) for x in lines]
    assert page_kind("\n".join(bare)) == CONTENTS
    order = list(range(1, len(lines)))
    random.Random(7).shuffle(order)
    assert page_kind("\n".join([bare[0]] + [bare[i] for i in order])) == ""
    assert page_kind("\n".join([lines[0]] + [lines[i] for i in order])) == INDEX


@needs_filings
@pytest.mark.parametrize(("name", "page"), [("3M_2022_10K", 2), ("CVSHEALTH_2022_10K", 2)])
def test_a_filings_table_of_contents_is_contents(name: str, page: int) -> None:
    assert page_kind(page_text(FILINGS / f"{name}.pdf", page)) == CONTENTS


@needs_filings
@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("3M_2022_10K", 4),  # text under a "Table of Contents" link
        ("3M_2022_10K", 60),  # revenue by business: a row of amounts a line
        ("CVSHEALTH_2022_10K", 110),  # balance sheet under "Index to Consolidated ..."
        ("JOHNSON_JOHNSON_2022_10K", 46),  # balance sheet with "(Note 7)" in its rows
        ("PEPSICO_2023Q1_EARNINGS", 8),
        ("AMCOR_2023Q4_EARNINGS", 4),
    ],
)
def test_a_filings_table_pages_are_not_contents(name: str, page: int) -> None:
    assert page_kind(page_text(FILINGS / f"{name}.pdf", page)) == ""


OCTAVE = Path("/usr/share/doc/octave/octave.pdf")


@pytest.mark.skipif(not OCTAVE.is_file(), reason="the Octave manual (octave-doc) is missing")
@pytest.mark.parametrize(("page", "kind"), [(4, CONTENTS), (1140, INDEX), (1125, ""), (200, "")])
def test_the_octave_manuals_contents_and_its_texinfo_index(page: int, kind: str) -> None:
    """Texinfo's index: "hold . . . . . 403" lines in alphabetical order, their pages not
    rising; its contents rise; a page of the licence and one of text are neither."""
    assert page_kind(page_text(OCTAVE, page)) == kind
