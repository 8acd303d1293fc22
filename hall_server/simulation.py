"""The hall's windows, simulated: staff call the next ticket and finish the one they served.

The reference server has no real counter staff, so this stands in for them and makes waiting
counts move: every `interval` seconds each open window finishes its current ticket (as served,
or as missed for every `miss_every`-th call, a citizen who did not come) and calls the next one.
Tests call `step()` or `call_next`/`finish` directly instead of waiting for the thread.
"""

from __future__ import annotations

import json
import threading

from hall_server import db, tickets
from hall_server.clock import Clock

__all__ = ["QueueSimulation"]


class QueueSimulation:
    def __init__(self, db_path: str, clock: Clock, *, always_open: bool = False, miss_every: int = 10) -> None:
        self._db_path = db_path
        self._clock = clock
        self._always_open = always_open
        self._miss_every = miss_every
        self._calls = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def call_next(self, queue_code: str, window: int) -> str | None:
        conn = db.connect(self._db_path)
        try:
            return tickets.call_next(conn, queue_code, window, self._clock.now())
        finally:
            conn.close()

    def finish(self, ticket_id: str, *, served: bool = True) -> None:
        conn = db.connect(self._db_path)
        try:
            tickets.finish(conn, ticket_id, self._clock.now(), served=served)
        finally:
            conn.close()

    def step(self) -> int:
        """One round at every open window; returns how many tickets were called."""
        conn = db.connect(self._db_path)
        called = 0
        try:
            now = self._clock.now()
            for queue in conn.execute("SELECT * FROM queues ORDER BY code").fetchall():
                if not tickets.is_open(queue, now, self._always_open):
                    continue
                for window in json.loads(queue["windows"]):
                    current = conn.execute(
                        "SELECT id FROM tickets WHERE queue_code = ? AND service_date = ? AND status = 'called'"
                        " AND window = ?", (queue["code"], now.date().isoformat(), window)).fetchone()
                    if current is not None:
                        with self._lock:
                            self._calls += 1
                            served = self._calls % self._miss_every != 0
                        tickets.finish(conn, current["id"], now, served=served)
                    if tickets.call_next(conn, queue["code"], window, now) is not None:
                        called += 1
            return called
        finally:
            conn.close()

    def start(self, interval: float) -> None:
        """Step every `interval` seconds in a daemon thread until `stop()`."""
        self._thread = threading.Thread(target=self._run, args=(interval,), name="hall-queue-simulation",
                                        daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.step()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
