"""The hall's windows and walk-ins, simulated: citizens arrive, staff call and finish tickets.

The reference server has no real counter staff, so this stands in for them and makes waiting
counts move. Each `step()`, in every open queue: the walk-ins of `arrivals` take a number at the
hall's own ticket machine, and one window in turn finishes its current ticket (as served, or as
missed for every `miss_every`-th one, a citizen who did not come) and calls the next one. The
demo runs `start(interval)`; tests call `step()` or `call_next`/`finish` directly.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime

from hall_server import db, tickets
from hall_server.clock import Clock

__all__ = ["QueueSimulation"]


class QueueSimulation:
    def __init__(self, db_path: str, clock: Clock, *, always_open: bool = False, miss_every: int = 10,
                 arrivals: tuple[int, ...] = ()) -> None:
        self._db_path = db_path
        self._clock = clock
        self._always_open = always_open
        self._miss_every = miss_every
        self._arrivals = arrivals       # walk-ins per queue and step, a repeating pattern; () for none
        self._steps = 0
        self._finished = 0
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
        """One round: arrivals, then one window per open queue; returns how many tickets were called."""
        conn = db.connect(self._db_path)
        called = 0
        try:
            now = self._clock.now()
            with self._lock:
                self._steps += 1
                step = self._steps
            for index, queue in enumerate(conn.execute("SELECT * FROM queues ORDER BY code").fetchall()):
                if not tickets.is_open(queue, now, self._always_open):
                    continue
                self._walk_ins(conn, queue, now, self._arrivals[(step + index) % len(self._arrivals)]
                               if self._arrivals else 0)
                windows = json.loads(queue["windows"])
                window = windows[step % len(windows)]
                current = conn.execute(
                    "SELECT id FROM tickets WHERE queue_code = ? AND service_date = ? AND status = 'called'"
                    ' AND "window" = ?', (queue["code"], now.date().isoformat(), window)).fetchone()
                if current is not None:
                    with self._lock:
                        self._finished += 1
                        served = self._finished % self._miss_every != 0
                    tickets.finish(conn, current["id"], now, served=served)
                if tickets.call_next(conn, queue["code"], window, now) is not None:
                    called += 1
            return called
        finally:
            conn.close()

    @staticmethod
    def _walk_ins(conn: sqlite3.Connection, queue: sqlite3.Row, now: datetime, count: int) -> None:
        for _ in range(count):
            with db.write(conn):
                tickets.issue(conn, queue, now, rank=tickets.RANK_WALK_IN, priority="none", id_number=None,
                              matter_code=None, appointment_id=None, kiosk_id=None)

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
