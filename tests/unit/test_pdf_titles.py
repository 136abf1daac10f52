"""Headings for PDFs without an outline: the document's name, and the titles its pages
open with, on the text of real filings (the FinanceBench dev set in shared/eval: no
outline, each financial statement page opening with its title) and on small texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.ingest.chunking import chunk_document
from desktop.core.ingest.readers.pdf import page_titles, read_pdf, title_like
from desktop.core.types import document_name, shown_heading

FILINGS = Path(__file__).resolve().parents[2].parent / "shared/eval/financebench_dev/pdfs"
GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")

needs_filings = pytest.mark.skipif(
    not FILINGS.is_dir(), reason="the FinanceBench dev filings (shared/eval) are missing"
)


def test_a_files_name_is_read_as_words() -> None:
    assert document_name("/data/reports/3M_2022_10K.pdf") == "3M 2022 10K"
    assert document_name("C:\\Users\\ann\\Annual  report_2023.PDF") == "Annual report 2023"
    assert document_name("notes") == "notes"


def test_a_heading_is_shown_without_the_file_name_it_repeats() -> None:
    path = "/data/reports/3M_2022_10K.pdf"
    assert shown_heading(path, "3M 2022 10K > Consolidated Balance Sheet") == (
        "Consolidated Balance Sheet"
    )
    assert shown_heading(path, "3M 2022 10K") == ""
    assert shown_heading(path, "3M 2022 10K > Notes (OCR)") == "Notes (OCR)"
    assert shown_heading(path, "3M 2022 10K (OCR)") == "(OCR)"
    # another document's name, or the name inside a word, is kept
    assert shown_heading(path, "3M 2022 10K-A > Notes") == "3M 2022 10K-A > Notes"
    assert shown_heading("/data/guide.md", "Install > Linux") == "Install > Linux"


@pytest.mark.parametrize(
    "line",
    [
        "Consolidated Balance Sheet",
        "3M Company and Subsidiaries",
        "JOHNSON & JOHNSON AND SUBSIDIARIES",
        "NOTE 7. Supplemental Balance Sheet Information",
        "Results of Operations",
        "Fiscal 2022 Highlights",  # a year is no figure
    ],
)
def test_lines_set_as_titles(line: str) -> None:
    assert title_like(line)


@pytest.mark.parametrize(
    "line",
    [
        "Total current assets 15,403 15,990",  # a table row: it has figures
        "sales increased 1.3% as compared to the prior year",  # prose
        "Net sales were driven by Pharmaceutical and MedTech growth.",  # a sentence end
        "Assets:",  # a label introducing what follows
        "2022 2021",  # no letters
        "Note 5. Restructuring Actions 64",  # a contents entry and its page
        "Growth of 5% in Every Region",  # a figure
        "在本章中我們介紹",  # no capitals to tell a title by
        "\u25e6 Red Oak Sourcing, LLC (Delaware)",  # a bulleted list's item
        "\u2022 Faster Ingestion",
        "- Release Notes",
    ],
)
def test_lines_not_set_as_titles(line: str) -> None:
    assert not title_like(line)


def test_a_page_title_is_found_past_the_running_head_and_the_page_number() -> None:
    head = "Table of Contents\n"
    pages = [
        head + "Acme Corp and Subsidiaries\nConsolidated Balance Sheet\nAt December 31\n"
        "Cash 1,234 1,100\n12",
        head + "revenue grew in every region, and the margin held.\nMore prose here.\n13",
        head + "14\nRisk Factors\nOur business depends on weather.",
        head + "Results of Operations\nSales grew.\n15",
        head + "Notes to the Statements\nNote 1. Basis of Presentation\nPolicies\nText.\n16",
        "Return to Index\nItem 7A. Market Risk\nOur earnings are exposed to rates.",
    ]
    assert page_titles(pages) == [
        "Acme Corp and Subsidiaries > Consolidated Balance Sheet",  # two lines at most
        "",  # a page that opens in the middle of a sentence has no title
        "Risk Factors",  # the page number before it is passed over
        "Results of Operations",
        "Notes to the Statements > Note 1. Basis of Presentation",
        "Item 7A. Market Risk",  # a link back to the contents is no title, even once
    ]


@needs_filings
def test_a_filings_statement_passages_name_the_company_and_the_statement() -> None:
    path = FILINGS / "3M_2022_10K.pdf"
    doc = read_pdf(str(path), path.read_bytes())
    chunks = chunk_document(doc, size=800, overlap=0)
    # A passage cut from the middle of the balance sheet (PDF page 50) says whose it is.
    (total,) = [c for c in chunks if "Total assets $ 46,455" in c.text]
    assert total.page == 50
    assert total.heading == "3M 2022 10K > 3M Company and Subsidiaries > Consolidated Balance Sheet"
    assert total.embedding_text().startswith(total.heading)
    # Pages that open in mid-text run on under the title before them: no section per page.
    assert len(doc.sections) < len({c.page for c in chunks}) / 1.4
    assert all(s.heading.startswith("3M 2022 10K") for s in doc.sections)


@pytest.mark.skipif(not GNUPLOT.is_file(), reason="Debian's gnuplot-doc is not installed")
def test_a_pdf_with_an_outline_keeps_the_outlines_headings() -> None:
    doc = read_pdf(str(GNUPLOT), GNUPLOT.read_bytes())
    assert not any(s.heading.startswith("gnuplot") for s in doc.sections)
    assert any(s.heading.endswith("New plot styles and style options") for s in doc.sections)
