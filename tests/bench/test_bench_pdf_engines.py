"""The PDF engine bench on real PDFs: every engine reads the first pages of the gnuplot
manual (Debian's gnuplot-doc), and, with the test model, one FinanceBench filing goes
through ingestion and scoring."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bench import bench_pdf_engines as bench

GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")
FILINGS = bench.SHARED / "eval" / "financebench_dev" / "pdfs"


@pytest.fixture
def two_pages(tmp_path: Path) -> Path:
    """The manual's title page and its first page of contents, as a PDF of their own."""
    if not GNUPLOT.exists():
        pytest.skip(f"{GNUPLOT} is missing: apt-get install gnuplot-doc")
    pdfium = pytest.importorskip("pypdfium2")
    src = pdfium.PdfDocument(str(GNUPLOT))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0, 1])
    path = tmp_path / "two.pdf"
    out.save(str(path))
    out.close()
    src.close()
    return path


@pytest.mark.parametrize("engine", bench.ENGINES)
def test_each_engine_reads_every_page_in_order(engine: str, two_pages: Path) -> None:
    if engine in ("pdfplumber", "pdfminer"):
        pytest.importorskip("pdfplumber")
    run = bench.extract(engine, [two_pages])
    assert run.pages == 2 and run.seconds > 0
    title, contents = (bench.squash(t) for t in run.texts["two.pdf"])
    assert "AnInteractivePlottingProgram" in title
    assert "Contents" in contents and "Contents" not in title


def test_rows_keep_a_label_with_its_figures() -> None:
    page = "Total current assets $ 14,688 $ 15,403\nNet sales ( 1,234 ) 12.5 %\nNote 5 Leases 45"
    assert bench.rows(page) == {"Total current assets 14,688 15,403", "Net sales (1,234) 12.5%"}
    row = "Total current assets 14,688 15,403"
    assert bench.kept(row, "Assets\nTotal current assets 14,688 15,403 extra")
    assert not bench.kept(row, "Total current assets\n14,688 15,403")


def test_row_integrity_counts_what_one_engine_splits(two_pages: Path) -> None:
    whole = bench.Extracted("whole", {"f.pdf": ["Total liabilities 1,200 1,100"]}, 1.0)
    split = bench.Extracted("split", {"f.pdf": ["Total liabilities\n1,200 1,100"]}, 1.0)
    found, shares = bench.row_integrity([whole, split])
    assert found == 1 and shares == {"whole": 1.0, "split": 0.0}


@pytest.mark.slow
def test_one_filing_is_ingested_and_scored_per_engine(
    tmp_path: Path, onnx_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filing = FILINGS / "AMCOR_2023Q4_EARNINGS.pdf"
    if not filing.exists():
        pytest.skip(f"{filing} is missing")
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    shutil.copy(filing, pdfs / filing.name)
    argv = ["--embedding", str(onnx_model_dir), "--pdfs", str(pdfs), "--engines", "pypdf,pdfium"]
    result = bench.main([*argv, "--work", str(tmp_path / "work")])
    out = capsys.readouterr().out
    assert result["rows"] > 20  # the release's tables
    for engine in ("pypdf", "pdfium"):
        scores, chunks = result["recall"][engine]
        assert chunks > 0
        assert set(scores) == set(bench.MODES)
        questions = len(scores["hybrid"].ranks)
        assert questions > 0
        # the filing's own questions are the only ones it can answer: some of them are
        found = [r for r in scores["hybrid"].ranks if r is not None]
        assert 0 < len(found) <= 2
        assert f"| {engine} | 14 |" in out
    assert (tmp_path / "work" / "pdfium.json").exists()
