"""A slow OCR'd file moves the ingestion page by page, a cancel stops it within a page, and the
next run reads only what was not finished. OCR is a stand-in here that takes a fixed time a
page, so the timing is the pipeline's, not the engine's."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.errors import Cancelled
from desktop.core.ingest.pipeline import FileDone, FileReading, ingest
from desktop.core.ingest.readers import image
from desktop.core.progress import CancelToken
from desktop.core.store.milvus import MilvusStore

PAGE_S = 0.4  # the stand-in's time per page
FRAMES = 8


def _tiff(frames: int) -> bytes:
    buf = io.BytesIO()
    pages = [Image.new("L", (200, 100), 255) for _ in range(frames)]
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


@pytest.mark.slow
def test_ocr_pages_report_progress_cancel_within_a_page_and_resume(
    onnx_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[tuple[int, float]] = []  # (page, when), by the stand-in

    def slow_ocr(pixels: Any) -> str:
        time.sleep(PAGE_S)
        read.append((len(read) + 1, time.perf_counter()))
        return f"Page text number {len(read)} of a scanned letter."

    monkeypatch.setattr(image, "ocr_image", slow_ocr)
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "a-note.png").write_bytes(_png())
    (folder / "b-letter.tiff").write_bytes(_tiff(FRAMES))
    (folder / "c-readme.md").write_text("# Readme\n\nNot a scan.\n")
    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        cancel = CancelToken()
        seen: list[Any] = []
        cancelled_at = 0.0
        with pytest.raises(Cancelled):
            for event in ingest([folder], store, embedder, cancel=cancel):
                seen.append(event)
                letter = isinstance(event, FileReading) and "b-letter" in event.path
                if letter and event.page >= 3 and not cancel.cancelled:
                    cancel.cancel()
                    cancelled_at = time.perf_counter()
        stopped = time.perf_counter() - cancelled_at
        reading = [e for e in seen if isinstance(e, FileReading) and "b-letter" in e.path]
        pages = [e.page for e in reading]
        assert pages == sorted(set(pages)) and len(pages) >= 2, pages  # page by page
        assert all(e.ocr and e.pages == FRAMES for e in reading)
        # The note was stored while the letter was read, so it is done.
        done = [(Path(e.path).name, e.status) for e in seen if isinstance(e, FileDone)]
        assert done == [("a-note.png", "added")]
        # Within a page: the page under way finishes, no other starts.
        assert stopped < 2 * PAGE_S + 0.5, stopped
        after = [page for page, when in read if when > cancelled_at]
        assert len(after) <= 1, after
        assert len(read) < 1 + FRAMES

        read.clear()
        events = list(ingest([folder], store, embedder))
        statuses = {Path(e.path).name: e.status for e in events if isinstance(e, FileDone)}
        assert statuses == {
            "a-note.png": "unchanged",
            "b-letter.tiff": "added",
            "c-readme.md": "added",
        }
        assert len(read) == FRAMES  # the letter's pages only: the note is not read again
        assert store.count() == 1 + FRAMES + 1
    finally:
        store.close()


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (200, 100), 255).save(buf, "PNG")
    return buf.getvalue()
