"""The task runner: results reach the GUI thread, and stale or late ones are dropped."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from rootable.core.errors import Cancelled, InputError
from rootable.gui.workers import TaskRunner

TIMEOUT_S = 10


@pytest.fixture
def runner(qtbot):
    task_runner = TaskRunner()
    yield task_runner
    task_runner.close()


class Outcomes:
    """Collects what a lane delivers, with the thread each result was delivered on."""

    def __init__(self):
        self.results = []
        self.errors = []
        self.progress = []
        self.threads = []

    def result(self, value):
        self.results.append(value)
        self.threads.append(QThread.currentThread())

    def error(self, error, details):
        self.errors.append((error, details))

    def step(self, done, total):
        self.progress.append((done, total))


def blocked_until(release, value):
    def run(cancelled, progress):
        release.wait(TIMEOUT_S)
        return value

    return run


def test_workers_result_on_gui_thread(runner, qtbot):
    outcomes = Outcomes()
    worker_threads = []

    def run(cancelled, progress):
        worker_threads.append(QThread.currentThread())
        progress(1, 2)
        return 42

    runner.submit("lane", run, outcomes.result, outcomes.error, outcomes.step)
    qtbot.waitUntil(lambda: outcomes.results == [42])

    assert outcomes.threads == [QApplication.instance().thread()]
    assert worker_threads[0] is not outcomes.threads[0]
    assert outcomes.progress == [(1, 2)]


def test_workers_newer_task_supersedes(runner, qtbot):
    outcomes = Outcomes()
    release = threading.Event()
    started = threading.Event()
    seen_cancel = []

    def old(cancelled, progress):
        started.set()
        release.wait(TIMEOUT_S)
        seen_cancel.append(cancelled())
        return "old"

    runner.submit("lane", old, outcomes.result, outcomes.error)
    qtbot.waitUntil(started.is_set)
    runner.submit("lane", blocked_until(release, "new"), outcomes.result, outcomes.error)
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy("lane"))

    assert outcomes.results == ["new"]
    assert seen_cancel == [True]
    assert outcomes.errors == []


def test_workers_error_with_traceback(runner, qtbot):
    outcomes = Outcomes()

    def fail(cancelled, progress):
        raise InputError("data.root: file not found")

    runner.submit("lane", fail, outcomes.result, outcomes.error)
    qtbot.waitUntil(lambda: bool(outcomes.errors))
    error, details = outcomes.errors[0]

    assert isinstance(error, InputError)
    assert "Traceback" in details
    assert "file not found" in details


def test_workers_cancel_before_start(runner, qtbot):
    outcomes = Outcomes()
    release = threading.Event()
    runner.submit("lane", blocked_until(release, "first"), outcomes.result, outcomes.error)
    started = []

    def second(cancelled, progress):
        started.append(True)
        return "second"

    runner.submit("other", blocked_until(release, "blocker"), lambda _: None, outcomes.error)
    runner.submit("other", second, outcomes.result, outcomes.error)
    runner.cancel("other")
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy("other") and not runner.is_busy("lane"))

    assert started == []
    assert outcomes.results == ["first"]
    assert len(outcomes.errors) == 1
    assert isinstance(outcomes.errors[0][0], Cancelled)


def test_workers_results_dropped_after_close(qtbot):
    runner = TaskRunner()
    outcomes = Outcomes()
    release = threading.Event()
    runner.submit("lane", blocked_until(release, "late"), outcomes.result, outcomes.error)

    release.set()
    runner.close()
    QApplication.processEvents()

    assert outcomes.results == []
    assert outcomes.errors == []


def test_workers_drop_discards_running_result(runner, qtbot):
    outcomes = Outcomes()
    release = threading.Event()
    started = threading.Event()

    def running(cancelled, progress):
        started.set()
        release.wait(TIMEOUT_S)
        return "dropped"

    runner.submit("lane", running, outcomes.result, outcomes.error)
    qtbot.waitUntil(started.is_set)
    runner.drop("lane")
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy("lane"))

    assert outcomes.results == []
    assert outcomes.errors == []


def test_replaced_catalog_is_freed(open_window, gui_data_dir, qtbot):
    import gc
    import sys
    import weakref

    window = open_window(gui_data_dir / "nano_dy.root")
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=TIMEOUT_S * 1000)
    first = weakref.ref(window.catalog)

    open_window(gui_data_dir / "nano_dimuon.root")

    # The first catalog was frozen with the window's other objects. Opening the second file
    # must release and collect it, or every opened file would stay in memory.
    qtbot.waitUntil(lambda: first() is None, timeout=TIMEOUT_S * 1000)
    assert sys.getswitchinterval() <= 0.0002 + 1e-9
