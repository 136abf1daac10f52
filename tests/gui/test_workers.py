"""The worker adapter: a generator's events arrive on the GUI thread, then one ending."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.errors import FathomError
from desktop.core.progress import CancelToken
from desktop.gui.workers import STORE_WRITES, ErrorInfo, Job, Lane, ModelOwner, run_job


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


def test_jobs_on_one_lane_never_overlap(qtbot: QtBot) -> None:
    lane = Lane("test")
    inside = []
    overlap = []

    def work(cancel: CancelToken) -> int:
        inside.append(1)
        if len(inside) > 1:
            overlap.append(1)
        time.sleep(0.1)
        inside.pop()
        return 1

    jobs = [run_job(work, lane=lane) for _ in range(3)]
    for j in jobs:
        qtbot.waitUntil(j.isFinished, timeout=5000)
    assert not overlap
    assert not STORE_WRITES.busy


def test_model_owner_reports_loading_then_ready(qtbot: QtBot) -> None:
    class Model:
        name = "m"
        options = None

        def wait_loaded(self) -> None:
            time.sleep(0.05)

    owner = ModelOwner(Model)
    states: list[str] = []
    owner.state.connect(lambda s, d: states.append(s))
    owner.load()
    qtbot.waitUntil(lambda: owner.ready, timeout=5000)
    assert states == ["loading", "ready"]
    assert "remote" in owner.detail


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


def test_the_store_host_serves_a_lite_folder_from_a_child_and_holds_its_lock(
    tmp_path: Path,
) -> None:
    from desktop.core.errors import StoreLockedError
    from desktop.core.store.milvus import MilvusStore, lite_dir_locked
    from desktop.gui.store_host import StoreHost

    folder = tmp_path / "s.db"
    host = StoreHost(folder)
    uri = host.start()
    try:
        assert uri.startswith("http://127.0.0.1:")
        assert lite_dir_locked(folder)  # held by the child, not by this process
        store = MilvusStore(uri)
        assert store.embedding_info() is None
        store.close()
        with pytest.raises(StoreLockedError):
            StoreHost(folder).start()
    finally:
        host.stop()
    assert not lite_dir_locked(folder)
