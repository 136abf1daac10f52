import itertools

from desktop.core.ingest.chunking import MAX_CHUNK_CHARS, chunk_document, split_span
from desktop.core.ingest.readers import read_markdown, read_text

MD = b"""---
title: Guide
---

# Guide

Intro paragraph.

## Install

Run the installer.

```
# not a heading inside a fence
```

### On Linux

Use the package.

## Use

Open the app.
"""


def test_markdown_sections_carry_heading_paths() -> None:
    doc = read_markdown("guide.md", MD)
    chunks = chunk_document(doc, size=1000, overlap=100)
    headings = [c.heading for c in chunks]
    assert headings == ["Guide", "Guide > Install", "Guide > Install > On Linux", "Guide > Use"]
    assert "# not a heading inside a fence" in chunks[1].text
    for c in chunks:  # spans point back into the document text
        assert doc.text[c.start : c.end] == c.text
    assert not any("title: Guide" in c.text for c in chunks)


def test_heading_only_sections_fold_into_the_next() -> None:
    doc = read_markdown("faq.md", b"# FAQ\n\n#### Question one?\n\nAnswer one.\n")
    chunks = chunk_document(doc, size=1000, overlap=0)
    assert len(chunks) == 1
    assert chunks[0].heading == "FAQ > Question one?"
    assert chunks[0].embedding_text() == "FAQ > Question one?\n\nAnswer one."


def test_long_text_is_cut_on_word_boundaries_with_overlap() -> None:
    words = [f"word{i:04d}" for i in range(600)]
    text = " ".join(words)
    doc = read_text("long.txt", text.encode())
    chunks = chunk_document(doc, size=500, overlap=100)
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 500
        assert text[c.start : c.end] == c.text
        assert c.start == 0 or text[c.start - 1] == " "  # starts at a word
        assert c.end == len(text) or text[c.end] == " "  # ends at a word
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end  # overlap
        assert b.start > a.start  # progress
    covered = {w for c in chunks for w in c.text.split()}
    assert covered == set(words)


def test_paragraph_breaks_are_preferred() -> None:
    text = ("a" * 50 + " ") * 5 + "\n\n" + ("b" * 50 + " ") * 5
    spans = list(split_span(text, 0, len(text), 400, 0))
    assert text[spans[0][0] : spans[0][1]].rstrip().endswith("a")


def test_a_word_longer_than_the_limit_is_still_cut() -> None:
    text = "x" * 1200
    spans = list(split_span(text, 0, len(text), 500, 50))
    assert all(e - s <= 500 for s, e in spans)
    assert spans[-1][1] == 1200


def _word_tokens(text: str) -> list[tuple[int, int]]:
    """A stand-in tokenizer: every run of non-space characters is one token."""
    import re

    return [m.span() for m in re.finditer(r"\S+", text)]


def test_token_sized_chunks() -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    chunks = chunk_document(
        read_text("t.txt", text.encode()), size=100, overlap=10, token_spans=_word_tokens
    )
    assert all(len(c.text.split()) <= 100 for c in chunks)
    assert max(len(c.text.split()) for c in chunks) >= 90  # filled, not tiny
    for a, b in itertools.pairwise(chunks):
        shared = set(a.text.split()) & set(b.text.split())
        assert 1 <= len(shared) <= 10  # overlap measured in tokens


def test_cjk_text_is_cut_at_sentence_marks_and_stays_under_the_byte_limit() -> None:
    sentence = "数据存储在对象存储中。"  # 11 characters, 33 bytes
    text = sentence * 2000
    chunks = chunk_document(read_text("zh.txt", text.encode()), size=10_000, overlap=0)
    assert len(chunks) > 1
    for c in chunks:
        assert len(c.text) <= MAX_CHUNK_CHARS and len(c.text.encode()) < 65535
        assert c.text.endswith("。")


def test_one_giant_token_is_still_cut() -> None:
    blob = "A" * 20_000  # e.g. base64 that a tokenizer reads as one unknown word
    chunks = chunk_document(
        read_text("b.txt", blob.encode()), size=200, overlap=20, token_spans=lambda t: [(0, len(t))]
    )
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert "".join(c.text for c in chunks) == blob  # hard cuts, no overlap needed
