# ruff: noqa: RUF001  (the documents hold real typography: minus signs, en dashes, Greek)
"""Readers for each document format, on real files made by real tools (see
tests/data/documents/README.md), and the one-line reasons for files they must refuse."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop.core.ingest.chunking import chunk_document
from desktop.core.ingest.document import Document
from desktop.core.ingest.readers import (
    ReadError,
    read_csv,
    read_docx,
    read_epub,
    read_html,
    read_image,
    read_pdf,
    read_pptx,
    read_rst,
    reader_for,
)

DOCS = Path(__file__).resolve().parents[1] / "data" / "documents"
GOOD = DOCS / "good"
BAD = DOCS / "bad"


def read(path: Path) -> Document:
    reader = reader_for(path)
    assert reader is not None, path
    doc = reader(str(path), path.read_bytes())
    assert doc.path == str(path)
    check_sections(doc)
    return doc


def check_sections(doc: Document) -> None:
    """Sections are in order, inside the text, apart, and none is blank."""
    previous_end = 0
    for s in doc.sections:
        assert previous_end <= s.start < s.end <= len(doc.text), s
        assert doc.text[s.start : s.end].strip(), s
        previous_end = s.end


def section_with(doc: Document, needle: str) -> tuple[str, int]:
    """(heading, page) of the one section whose text holds ``needle``."""
    found = [s for s in doc.sections if needle in doc.text[s.start : s.end]]
    assert len(found) == 1, (needle, found)
    return found[0].heading, found[0].page


def test_reader_for_picks_by_suffix() -> None:
    expected = {
        "a.PDF": read_pdf,
        "a.docx": read_docx,
        "a.pptx": read_pptx,
        "a.html": read_html,
        "a.htm": read_html,
        "a.epub": read_epub,
        "a.csv": read_csv,
        "a.tsv": read_csv,
        "a.rst": read_rst,
        "a.png": read_image,
        "a.JPG": read_image,
        "a.jpeg": read_image,
        "a.tif": read_image,
        "a.tiff": read_image,
    }
    for name, reader in expected.items():
        assert reader_for(Path(name)) is reader, name
    assert reader_for(Path("a.py")) is not None
    assert reader_for(Path("a.doc")) is None


def test_importing_the_readers_loads_no_format_library() -> None:
    code = (
        "import sys, desktop.core.ingest.readers, desktop.core.ingest.pipeline\n"
        "libs = ('pypdf', 'docx', 'pptx', 'bs4', 'lxml', 'PIL', 'rapidocr', 'cv2')\n"
        "print(','.join(m for m in libs if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# PDF


def test_pdf_sections_per_page_with_outline_headings() -> None:
    doc = read(GOOD / "handbook.pdf")
    assert sorted({s.page for s in doc.sections}) == [1, 2, 3, 4]
    assert section_with(doc, "Mount the anemometer") == ("Installation > Choosing a site", 2)
    assert section_with(doc, "draws 40 mA") == ("Installation > Wiring > Power supply", 2)
    assert section_with(doc, "Humidity 0–100 % ±2 %") == (
        "Installation > Wiring > Sensor ranges",
        2,
    )
    assert section_with(doc, "calibration") == ("Maintenance > Cleaning the rain gauge", 3)
    assert section_with(doc, "error E-17") == ("Troubleshooting > No readings", 4)
    assert section_with(doc, "This handbook covers") == ("", 1)
    # A heading with nothing under it opens the section of the heading that follows.
    heading_text = doc.text[doc.sections[1].start : doc.sections[1].end]
    assert heading_text.startswith("Installation\nChoosing a site\n")


def test_pdf_keeps_non_ascii_text() -> None:
    doc = read(GOOD / "handbook.pdf")
    assert "In Zürich, Tromsø or Łódź" in doc.text
    assert "Ελληνικά: ο αισθητήρας θερμοκρασίας" in doc.text
    assert section_with(doc, "датчик") == ("Maintenance > Winter care", 3)


def test_pdf_with_an_owner_password_only_is_read() -> None:
    assert read(GOOD / "restricted.pdf").text == read(GOOD / "handbook.pdf").text


# DOCX

DOCX_HEADINGS = [
    "Kestrel Weather Station Handbook",
    "Kestrel Weather Station Handbook > Installation > Choosing a site",
    "Kestrel Weather Station Handbook > Installation > Wiring > Power supply",
    "Kestrel Weather Station Handbook > Installation > Wiring > Sensor ranges",
    "Kestrel Weather Station Handbook > Maintenance > Cleaning the rain gauge",
    "Kestrel Weather Station Handbook > Maintenance > Winter care",
    "Kestrel Weather Station Handbook > Troubleshooting > No readings",
    "Kestrel Weather Station Handbook > Troubleshooting > Drifting temperature",
]


def test_docx_headings_from_paragraph_styles() -> None:
    doc = read(GOOD / "handbook.docx")
    assert [s.heading for s in doc.sections] == DOCX_HEADINGS
    assert {s.page for s in doc.sections} == {0}
    assert section_with(doc, "Mount the anemometer")[0] == DOCX_HEADINGS[1]
    # Headings are written as Markdown lines; a heading alone joins the next section.
    wiring = doc.sections[2]
    assert doc.text[wiring.start : wiring.end].startswith("### Wiring\n\n#### Power supply\n\n")


def test_docx_tables_are_rows_of_cells() -> None:
    doc = read(GOOD / "handbook.docx")
    rows = (
        "Sensor | Range | Accuracy\nTemperature | −40 to 60 °C | ±0.3 °C\nHumidity | 0–100 % | ±2 %"
    )
    assert rows in doc.text
    assert section_with(doc, "Wind speed | 0–60 m/s | ±5 %")[0] == DOCX_HEADINGS[3]


def test_docx_keeps_non_ascii_text_and_chunks_carry_headings() -> None:
    doc = read(GOOD / "handbook.docx")
    assert "Tromsø or Łódź" in doc.text and "датчик влажности" in doc.text
    chunks = chunk_document(doc, size=1000, overlap=100)
    winter = next(c for c in chunks if "Łódź" in c.text)
    assert winter.heading == DOCX_HEADINGS[5]
    assert winter.embedding_text().startswith(DOCX_HEADINGS[5] + "\n\nIn Zürich")
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text


# PPTX


def test_pptx_one_section_per_slide() -> None:
    doc = read(GOOD / "slides.pptx")
    assert [(s.page, s.heading) for s in doc.sections] == [
        (1, "Quarterly Harvest Review"),
        (2, "Apple yields"),
        (3, "Cellar and cider"),
        (4, ""),
    ]
    assert section_with(doc, "Reinette grise yielded 42 tonnes") == ("Apple yields", 2)
    assert section_with(doc, "Notes: Mention the insurance claim") == ("Apple yields", 2)
    assert section_with(doc, "board meeting is on 3 December") == ("", 4)
    assert "Vallée-d’Aoste" in doc.text
    assert section_with(doc, "урожай яблок") == ("Cellar and cider", 3)


# HTML


def test_html_headings_and_tables() -> None:
    doc = read(GOOD / "handbook.html")
    assert [s.heading for s in doc.sections] == [
        "",
        "Installation > Choosing a site",
        "Installation > Wiring > Power supply",
        "Installation > Wiring > Sensor ranges",
        "Maintenance > Cleaning the rain gauge",
        "Maintenance > Winter care",
        "Troubleshooting > No readings",
        "Troubleshooting > Drifting temperature",
    ]
    assert section_with(doc, "Temperature | −40 to 60 °C | ±0.3 °C")[0].endswith("Sensor ranges")
    assert "Ελληνικά" in doc.text and "Łódź" in doc.text
    assert "border-collapse" not in doc.text  # the <style> is gone


def test_html_drops_scripts_styles_and_navigation() -> None:
    page = b"""<!doctype html><html><head><title>T</title><style>p{color:red}</style></head>
    <body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
    <script>var secret = 1;</script><noscript>enable JS</noscript>
    <h1>Guide</h1><p>First <b>bold</b> words,<br>next line.</p>
    <ul><li>one</li><li>two</li></ul><pre>  code  block</pre>
    <h2>Part</h2><div hidden>invisible</div><p>Body</p></body></html>"""
    doc = read_html("page.html", page)
    check_sections(doc)
    assert doc.text == (
        "# Guide\n\nFirst bold words,\nnext line.\n\n- one\n\n- two\n\n  code  block\n\n"
        "## Part\n\nBody\n"
    )
    assert [s.heading for s in doc.sections] == ["Guide", "Guide > Part"]


@pytest.mark.parametrize(
    ("head", "encoding", "body"),
    [
        (b'<meta charset="windows-1251">', "cp1251", "<h1>Привет</h1><p>русский текст</p>"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
            "koi8-r",
            "<h1>Привет</h1><p>русский текст</p>",
        ),
        (b'<?xml version="1.0" encoding="ISO-8859-7"?>', "iso-8859-7", "<h1>Καλημέρα</h1>"),
        (b"", "utf-8", "<h1>Привет</h1><p>Ελληνικά, Zürich</p>"),
    ],
)
def test_html_is_decoded_with_its_declared_charset(head: bytes, encoding: str, body: str) -> None:
    doc = read_html("p.html", head + body.encode(encoding))
    expected = read_html("p.html", body.encode())
    assert doc.text == expected.text
    assert doc.sections[0].heading in ("Привет", "Καλημέρα")


def test_html_without_a_declaration_is_detected() -> None:
    text = "<p>Les élèves ont étudié à l'école, près de la fenêtre, très sérieusement.</p>" * 3
    assert "élèves ont étudié" in read_html("p.html", text.encode("cp1252")).text


# EPUB


def test_epub_chapters_in_spine_order_with_toc_titles() -> None:
    doc = read(GOOD / "handbook.epub")
    # LibreOffice writes chapters without h1-h6: the table of contents names them.
    assert [s.heading for s in doc.sections] == [
        "Section 1",
        "Installation",
        "Maintenance",
        "Troubleshooting",
    ]
    assert section_with(doc, "Mount the anemometer")[0] == "Installation"
    assert section_with(doc, "Temperature | −40 to 60 °C | ±0.3 °C")[0] == "Installation"
    assert section_with(doc, "датчик влажности")[0] == "Maintenance"
    assert doc.text.index("Kestrel Weather") < doc.text.index("error E-17")


def make_epub(chapters: dict[str, str], extra: dict[str, str] | None = None) -> bytes:
    """A minimal EPUB 3 whose spine is ``chapters`` (file name -> XHTML body)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OPS/book.opf"/></rootfiles></container>',
        )
        items = "".join(
            f'<item id="c{i}" href="text/{n}" media-type="application/xhtml+xml"/>'
            for i, n in enumerate(chapters)
        )
        refs = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
        z.writestr(
            "OPS/book.opf",
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f"<manifest>{items}</manifest><spine>{refs}</spine></package>",
        )
        for name, body in chapters.items():
            z.writestr(f"OPS/text/{name}", f"<html><body>{body}</body></html>")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return buf.getvalue()


def test_epub_headings_continue_across_chapters() -> None:
    data = make_epub(
        {
            "part1.xhtml": "<h1>Part One</h1><p>Opening.</p>",
            "ch1.xhtml": "<h2>Chapter 1</h2><p>Naïve café.</p>",
            "part2.xhtml": "<h1>Part Two</h1><h2>Chapter 2</h2><p>Closing.</p>",
        }
    )
    doc = read_epub("book.epub", data)
    check_sections(doc)
    assert [s.heading for s in doc.sections] == [
        "Part One",
        "Part One > Chapter 1",
        "Part Two > Chapter 2",
    ]
    assert section_with(doc, "Naïve café.")[0] == "Part One > Chapter 1"


# CSV and TSV


def test_csv_rows_are_self_contained_lines() -> None:
    doc = read(GOOD / "inventory.csv")
    lines = doc.text.splitlines()
    assert lines[0] == (
        "sku: K2-ANEM; name: Anemometer cups; location: Shelf A3; quantity: 14; "
        "notes: Spare set, blue"
    )
    assert lines[1] == "sku: K2-GAUGE; name: Rain gauge funnel; location: Shelf B1; quantity: 6"
    assert "notes: Louvres cracked on two units; return to supplier" in lines[2]  # one line
    assert lines[4].endswith("notes: Für Zürich und Tromsø reserviert")
    assert len(lines) == 5
    assert [(s.start, s.heading, s.page) for s in doc.sections] == [(0, "", 0)]


def test_csv_dialect_and_encoding_are_detected() -> None:
    # The same table re-saved by LibreOffice Calc with ';' separators in Windows-1252.
    assert read(GOOD / "inventory-cp1252.csv").text == read(GOOD / "inventory.csv").text


def test_tsv() -> None:
    doc = read(GOOD / "measurements.tsv")
    assert doc.text.splitlines()[1] == (
        "date: 2024-01-14; station: Zürich; temperature_c: 1.2; humidity_pct: 77; rain_mm: 3.6"
    )


def test_csv_without_a_header_row_names_columns() -> None:
    doc = read_csv("n.csv", b"2024,12.5,north\n2025,13.0,south\n")
    assert doc.text == (
        "column 1: 2024; column 2: 12.5; column 3: north\n"
        "column 1: 2025; column 2: 13.0; column 3: south\n"
    )


# reStructuredText


def test_rst_sections_by_adornment() -> None:
    doc = read(GOOD / "notes.rst")
    assert [s.heading for s in doc.sections] == [
        "Station Field Notes",
        "Station Field Notes > Northern sites > Tromsø",
        "Station Field Notes > Northern sites > Alta",
        "Station Field Notes > Southern sites > Zürich",
        "Station Field Notes > Southern sites > Zürich > Calibration",
    ]
    assert doc.text.startswith("=====================\nStation Field Notes\n")
    heading, _ = section_with(doc, "Literal block: not a title")
    assert heading == "Station Field Notes > Northern sites > Alta"
    assert section_with(doc, "crème brûlée")[0].endswith("Zürich")


def test_rst_heading_alone_joins_the_next_section() -> None:
    doc = read_rst("a.rst", b"Title\n=====\n\nPart\n----\n\nText.\n\nOther\n-----\n\nMore.\n")
    assert [(doc.text[s.start : s.end].strip(), s.heading) for s in doc.sections] == [
        ("Title\n=====\n\nPart\n----\n\nText.", "Title > Part"),
        ("Other\n-----\n\nMore.", "Title > Other"),
    ]


# Failures, each with its reason.


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("corrupt.pdf", "corrupt PDF: no PDF header (not a PDF file)"),
        ("truncated.pdf", "truncated PDF: the end of the file is missing (incomplete download?)"),
        ("encrypted.pdf", "encrypted PDF (password required)"),
        ("corrupt.docx", "corrupt DOCX: not a valid Office file (File is not a zip file)"),
        ("truncated.pptx", "corrupt PPTX: not a valid Office file (File is not a zip file)"),
        ("no-container.epub", "corrupt EPUB: META-INF/container.xml is missing"),
        ("empty.csv", "empty CSV (no rows)"),
    ],
)
def test_bad_files_fail_with_their_reason(name: str, reason: str) -> None:
    path = BAD / name
    reader = reader_for(path)
    assert reader is not None
    with pytest.raises(ReadError) as info:
        reader(str(path), path.read_bytes())
    assert str(info.value) == reason


def test_damaged_pdf_body() -> None:
    data = (GOOD / "handbook.pdf").read_bytes()
    start = data.index(b"stream", len(data) // 3)
    damaged = data[:start] + b"\x00garbage" * 4000 + b"\n%%EOF\n"
    with pytest.raises(ReadError, match=r"^corrupt PDF: "):
        read_pdf("x.pdf", damaged)
    with pytest.raises(ReadError, match=r"^corrupt PDF: "):
        read_pdf("x.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_office_files_that_are_not_what_they_claim() -> None:
    with pytest.raises(ReadError, match=r"^corrupt DOCX: not a valid Office file \(no \["):
        read_docx("a.docx", zip_of({"hello.txt": "hi"}))
    pptx_bytes = (GOOD / "slides.pptx").read_bytes()
    with pytest.raises(ReadError, match=r"^corrupt DOCX: .*not a Word file"):
        read_docx("slides.docx", pptx_bytes)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    with pytest.raises(ReadError, match=r"^corrupt DOCX: an old binary Office file renamed"):
        read_docx("old.docx", ole)
    encrypted = ole + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(ReadError, match=r"^encrypted PPTX \(password required\)$"):
        read_pptx("locked.pptx", encrypted)


def test_epub_failures() -> None:
    with pytest.raises(ReadError, match=r"^corrupt EPUB: not a valid EPUB \(zip\) file"):
        read_epub("a.epub", b"not a zip at all")
    drm = make_epub(
        {"c.xhtml": "<p>secret</p>"},
        {
            "META-INF/encryption.xml": (
                '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                '<enc:CipherData><enc:CipherReference URI="OPS/text/c.xhtml"/>'
                "</enc:CipherData></enc:EncryptedData></encryption>"
            )
        },
    )
    with pytest.raises(ReadError, match=r"^DRM-protected EPUB: its chapters are encrypted$"):
        read_epub("drm.epub", drm)
    with pytest.raises(ReadError, match=r"^EPUB without text"):
        read_epub("pictures.epub", make_epub({"c.xhtml": '<img src="a.png"/>'}))


def test_csv_failures() -> None:
    with pytest.raises(ReadError, match=r"^empty CSV: a header row and no data rows$"):
        read_csv("h.csv", b"name,quantity\n")
    with pytest.raises(ReadError, match=r"^empty TSV \(no rows\)$"):
        read_csv("e.tsv", b"\t\t\n\n")
    huge = b'name,notes\nx,"' + b"y" * 200_000 + b'"\n'
    with pytest.raises(ReadError, match=r"^malformed CSV: line \d+: field larger than"):
        read_csv("big.csv", huge)


@pytest.mark.parametrize(
    "name", ["handbook.pdf", "handbook.docx", "slides.pptx", "handbook.epub", "handbook.html"]
)
def test_damaged_files_raise_only_read_errors(name: str) -> None:
    """Cut or scrambled bytes: a reader returns a document or a ReadError, nothing else."""
    data = (GOOD / name).read_bytes()
    reader = reader_for(GOOD / name)
    assert reader is not None
    rng = random.Random(name)
    variants = [data[: len(data) * k // 10] for k in (1, 5, 9)]
    for _ in range(6):
        scrambled = bytearray(data)
        for _ in range(20):
            scrambled[rng.randrange(len(scrambled))] = rng.randrange(256)
        variants.append(bytes(scrambled))
    for variant in variants:
        try:
            check_sections(reader(name, variant))
        except ReadError as exc:
            assert str(exc) and "\n" not in str(exc)


def test_a_pdf_without_its_cross_reference_table_is_read_as_viewers_repair_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pypdf refuses it ("startxref not found"); PDFium (and poppler) rebuild the table."""
    from desktop.core.ingest.readers import pdf

    data = (GOOD / "handbook.pdf").read_bytes()
    broken = data[: data.rindex(b"xref")] + b"\n%%EOF\n"
    assert b"startxref" not in broken
    doc = read_pdf("broken.pdf", broken)
    whole = read(GOOD / "handbook.pdf")
    assert doc.text == whole.text
    assert [(s.page, s.heading) for s in doc.sections] == [
        (s.page, s.heading) for s in whole.sections
    ]
    monkeypatch.setattr(pdf, "ENGINES", ("pypdf",))
    with pytest.raises(ReadError, match=r"^corrupt PDF: startxref not found"):
        read_pdf("broken.pdf", broken)


def test_pdfium_and_pypdf_give_the_same_pages_and_outline(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.core.ingest.readers import pdf

    fast = read(GOOD / "handbook.pdf")
    monkeypatch.setattr(pdf, "ENGINES", ("pypdf",))
    slow = read(GOOD / "handbook.pdf")
    assert [(s.page, s.heading) for s in fast.sections] == [
        (s.page, s.heading) for s in slow.sections
    ]
    assert " ".join(fast.text.split()) == " ".join(slow.text.split())
