"""The worker adapter: a generator's events arrive on the GUI thread, then one ending;
lanes run their jobs in the order started; the model's lifecycle."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.errors import FathomError
from desktop.core.progress import CancelToken
from desktop.gui import workers
from desktop.gui.errors import ErrorDialog
from desktop.gui.model_owner import ModelOwner
from desktop.gui.workers import STORE_WRITES, ErrorInfo, Job, Lane, run_job, stop_all


def test_events_arrive_on_the_gui_thread_then_done(qtbot: QtBot) -> None:
    gui = threading.get_ident()
    seen: list[tuple[int, int]] = []
    worker_threads: list[int] = []

    def work(cancel: CancelToken) -> Iterator[int]:
        worker_threads.append(threading.get_ident())
        yield from range(5)

    job = Job(work)
    job.yielded.connect(lambda e: seen.append((e, threading.get_ident())))
    with qtbot.waitSignal(job.done, timeout=5000) as blocker:
        job.start()
    assert blocker.args == [4]
    assert [e for e, _ in seen] == [0, 1, 2, 3, 4]
    assert all(t == gui for _, t in seen)
    assert worker_threads and worker_threads[0] != gui


def test_many_events_leave_the_interpreter_whole(qtbot: QtBot) -> None:
    """PySide6 6.12.0's emit() takes a reference from True each time (Python 3.11): a job
    streaming a few thousand tokens aborted the process. pyproject excludes that release;
    this fails on any PySide that does it again."""
    import sys

    seen: list[int] = []
    job = Job(lambda _c: iter(range(1000)))
    job.yielded.connect(seen.append)
    before = sys.getrefcount(True)
    with qtbot.waitSignal(job.done, timeout=10_000):
        job.start()
    assert seen == list(range(1000))
    assert sys.getrefcount(True) - before > -100  # 2,000 emits: not 2,000 references fewer


def test_a_fathom_error_arrives_with_message_and_hint(qtbot: QtBot) -> None:
    def work(cancel: CancelToken) -> None:
        raise FathomError("The store is busy.", "Close the other Fathom.")

    job = Job(work)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        job.start()
    info = blocker.args[0]
    assert isinstance(info, ErrorInfo)
    assert (info.message, info.hint) == ("The store is busy.", "Close the other Fathom.")
    assert "Traceback" in info.details


def test_cancel_stops_a_generator_and_says_cancelled(qtbot: QtBot) -> None:
    produced: list[int] = []

    def work(cancel: CancelToken) -> Iterator[int]:
        for i in range(10_000):
            cancel.raise_if_cancelled()
            produced.append(i)
            time.sleep(0.01)
            yield i

    job = Job(work)
    job.yielded.connect(lambda e: job.cancel() if e == 3 else None)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
    job.wait(5000)
    assert len(produced) < 100


def test_a_job_that_fails_at_once_reaches_its_handler(qtbot: QtBot) -> None:
    """The failure is raised before the GUI thread looks again: it still arrives, once."""
    failures: list[ErrorInfo] = []

    def work(cancel: CancelToken) -> None:
        raise FathomError("No library yet.", "Add a folder first.")

    job = Job(work)
    job.failed.connect(failures.append)
    job.start()
    assert job.wait(5000)  # the work has failed already
    assert job.running  # ...but its ending is not delivered before the event loop runs
    late: list[ErrorInfo] = []
    job.failed.connect(late.append)  # even a slot connected now gets it: emitted from here
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert [f.message for f in failures] == ["No library yet."]
    assert [f.message for f in late] == ["No library yet."]


def _error_dialogs() -> list[ErrorDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]


def test_a_failure_nobody_handles_shows_the_error_dialog(qtbot: QtBot) -> None:
    def work(cancel: CancelToken) -> None:
        raise ValueError("boom")

    before = _error_dialogs()
    run_job(work, name="fathom-test-unhandled")  # no on_failed
    qtbot.waitUntil(lambda: len(_error_dialogs()) > len(before), timeout=5000)
    (dialog,) = [d for d in _error_dialogs() if d not in before]
    try:
        assert dialog.isVisible()
        assert dialog.info.bug and "ValueError: boom" in dialog.info.message
        assert "Traceback" in dialog.info.details
    finally:
        dialog.close()


def test_jobs_on_a_lane_run_one_at_a_time_in_the_order_started(qtbot: QtBot) -> None:
    lane = Lane("test order")
    release = threading.Event()
    order: list[int] = []
    inside: list[int] = []
    overlap: list[int] = []
    threads: set[int] = set()

    def work(i: int) -> Job:
        def run(cancel: CancelToken) -> int:
            if i == 0:
                release.wait(10)
            inside.append(i)
            if len(inside) > 1:
                overlap.append(i)
            threads.add(threading.get_ident())
            order.append(i)
            time.sleep(0.01)
            inside.pop()
            return i

        return run_job(run, lane=lane, name=f"fathom-test-{i}")

    jobs = [work(i) for i in range(12)]
    assert lane.busy
    qtbot.wait(200)
    assert order == []  # all wait behind the first
    release.set()
    qtbot.waitUntil(lambda: not any(j.running for j in jobs), timeout=10_000)
    assert order == list(range(12))
    assert not overlap and len(threads) == 1  # the lane's one thread
    assert not lane.busy and not STORE_WRITES.busy


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts Linux threads")
def test_jobs_waiting_for_their_lane_hold_no_thread(qtbot: QtBot) -> None:
    lane = Lane("test threads")
    release = threading.Event()
    ran: list[int] = []
    before = _os_threads()
    first = run_job(lambda _c: release.wait(10), lane=lane)
    waiting = [run_job(lambda _c, i=i: ran.append(i), lane=lane) for i in range(30)]
    qtbot.wait(200)
    try:
        assert _os_threads() - before <= 2  # the lane's thread (and at most one of Qt's)
        assert ran == []
    finally:
        release.set()
    qtbot.waitUntil(lambda: not first.running and not any(j.running for j in waiting))
    assert ran == list(range(30))


def test_a_job_cancelled_while_it_waits_for_its_lane_ends_at_once(qtbot: QtBot) -> None:
    lane = Lane("test cancel")
    release = threading.Event()
    ran: list[str] = []
    first = run_job(lambda _c: release.wait(10), lane=lane)
    second = Job(lambda _c: ran.append("second"), lane=lane)
    ended: list[str] = []
    second.done.connect(lambda _r: ended.append("done"))
    second.cancelled.connect(lambda: ended.append("cancelled"))
    second.start()
    with qtbot.waitSignal(second.cancelled, timeout=2000):
        second.cancel()
        second.cancel()  # twice: still one ending
    assert first.running and lane.busy  # the first still holds the lane
    release.set()
    qtbot.waitUntil(lambda: not first.running, timeout=5000)
    qtbot.wait(100)
    assert ended == ["cancelled"] and ran == []
    assert not lane.busy


def test_stop_all_stops_running_and_waiting_jobs_and_tells_nobody(qtbot: QtBot) -> None:
    lane = Lane("test stop")
    ran: list[str] = []

    def spin(cancel: CancelToken) -> Iterator[int]:
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)
            yield 0

    running = run_job(spin, lane=lane, on_cancelled=lambda: ran.append("first cancelled"))
    free = run_job(spin, on_cancelled=lambda: ran.append("free cancelled"))
    waiting = run_job(lambda _c: ran.append("waiting ran"), lane=lane)
    qtbot.wait(100)
    t0 = time.monotonic()
    stop_all(timeout_s=5)
    assert time.monotonic() - t0 < 2
    assert running.wait(0) and free.wait(0) and waiting.wait(0)
    qtbot.waitUntil(lambda: not any(j.running for j in (running, free, waiting)), timeout=5000)
    qtbot.wait(100)
    assert ran == []  # their endings came after the exit began: no slot hears them


def test_a_job_ending_as_stop_all_runs_reaches_no_slot(qtbot: QtBot) -> None:
    """The store-open job's ending, queued before the window closed and delivered after,
    used to reach a window whose history had closed."""
    heard: list[object] = []
    job = run_job(lambda _c: "opened", on_done=heard.append, on_failed=heard.append)
    assert job.wait(5000)  # it has returned; its ending waits in the event queue
    stop_all(timeout_s=5)
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert heard == []


def test_a_job_starts_once(qtbot: QtBot) -> None:
    job = run_job(lambda _c: 1)
    with pytest.raises(RuntimeError, match="started already"):
        job.start()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)


def test_model_owner_reports_a_server_model_ready_at_once(qtbot: QtBot) -> None:
    from desktop.core.llm.openai_compat import OpenAICompatModel

    owner = ModelOwner(lambda: OpenAICompatModel("http://127.0.0.1:9/v1", "gemma3"))
    states: list[str] = []
    percents: list[int] = []
    owner.state.connect(lambda s, d: states.append(s))
    owner.progress.connect(percents.append)
    owner.load()
    qtbot.waitUntil(lambda: owner.ready, timeout=5000)
    assert states == ["loading", "ready"] and percents == []
    assert owner.detail == "gemma3 · remote"


def test_model_owner_says_why_a_model_failed_to_load(qtbot: QtBot, tmp_path: Path) -> None:
    from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(60))
    owner = ModelOwner(lambda: LlamaCppModel(broken, LlamaOptions(n_gpu_layers=0)))
    with qtbot.waitSignal(owner.failed, timeout=30_000) as failed:
        owner.load()
    assert owner.current == "failed" and owner.model is None
    assert failed.args[0].message == owner.detail and "broken.gguf" in owner.detail


def test_model_owner_shows_llama_cpp_loading_progress(qtbot: QtBot, gemma_gguf: Path) -> None:
    from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions

    owner = ModelOwner(lambda: LlamaCppModel(gemma_gguf, LlamaOptions(n_gpu_layers=0)))
    states: list[str] = []
    percents: list[int] = []
    owner.state.connect(lambda s, d: states.append(s))
    owner.progress.connect(percents.append)
    owner.load()
    qtbot.waitUntil(lambda: owner.current in ("ready", "failed"), timeout=120_000)
    try:
        assert states == ["loading", "ready"], owner.detail
        assert owner.detail.endswith("· CPU")
        assert percents and percents == sorted(percents)  # llama.cpp's own steps, in order
        assert owner.model.load_fraction == 1.0
    finally:
        owner.close_now()


def test_picking_another_model_while_one_loads_ends_with_the_new_one(
    qtbot: QtBot, gemma_gguf: Path
) -> None:
    """The first load is aborted (or, if it already finished, closed): never left loaded."""
    from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions

    built: list[LlamaCppModel] = []

    def build() -> LlamaCppModel:
        model = LlamaCppModel(
            gemma_gguf, LlamaOptions(n_ctx=1024 * (len(built) + 1), n_gpu_layers=0)
        )
        built.append(model)
        return model

    owner = ModelOwner(build)
    states: list[str] = []
    owner.state.connect(lambda s, d: states.append(s))
    owner.load()
    qtbot.waitUntil(lambda: len(built) == 1, timeout=30_000)
    owner.unload()  # what the window does when another model is picked
    owner.load()
    qtbot.waitUntil(lambda: owner.current in ("ready", "failed"), timeout=120_000)
    try:
        assert owner.current == "ready", owner.detail
        assert len(built) == 2
        assert owner.model is built[1]
        assert owner.model.context_length == 2048
        qtbot.waitUntil(lambda: not built[0]._thread.is_alive(), timeout=30_000)
        assert states[-1] == "ready" and "loading" in states
    finally:
        owner.close_now()


def test_unloading_while_a_model_loads_leaves_none_loaded(qtbot: QtBot, gemma_gguf: Path) -> None:
    from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions

    built: list[LlamaCppModel] = []

    def build() -> LlamaCppModel:
        built.append(LlamaCppModel(gemma_gguf, LlamaOptions(n_ctx=1024, n_gpu_layers=0)))
        return built[-1]

    owner = ModelOwner(build)
    owner.load()
    qtbot.waitUntil(lambda: len(built) == 1, timeout=30_000)
    owner.unload()
    qtbot.waitUntil(lambda: not built[0]._thread.is_alive(), timeout=60_000)
    qtbot.wait(300)  # any late "done" has arrived
    assert owner.current == "not loaded" and owner.model is None


def test_a_detached_job_still_ends_but_tells_nobody(qtbot: QtBot) -> None:
    heard: list[str] = []
    release = threading.Event()

    def work(cancel: CancelToken) -> Iterator[int]:
        release.wait(10)
        yield 1
        raise RuntimeError("failed after its window closed")

    job = Job(work)
    job.yielded.connect(lambda _i: heard.append("yielded"))
    job.failed.connect(lambda _i: heard.append("failed"))
    job.done.connect(lambda _i: heard.append("done"))
    job.start()
    job.detach()
    release.set()
    assert job.wait(10_000)
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert heard == []  # no slot ran
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]
    assert job not in workers._live
