"""Slow work runs on worker threads; its results and errors come back only through `deliver`."""

import queue
import threading

from kiosk.background import BackgroundWorker


def test_result_and_error_are_delivered_not_called_on_the_worker_thread():
    delivered: "queue.Queue" = queue.Queue()
    worker = BackgroundWorker(deliver=delivered.put)
    ui_thread = threading.current_thread()
    seen = {}

    def task():
        seen["task_thread"] = threading.current_thread()
        return 42

    worker.run(task, on_result=lambda value: seen.setdefault("result", (value, threading.current_thread())))
    worker.run(lambda: 1 / 0, on_error=lambda error: seen.setdefault("error", type(error)))
    for _ in range(2):
        delivered.get(timeout=10)()  # the "UI thread" runs what was delivered
    worker.shutdown()

    assert seen["task_thread"] is not ui_thread
    assert seen["result"] == (42, ui_thread)
    assert seen["error"] is ZeroDivisionError


def test_an_unhandled_error_is_logged_not_lost(caplog):
    worker = BackgroundWorker(deliver=lambda callback: callback())
    future = worker.run(lambda: (_ for _ in ()).throw(OSError("port gone")))
    future.exception(timeout=10)
    worker.shutdown()
    assert "background task failed: OSError: port gone" in caplog.text
