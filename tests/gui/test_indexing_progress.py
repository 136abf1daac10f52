"""Indexing progress moves within a file and its ETA counts chunks, not files: the core
yields ``ChunksEmbedded(path, done, total)`` after each embedded slice of a file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.ingest.pipeline import ChunksEmbedded, FileDone, FileReading, Started
from desktop.core.paths import Paths
from desktop.gui.library_panel import BAR_STEPS, IndexingProgress
from desktop.gui.main_window import MainWindow


def test_the_bar_moves_within_a_file_and_the_eta_counts_chunks(qtbot: QtBot) -> None:
    progress = IndexingProgress()
    qtbot.addWidget(progress)
    progress.started(4)
    assert progress.eta() is None  # nothing embedded yet: no guess
    progress.t_first = time.monotonic() - 10.0  # 10 s in
    progress.chunks_embedded("/lib/manual.pdf", 128, 512)
    assert progress.bar.value() == BAR_STEPS // 4  # a quarter of the first of 4 files
    assert progress.current.text() == "manual.pdf: 128 / 512 chunks"
    # 12.8 chunks/s; left: 384 of this file + 3 files at 512 chunks a file (all seen so far)
    eta = progress.eta()
    assert eta is not None and abs(eta - (384 + 3 * 512) / 12.8) < 2
    progress.chunks_embedded("/lib/manual.pdf", 384, 512)
    assert progress.bar.value() == 3 * BAR_STEPS // 4
    progress.file_finished("/lib/manual.pdf", 1, 512, "added")
    assert progress.embedded == 512  # the batches counted once, not again with the file
    assert progress.bar.value() == BAR_STEPS
    progress.file_finished("/lib/same.md", 2, 40, "unchanged")  # costs no embedding
    assert progress.embedded == 512 and progress.chunks == 552
    # 2 files left at 256 chunks a file (512 chunks over 2 files): about 512 chunks
    eta = progress.eta()
    assert eta is not None and abs(eta - 512 / (512 / 10.0)) < 2
    assert "2 / 4 files" in progress.counts.text() and "left" in progress.counts.text()
    progress.file_finished("/lib/bad.pdf", 3, 0, "failed")
    assert "1 failed" in progress.counts.text()


@pytest.fixture
def window(qtbot: QtBot, fathom_home: Path) -> MainWindow:
    """A window that has not started its backend, its indexing progress reset."""
    w = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(w)
    w.sidebar.library.progress.reset()
    return w


def test_the_window_shows_per_batch_events_from_the_pipeline(window: MainWindow) -> None:
    progress = window.sidebar.library.progress
    for event in (
        Started(2),
        ChunksEmbedded("/lib/manual.pdf", 256, 1024),
        ChunksEmbedded("/lib/manual.pdf", 512, 1024),
    ):
        window._ingest_event(event)
    assert progress.bar.value() == BAR_STEPS // 2
    assert progress.current.text() == "manual.pdf: 512 / 1,024 chunks"
    assert window.status.activity.text() == "Indexing manual.pdf: 512/1,024 chunks"
    window._ingest_event(FileDone("/lib/manual.pdf", "added", 1, 2, 1024))
    assert progress.bar.value() == BAR_STEPS and progress.embedded == 1024
    assert "1 / 2 files · 1,024 chunks" in progress.counts.text()


def test_a_scanned_file_moves_the_bar_per_page_it_reads_then_per_chunk(
    window: MainWindow,
) -> None:
    progress = window.sidebar.library.progress
    window._ingest_event(Started(2))
    values = []
    for page in range(1, 11):
        window._ingest_event(FileReading("/lib/scan.pdf", page, 10, ocr=True))
        values.append(progress.bar.value())
    assert values == sorted(values) and values[0] == 0 and values[-1] == 81  # 0.9 * 9/10
    assert progress.current.text() == "scan.pdf: page 10 / 10 (OCR)"
    assert window.status.activity.text() == "scan.pdf: page 10 / 10 (OCR)"
    window._ingest_event(ChunksEmbedded("/lib/scan.pdf", 10, 40))  # a quarter: not back
    assert progress.bar.value() == 81
    window._ingest_event(ChunksEmbedded("/lib/scan.pdf", 36, 40))
    assert progress.bar.value() == 90
    window._ingest_event(FileDone("/lib/scan.pdf", "added", 1, 2, 40))
    window._ingest_event(FileReading("/lib/next.pdf", 2, 4, ocr=False))
    assert progress.bar.value() == BAR_STEPS + 22  # the next file's own pages
    assert progress.current.text() == "next.pdf: page 2 / 4"
