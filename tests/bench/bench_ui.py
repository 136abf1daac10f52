"""How long the window's event loop stalls while it ingests a corpus and streams an answer.

    python -m tests.bench.bench_ui --model GGUF --embedding MODEL --corpus DIR [--files N]

The real main window (offscreen unless a display is set) on a fresh Fathom home: a
``QTimer`` probe on the GUI thread ticks every 5 ms and records how late each tick comes;
a stall is the delay beyond the interval. Phases, one after another in the same run:

- ``startup`` (reported, not counted): from ``show()`` until the store is open, the
  embedder and the core's code are loaded (``Backend.warm``) and the model is ready;
- ``idle``: then nothing running: the baseline;
- ``ingest``: the first N files of the corpus (copied to a temporary folder) added the way
  a drop adds them, until the ingestion's summary arrives;
- ``answer``: a question sent from the composer, until the answer is finished and saved;
- ``viewer``: a source on page 400 of a 500-page PDF (made here with QPdfWriter) opened in
  the source viewer, until its page is rendered with the passage highlighted.

Prints a table (longest stall, 99th percentile, ticks, the longest stall as a ratio of
the idle baseline's, and the longest garbage collection on any thread, which holds the
GIL) and, last, ``max_stall_ms=<N>``: the longest stall of ingest, answer and viewer.
The target is under 50 ms. Without ``--model`` the answer phase is skipped.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBE_MS = 5
QUESTION = "How do I create a collection and insert vectors into it?"


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    stalls: list[float] = field(default_factory=list)  # ms beyond the interval, per tick
    gc_ms: list[float] = field(default_factory=list)  # each garbage collection, any thread

    @property
    def worst(self) -> float:
        return max(self.stalls, default=0.0)

    @property
    def p99(self) -> float:
        if len(self.stalls) < 2:
            return self.worst
        return statistics.quantiles(self.stalls, n=100)[98]


class Probe:
    """Ticks on the GUI thread; records how late each tick is."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.phase: Phase | None = None
        self.last = 0.0
        self._gc_start: dict[int, float] = {}
        gc.callbacks.append(self._gc)

    def _gc(self, stage: str, _info: dict[str, int]) -> None:
        """A full collection holds the GIL: its length shows up as a stall."""
        me = threading.get_ident()
        if stage == "start":
            self._gc_start[me] = time.perf_counter()
        elif (t0 := self._gc_start.pop(me, None)) is not None and self.phase is not None:
            self.phase.gc_ms.append((time.perf_counter() - t0) * 1000)

    def measure(self, phase: Phase) -> None:
        self.phase = phase
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.phase = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.phase is not None:
            self.phase.stalls.append(max(0.0, (now - self.last) * 1000 - PROBE_MS))
        self.last = now


VIEWER_PAGES = 500
VIEWER_PAGE = 400


def page_text(n: int) -> str:
    return (
        f"Page {n} of the long manual. The calibration constant on this page is {n * 7} "
        f"units, measured at the {n}th station. Replace the filter of unit {n} every "
        "spring, and check the seals before the first frost."
    )


def make_long_pdf(path: Path, pages: int = VIEWER_PAGES) -> None:
    """A real PDF of ``pages`` pages, a heading and a few paragraphs of text on each."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFont, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(144)
    painter = QPainter(writer)
    painter.setFont(QFont("DejaVu Sans", 11))
    flags = int(Qt.TextFlag.TextWordWrap)
    for n in range(1, pages + 1):
        if n > 1:
            writer.newPage()
        box = QRect(120, 120, writer.width() - 240, writer.height() - 240)
        painter.drawText(box, flags, f"Chapter {n}\n\n" + "\n\n".join([page_text(n)] * 4))
    painter.end()


def wait_until(app: Any, condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench_ui: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.002)


def run_phase(app: Any, probe: Probe, name: str, start: Any, done: Any, timeout_s: float) -> Phase:
    """Run ``start()`` then let the event loop run (the probe measuring) until ``done()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    phase = Phase(name)
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: loop.quit() if done() else None)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    probe.measure(phase)
    t0 = time.perf_counter()
    start()
    check.start()
    loop.exec()
    phase.seconds = time.perf_counter() - t0
    check.stop()
    probe.stop()
    if not done():
        raise SystemExit(f"bench_ui: the {name} phase did not end within {timeout_s:.0f} s")
    return phase


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="chat GGUF (omit: no answer phase)")
    parser.add_argument("--embedding", required=True, help="embedding model folder or hub id")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--files", type=int, default=30, help="files of the corpus to ingest")
    parser.add_argument("--glob", default="*.md", help="which corpus files")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of idle baseline")
    parser.add_argument(
        "--switch-interval", type=float, help="ms; override the app's GIL switch interval"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fathom-bench-ui-"))
    folder = work / "corpus"
    folder.mkdir()
    files = sorted(p for p in args.corpus.rglob(args.glob) if p.is_file())[: args.files]
    for i, src in enumerate(files):
        shutil.copy(src, folder / f"{i:04d}-{src.name}")
    os.environ["FATHOM_HOME"] = str(work / "home")
    os.environ["FATHOM_EMBEDDING__MODEL"] = str(args.embedding)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "")
    if not os.environ["QT_QPA_PLATFORM"]:
        del os.environ["QT_QPA_PLATFORM"]
    if args.model:
        os.environ["FATHOM_LLM__MODEL"] = str(args.model)
        os.environ["FATHOM_LLM__MAX_TOKENS"] = str(args.max_tokens)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

    from desktop.core.paths import Paths
    from desktop.gui.app import make_app
    from desktop.gui.main_window import MainWindow

    app = make_app()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    window = MainWindow(Paths.default(), load_model=bool(args.model))
    window.resize(1200, 800)
    backend = window.backend
    probe = Probe()

    def started() -> bool:
        model_done = not args.model or backend.model.current in ("ready", "failed")
        return backend.warm.is_set() and model_done

    startup = run_phase(app, probe, "startup", window.show, started, 600)
    if args.model and not backend.model.ready:
        raise SystemExit(f"bench_ui: the model did not load: {backend.model.detail}")
    phases: list[Phase] = []
    idle = Phase("idle")
    probe.measure(idle)
    t0 = time.perf_counter()
    wait_loop(app, args.idle)
    idle.seconds = time.perf_counter() - t0
    probe.stop()
    phases.append(idle)

    phases.append(
        run_phase(
            app,
            probe,
            f"ingest ({len(files)} files)",
            lambda: window.add_paths([folder]),
            lambda: window.ingest_job is None and bool(backend.chats.folders()[0].last_sync),
            1800,
        )
    )
    if args.model:

        def ask() -> None:
            window.composer.setPlainText(args.question)
            window.send()

        phases.append(run_phase(app, probe, "answer", ask, lambda: window.answer_job is None, 900))
    long_pdf = work / "long-manual.pdf"
    make_long_pdf(long_pdf)
    source = {
        "rank": 1,
        "path": str(long_pdf),
        "page": VIEWER_PAGE,
        "heading": "",
        "text": page_text(VIEWER_PAGE),
    }
    pane = window.preview.pdf

    def viewer_done() -> bool:
        return window.preview.highlighted and not pane.canvas.image.isNull()

    phases.append(
        run_phase(
            app,
            probe,
            f"viewer (p. {VIEWER_PAGE}/{VIEWER_PAGES})",
            lambda: window.show_source(source),
            viewer_done,
            120,
        )
    )
    chunks = backend.chats.folders()[0].chunks
    answer_widget = None
    if args.model:
        from desktop.gui.chat_view import AnswerWidget

        answers = [w for w in window.chat.messages() if isinstance(w, AnswerWidget)]
        answer_widget = answers[-1] if answers else None
    window.close()
    app.processEvents()

    base = max(idle.worst, 1.0)
    print(
        f"platform={app.platformName()} probe={PROBE_MS} ms chunks={chunks} "
        f"switch_interval={sys.getswitchinterval() * 1000:g} ms load={os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'phase':<22}{'seconds':>9}{'ticks':>8}{'max ms':>9}{'p99 ms':>9}{'>50 ms':>8}"
        f"{'max/idle':>10}{'gc max ms':>11}"
    )
    for p in [startup, *phases]:
        print(
            f"{p.name:<22}{p.seconds:>9.1f}{len(p.stalls):>8}{p.worst:>9.1f}{p.p99:>9.1f}"
            f"{sum(s > 50 for s in p.stalls):>8}{p.worst / base:>10.1f}"
            f"{max(p.gc_ms, default=0.0):>11.1f}"
        )
    if answer_widget is not None:
        print(
            f"answer: {len(answer_widget.answer_text)} characters, "
            f"{len(answer_widget.sources)} sources"
        )
    worst = max((p.worst for p in phases[1:]), default=0.0)
    print(f"max_stall_ms={worst:.0f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def wait_loop(app: Any, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


if __name__ == "__main__":
    sys.exit(main())
