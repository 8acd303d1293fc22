"""Runs the kiosk's slow work (HTTP, serial, disk sync) on worker threads, never on the UI thread.

Results and errors come back through `deliver`, which the app sets to "run this on the UI thread"
(Kivy's `Clock.schedule_once`), so screens only ever change on the UI thread:

    worker = BackgroundWorker(deliver=lambda callback: Clock.schedule_once(lambda _dt: callback()))
    worker.run(client.queues, on_result=show_queues, on_error=show_problem)

No Kivy here: tests pass a `deliver` that collects the callbacks and runs them when told.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

__all__ = ["BackgroundWorker"]

log = logging.getLogger(__name__)


class BackgroundWorker:
    def __init__(self, deliver: Callable[[Callable[[], None]], None], max_workers: int = 4) -> None:
        self._deliver = deliver
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kiosk-worker")

    def run(self, task: Callable[[], Any], *, on_result: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> Future:
        """Start `task` on a worker thread; its result or exception is delivered to the UI thread."""
        future = self._executor.submit(task)

        def finished(done: Future) -> None:
            error = done.exception()
            if error is not None:
                if on_error is not None:
                    self._deliver(lambda: on_error(error))
                else:
                    log.error("background task failed: %s: %s", type(error).__name__, error)
            elif on_result is not None:
                result = done.result()
                self._deliver(lambda: on_result(result))

        future.add_done_callback(finished)
        return future

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)
