"""``fathom self-test``: prove that this installation works, end to end, in a throwaway home.

Made for the frozen app's smoke test, and useful on any machine after an install.
``--window-only`` just opens and closes the window, to time a launch. In a
fresh temporary Fathom home it opens the main window (offscreen when there is no
display) and closes it once shown, ingests a small folder (``--docs``, or a few sample
paragraphs it writes itself), and answers one question with retrieval and the given
GGUF through the same core API as ``fathom ingest`` and ``fathom ask``. It prints a short
report; the exit code is 0 only when every step worked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from desktop import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")

# Three short documents with distinct facts; the question is answered by the second.
SAMPLES = {
    "harbour.md": (
        "# The harbour\n\n"
        "Port Caddow's harbour holds forty fishing boats. The harbour master, Tomas Reyes, "
        "opens the sea gate at six in the morning and closes it at nine in the evening. "
        "Boats that return late anchor outside the breakwater until dawn.\n"
    ),
    "lighthouse.md": (
        "# The lighthouse\n\n"
        "The lighthouse on Brannock Point is kept by Ilsa Marrow. Its lamp turns once every "
        "twelve seconds and can be seen thirty kilometres out to sea. The keeper climbs the "
        "one hundred and twelve steps to clean the lens every Sunday.\n"
    ),
    "market.txt": (
        "The Saturday market in the old square sells bread, cheese and smoked fish. "
        "Stalls open at eight. The cheese comes from goats kept on the hills above the town, "
        "and the bakers use a rye flour milled in the next valley.\n"
    ),
}
SAMPLE_QUESTION = "Who keeps the lighthouse on Brannock Point?"
SAMPLE_TOP = "lighthouse.md"
DOCS_QUESTION = "What is this collection of documents about?"
ANSWER_TOKENS = 48
CONTEXT = 4096


class SelfTestError(Exception):
    """A self-test step did not do what it must."""


@dataclass
class Report:
    version: str = __version__
    frozen: bool = bool(getattr(sys, "frozen", False))
    platform: str = ""
    window_ms: float | None = None  # from process start to the window shown
    window_step_ms: float = 0.0  # from the start of the window step (Qt import included)
    files: int = 0
    chunks: int = 0
    ingest_s: float = 0.0
    top_source: str = ""
    sources: int = 0
    answer_tokens: int = 0
    answer: str = ""
    answer_s: float = 0.0
    total_s: float = 0.0
    steps: list[str] = field(default_factory=list)
    failed: str = ""

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("window_ms", "window_step_ms", "ingest_s", "answer_s", "total_s"):
            if out[key] is not None:
                out[key] = round(out[key], 3)
        return out


def since_process_start_ms() -> float | None:
    """Milliseconds since this process was started (Linux: from /proc), else None.

    Counted from the exec of the program, so a frozen app's bootloader and a source run's
    interpreter start-up are both included.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        now = time.clock_gettime(time.CLOCK_BOOTTIME)
        return (now - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _step(report: Report, name: str, action: Callable[[], T]) -> T:
    try:
        result = action()
    except SelfTestError as exc:
        report.failed = f"{name}: {exc}"
        raise
    except Exception as exc:
        report.failed = f"{name}: {type(exc).__name__}: {exc}"
        raise SelfTestError(report.failed) from exc
    report.steps.append(name)
    return result


def show_window(base: Path, report: Report) -> None:
    """Open the main window, wait until it is on screen (exposed), render it, close it."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    from desktop.core.paths import Paths
    from desktop.gui.app import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Fathom")
    window = MainWindow(Paths(base))
    window.show()
    deadline = time.monotonic() + 10
    handle = window.windowHandle()
    while not (handle is not None and handle.isExposed()):
        if time.monotonic() > deadline:
            raise SelfTestError("the window was not shown within 10 s")
        app.processEvents()
        handle = window.windowHandle()
    report.window_ms = since_process_start_ms()
    report.window_step_ms = (time.perf_counter() - t0) * 1000
    report.platform = str(QApplication.platformName())
    shot = window.grab()
    if shot.isNull() or shot.width() == 0:
        raise SelfTestError("the window could not be rendered")
    window.close()
    app.processEvents()


def write_samples(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SAMPLES.items():
        (folder / name).write_text(text, encoding="utf-8")


def run_self_test(args: argparse.Namespace) -> int:
    if not args.window_only and (args.model is None or args.embedding is None):
        print(
            "fathom self-test: error: --model GGUF and --embedding MODEL_DIR are required "
            "(or --window-only)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    t_start = time.perf_counter()
    report = Report()
    home = Path(tempfile.mkdtemp(prefix="fathom-self-test-"))
    os.environ["FATHOM_HOME"] = str(home)
    try:
        _run(args, home, report)
    except SelfTestError as exc:
        report.failed = report.failed or str(exc)
        cause = exc.__cause__
        if cause is not None and args.verbose:
            traceback.print_exception(cause, file=sys.stderr)
    finally:
        report.total_s = time.perf_counter() - t_start
        if args.keep:
            print(f"self-test home kept: {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print_report(report)
    if report.failed:
        print(f"fathom: self-test failed at {report.failed}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _check_inputs(args: argparse.Namespace) -> None:
    if not Path(args.model).is_file():
        raise SelfTestError(f"the chat model {args.model} is not a file")
    if not Path(args.embedding).is_dir():
        raise SelfTestError(f"the embedding model folder {args.embedding} does not exist")
    if args.docs is not None and not Path(args.docs).is_dir():
        raise SelfTestError(f"the documents folder {args.docs} does not exist")


def _run(args: argparse.Namespace, home: Path, report: Report) -> None:
    if args.window_only:
        _step(report, "window", lambda: show_window(home, report))
        return
    _step(report, "inputs", lambda: _check_inputs(args))
    _step(report, "window", lambda: show_window(home, report))

    from desktop.core.ingest.pipeline import Summary
    from desktop.core.library import Library
    from desktop.core.rag.answer import Answer
    from desktop.core.services import Services
    from desktop.core.settings import set_keys

    def make_services() -> Services:
        services = Services.from_environment(home)
        small = {"llm.n_ctx": CONTEXT, "llm.max_tokens": ANSWER_TOKENS}
        return services.with_settings(set_keys(services.settings, small))

    services = _step(report, "settings", make_services)
    docs = Path(args.docs) if args.docs else home / "sample-docs"
    if args.docs is None:
        write_samples(docs)
    embedder = _step(report, "embedding model", lambda: services.embedder(str(args.embedding)))
    library = Library(services, _step(report, "store", services.store))
    try:

        def do_ingest() -> Summary:
            events = library.sync([docs], embedder=embedder)
            summary = next(e for e in events if isinstance(e, Summary))
            if summary.failed:
                path, error = summary.failed[0]
                raise SelfTestError(f"{len(summary.failed)} file(s) failed, e.g. {path}: {error}")
            if summary.added == 0 or summary.chunks == 0:
                raise SelfTestError(f"nothing was ingested from {docs}")
            return summary

        summary = _step(report, "ingest", do_ingest)
        report.files, report.chunks, report.ingest_s = (
            summary.added,
            summary.chunks,
            summary.seconds,
        )
        model = _step(report, "chat model", lambda: services.chat_model(str(args.model)))
        try:
            question = DOCS_QUESTION if args.docs else SAMPLE_QUESTION
            params = replace(services.generation_params("low"), temperature=0.0)

            def do_answer() -> Answer:
                t0 = time.perf_counter()
                events = library.answer(question, model=model, params=params, embedder=embedder)
                result = next(e for e in events if isinstance(e, Answer))
                report.answer_s = time.perf_counter() - t0
                return result

            result = _step(report, "answer", do_answer)
        finally:
            model.close()
    finally:
        library.store.close()

    def check_answer() -> None:
        if not result.sources:
            raise SelfTestError("retrieval found no sources")
        report.sources = len(result.sources)
        report.top_source = Path(result.sources[0].path).name
        if args.docs is None and report.top_source != SAMPLE_TOP:
            raise SelfTestError(f"the top source is {report.top_source}, expected {SAMPLE_TOP}")
        report.answer_tokens = result.timings.tokens
        report.answer = result.answer.strip()
        if report.answer_tokens == 0 or not report.answer:
            raise SelfTestError("the model generated no answer")

    _step(report, "check", check_answer)


def _print_report(r: Report) -> None:
    kind = "frozen" if r.frozen else "from source"
    print(f"Fathom {r.version} self-test ({kind})")
    if r.window_step_ms:
        launch = f"{r.window_ms:.0f} ms after launch, " if r.window_ms is not None else ""
        print(f"  window   shown {launch}{r.window_step_ms:.0f} ms for the Qt step ({r.platform})")
    if r.files:
        print(f"  ingest   {r.files} files ingested, {r.chunks} chunks ({r.ingest_s:.1f} s)")
    if r.top_source:
        print(f"  sources  {r.sources}, top source: {r.top_source}")
    if r.answer_tokens:
        short = r.answer.replace("\n", " ")
        short = short if len(short) <= 70 else short[:67] + "..."
        print(f"  answer   {r.answer_tokens} tokens in {r.answer_s:.1f} s: {short}")
    print(f"  total    {r.total_s:.1f} s; " + ("FAILED" if r.failed else "all steps passed"))
