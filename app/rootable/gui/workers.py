"""Background work for the app: every thread the GUI starts is started here.

A task is a plain function run on a QThreadPool. Tasks of one kind ("open", "preview",
"export") form a lane: a newer task cancels the older one, and a result whose generation is
no longer current is dropped, so a slow preview never overwrites a newer one. After
``close()`` every result is dropped, because the window it was meant for is gone.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from rootable.core.errors import Cancelled, RootableError

log = logging.getLogger(__name__)

#: How long a thread may hold the GIL while another waits for it, in seconds. Every call from
#: Qt into Python (a model's data(), a slot, a timer) needs the GIL. With Python's default of
#: 5 ms, each such call waits up to 5 ms while a task runs Python code, and one repaint makes
#: hundreds of them. At 0.2 ms, the window kept its longest event-loop gap under 80 ms while
#: it opened the 1,499-branch nano_dy.root, instead of 600 ms
#: (benchmarks/bench_gui_responsiveness.py).
GIL_SWITCH_INTERVAL = 0.0002

#: Signature of a task function. Its first argument, ``cancelled()``, returns True once the
#: task is superseded or cancelled; its second, ``progress(done, total)``, reports progress.
TaskFunction = Callable[[Callable[[], bool], Callable[[int, int], None]], Any]
ResultHandler = Callable[[Any], None]
ErrorHandler = Callable[[BaseException, str], None]
ProgressHandler = Callable[[int, int], None]


def freeze_objects() -> None:
    """Exempt every object alive now from later full garbage collections.

    A full collection runs on whichever thread allocates, holds the GIL throughout, and
    visits every tracked object: with the 1,499-branch nano_dy.root open, about 190,000
    objects and 120 to 150 ms, which froze the window in the middle of each export. The open
    task calls this right after reading a file's catalog, so those collections skip it.
    """
    gc.freeze()


def collect_replaced_objects() -> None:
    """Collect what became garbage since the last freeze, such as the catalog of a file that
    another one replaced, then freeze the survivors again. A pause of one full collection,
    taken at a file switch."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class _Signals(QObject):
    """Carries a task's outcome from the pool thread to the GUI thread (queued connections)."""

    finished = Signal(str, int, object)
    failed = Signal(str, int, object, str)
    progress = Signal(str, int, int, int)


class _Task(QRunnable):
    def __init__(self, lane: str, generation: int, function: TaskFunction, signals: _Signals) -> None:
        super().__init__()
        self.lane = lane
        self.generation = generation
        self.function = function
        self.signals = signals
        self.cancel_event = threading.Event()

    def run(self) -> None:
        try:
            if self.cancel_event.is_set():
                raise Cancelled("cancelled before it started")
            result = self.function(self.cancel_event.is_set, self._report_progress)
        except Cancelled as exc:
            log.info("%s task %d cancelled", self.lane, self.generation)
            self.signals.failed.emit(self.lane, self.generation, exc, "")
            return
        except Exception as exc:
            # Every failure goes to the GUI thread. A RootableError is a user error (bad file,
            # bad setting) that the GUI shows; other exceptions are bugs.
            level = logging.INFO if isinstance(exc, RootableError) else logging.ERROR
            log.log(level, "%s task %d failed", self.lane, self.generation, exc_info=True)
            self.signals.failed.emit(self.lane, self.generation, exc, traceback.format_exc())
            return
        self.signals.finished.emit(self.lane, self.generation, result)

    def _report_progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(self.lane, self.generation, done, total)


@dataclass
class _Lane:
    pool: QThreadPool
    generation: int = 0
    task: _Task | None = None
    handlers: tuple[ResultHandler, ErrorHandler, ProgressHandler | None] | None = None
    running: set[int] = field(default_factory=set)


class TaskRunner(QObject):
    """Runs task functions off the GUI thread and delivers the current results back to it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        self._lanes: dict[str, _Lane] = {}
        self._closed = False
        self._signals = _Signals()
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)

    def submit(
        self,
        lane: str,
        function: TaskFunction,
        on_result: ResultHandler,
        on_error: ErrorHandler,
        on_progress: ProgressHandler | None = None,
    ) -> int:
        """Start ``function`` in ``lane``, cancelling the lane's previous task; return its generation."""
        state = self._lane(lane)
        self.cancel(lane)
        state.generation += 1
        task = _Task(lane, state.generation, function, self._signals)
        state.task = task
        state.handlers = (on_result, on_error, on_progress)
        state.running.add(state.generation)
        state.pool.start(task)
        return state.generation

    def cancel(self, lane: str) -> None:
        """Ask the lane's current task to stop; the core checks the flag between chunks."""
        state = self._lanes.get(lane)
        if state is not None and state.task is not None:
            state.task.cancel_event.set()

    def drop(self, lane: str) -> None:
        """Cancel the lane's current task and drop its result, even one already on its way."""
        state = self._lanes.get(lane)
        if state is None:
            return
        self.cancel(lane)
        state.generation += 1
        state.handlers = None

    def is_busy(self, lane: str) -> bool:
        """Return True while a task of ``lane`` is queued or running, superseded ones included."""
        state = self._lanes.get(lane)
        return state is not None and bool(state.running)

    def close(self, timeout_ms: int = 5000) -> None:
        """Cancel every task, drop all results from now on, and wait for the threads to stop."""
        self._closed = True
        for lane, state in self._lanes.items():
            self.cancel(lane)
            if not state.pool.waitForDone(timeout_ms):
                log.warning("a %s task did not stop within %d ms after cancel", lane, timeout_ms)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every lane is idle; for tests and scripts, never for the GUI."""
        return all(state.pool.waitForDone(timeout_ms) for state in self._lanes.values())

    def _lane(self, lane: str) -> _Lane:
        if lane not in self._lanes:
            # One thread per lane keeps tasks of a lane in order and off each other's file handles.
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            self._lanes[lane] = _Lane(pool=pool)
        return self._lanes[lane]

    def _current_handlers(self, lane: str, generation: int) -> Any:
        state = self._lanes[lane]
        state.running.discard(generation)
        if self._closed or generation != state.generation:
            log.debug("dropped a stale %s result (generation %d)", lane, generation)
            return None
        return state.handlers

    @Slot(str, int, object)
    def _on_finished(self, lane: str, generation: int, result: Any) -> None:
        handlers = self._current_handlers(lane, generation)
        if handlers is not None:
            handlers[0](result)

    @Slot(str, int, object, str)
    def _on_failed(self, lane: str, generation: int, error: BaseException, details: str) -> None:
        handlers = self._current_handlers(lane, generation)
        if handlers is not None:
            handlers[1](error, details)

    @Slot(str, int, int, int)
    def _on_progress(self, lane: str, generation: int, done: int, total: int) -> None:
        state = self._lanes[lane]
        if self._closed or generation != state.generation or state.handlers is None:
            return
        on_progress = state.handlers[2]
        if on_progress is not None:
            on_progress(done, total)
