"""OCR: the text in a page image, read offline by RapidOCR (PP-OCR models on ONNX Runtime).

The models come inside the ``rapidocr`` wheel (PP-OCRv6 small text detection and
recognition, which read Chinese and English; Apache-2.0). Fathom names their files
itself, so RapidOCR never reaches for its downloader, and says what is missing when a
file is not there. RapidOCR's per-line direction classifier is off: on the gnuplot
manual's pages it turned a few upright lines upside down and read them as noise (99.6% of
words right without it, 94-97% with it, at every resolution tried); a page read with low
confidence is read upside down as well instead, and the better reading kept.

The engine is built on the first image that needs it (about a second; the module is not
even imported before) and kept for the process. ONNX Runtime computes with at most
``OCR_THREADS`` threads, which do not spin while they wait (``_no_spinning``).

Lines come back in reading order, top to bottom and left to right; a gap taller than a
line between two lines starts a new paragraph (a blank line), as chunking cuts there.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.readers.base import ReadError, reason

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Threads for one page's inference. Detection and recognition gain little past 4 on a
# page-sized image, and the embedder runs beside OCR during an ingestion.
OCR_THREADS = max(1, min(4, _cpus()))
# RapidOCR shrinks a larger image to this long side before detection; rendering or
# decoding more pixels than that costs memory and time for nothing.
MAX_SIDE = 2000
# The bundled model files (rapidocr 3.10), by RapidOCR's configuration section.
MODEL_FILES = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx"}
# Mean line confidence under which a page is read upside down as well: gnuplot manual
# pages read 0.99 upright, 0.5-0.7 upside down (nonsense that passes RapidOCR's own 0.5).
TURN_BELOW = 0.8
PARAGRAPH_GAP = 0.9  # a gap between lines over this many line heights starts a paragraph

_lock = threading.Lock()
_engine: Any = None
_spinning_off = False


def models_dir() -> Path:
    """Where the installed rapidocr keeps its bundled models (ReadError when absent)."""
    try:
        import rapidocr
    except ImportError as exc:
        raise ReadError(f"OCR is not available: rapidocr cannot be loaded ({reason(exc)})") from exc
    return Path(rapidocr.__file__).resolve().parent / "models"


def preload() -> None:
    """Import RapidOCR's code, not its models, before the first scanned page. On two cores
    that import held the GIL for up to 90 ms at a time (it reads its model table and
    loads OpenCV), which stalled the window mid-ingestion (tests/bench/bench_ui with a
    scanned PDF). It costs about 0.7 s and 37 MB. Without rapidocr it does nothing: the
    first scan then says why."""
    with contextlib.suppress(ImportError):
        from rapidocr import RapidOCR  # noqa: F401


def _load() -> Any:
    """The engine, built on first use (under ``_lock``)."""
    global _engine
    if _engine is not None:
        return _engine
    folder = models_dir()
    missing = [name for name in MODEL_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise ReadError(f"OCR is not available: its model {missing[0]} is not installed")
    from rapidocr import RapidOCR

    _no_spinning()
    params: dict[str, Any] = {
        "Global.log_level": "error",  # "nothing found" is an answer here, not a warning
        "Global.use_cls": False,
        "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    for section, name in MODEL_FILES.items():
        params[f"{section}.model_path"] = str(folder / name)
    try:
        _engine = RapidOCR(params=params)
    except Exception as exc:
        raise ReadError(f"OCR is not available: {reason(exc)}") from exc
    return _engine


def _no_spinning() -> None:
    """ONNX Runtime's threads spin between operators by default, and on a busy machine
    (the embedder beside OCR, other programs) they burn the cores the work needs: on 2
    shared cores a gnuplot page took 9.7 s with 2 spinning threads, 7.6 s with 1, 6.9 s
    with 2 that do not spin. RapidOCR builds the session options itself with no setting
    for it, so its builder (rapidocr 3.10's OrtInferSession._init_sess_opts) is wrapped
    to add the two entries; without that method OCR still runs, spinning."""
    global _spinning_off
    if _spinning_off:
        return
    from rapidocr.inference_engine.onnxruntime import main as ort_main

    session = getattr(ort_main, "OrtInferSession", None)
    build = getattr(session, "__dict__", {}).get("_init_sess_opts")
    if not isinstance(build, staticmethod):
        return
    make = build.__func__

    def options(cfg: Any) -> Any:
        made = make(cfg)
        made.add_session_config_entry("session.intra_op.allow_spinning", "0")
        made.add_session_config_entry("session.inter_op.allow_spinning", "0")
        return made

    session._init_sess_opts = staticmethod(options)  # type: ignore[union-attr]
    _spinning_off = True


def ocr_image(image: NDArray[np.uint8]) -> str:
    """The text of a grey (height, width) or RGB (height, width, 3) image; "" when it shows
    none. A page whose lines are read with low confidence is read upside down too, and
    the better reading kept (a sheet fed into the scanner the wrong way round).

    Raises ReadError when OCR is not available or fails on this image."""
    with _lock:  # one page at a time: RapidOCR keeps per-call state
        engine = _load()
        text, score = _read(engine, image)
        if text and score < TURN_BELOW:
            turned, turned_score = _read(engine, image[::-1, ::-1].copy())
            if turned_score > score:
                text = turned
    return text


def _read(engine: Any, image: NDArray[np.uint8]) -> tuple[str, float]:
    """The image's text and the mean confidence of its lines, weighted by their length."""
    try:
        result = engine(image)
    except Exception as exc:
        raise ReadError(f"OCR failed: {reason(exc)}") from exc
    boxes, texts = getattr(result, "boxes", None), getattr(result, "txts", None)
    scores = getattr(result, "scores", None)
    if boxes is None or not texts or scores is None:
        return "", 0.0
    sizes = [max(1, len(t.strip())) for t in texts]
    score = sum(float(c) * n for c, n in zip(scores, sizes, strict=True)) / sum(sizes)
    corners = [[(float(x), float(y)) for x, y in box] for box in boxes]
    return lay_out(corners, list(texts)), score


def lay_out(boxes: Sequence[Sequence[tuple[float, float]]], texts: Sequence[str]) -> str:
    """Text boxes (four corners each) as lines and paragraphs in reading order.

    A box joins the line whose vertical span holds its centre; a line's boxes are read
    left to right, with one space between them."""
    items = []
    for box, text in zip(boxes, texts, strict=True):
        text = " ".join(text.split())
        if not text:
            continue
        ys = [y for _, y in box]
        items.append((min(ys), max(ys), min(x for x, _ in box), text))
    items.sort(key=lambda item: (item[0] + item[1]) / 2)
    lines: list[list[tuple[float, float, float, str]]] = []
    for item in items:
        centre = (item[0] + item[1]) / 2
        if lines:
            top = min(i[0] for i in lines[-1])
            bottom = max(i[1] for i in lines[-1])
            if top <= centre <= bottom:
                lines[-1].append(item)
                continue
        lines.append([item])
    if not lines:
        return ""
    heights = sorted(max(i[1] for i in line) - min(i[0] for i in line) for line in lines)
    height = max(1.0, heights[len(heights) // 2])
    out: list[str] = []
    above: float | None = None  # the bottom of the line above
    for line in lines:
        top = min(i[0] for i in line)
        if above is not None:
            out.append("\n\n" if top - above > PARAGRAPH_GAP * height else "\n")
        out.append(" ".join(i[3] for i in sorted(line, key=lambda i: i[2])))
        above = max(i[1] for i in line)
    return "".join(out)
