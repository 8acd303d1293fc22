"""Telling the hall how this kiosk is: a periodic heartbeat and an immediate event on every device change.

Both go through the durable outbox (a heartbeat coalesces: only the newest undelivered one is kept), so a
kiosk that is offline reports as soon as it is back. `report` only records and wakes the reporter's own
thread; the outbox's disk sync never runs on the caller's (the UI's) thread.

    reporter = HealthReporter(lambda: app.hall and app.hall.outbox, app_version="0.1.0",
                              interval_s=60, backend_alert_after_s=300).start()
    reporter.report("printer", "paper_out", "paper roll is empty: load a new roll")
    reporter.report("hall", "offline")      # "hall.unreachable" once it has lasted backend_alert_after_s
    reporter.stop()

Events (type, severity): printer.paper_near_end warning; printer.paper_out / cover_open / offline /
cutter_error error; printer.ready info (recovered); reader.lost and reader.sam_fault error;
reader.connected info (recovered); hall.unreachable error; hall.reachable info (recovered).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from domain.background_loop import BackgroundLoop
from kiosk.outbox.errors import OutboxError

__all__ = ["HealthReporter", "ComponentState", "event_for"]

log = logging.getLogger(__name__)

_GOOD = {"ready", "connected", "online", "absent"}
_WARNING = {"paper_near_end", "connecting", "unknown"}
_READER_EVENTS = {"no_reader": "reader.lost", "sam_fault": "reader.sam_fault", "connected": "reader.connected"}


@dataclass(frozen=True)
class ComponentState:
    state: str
    message: str = ""

    @property
    def level(self) -> str:
        """The hall's ComponentStatus: ok | degraded | error | absent."""
        if self.state == "absent":
            return "absent"
        if self.state in _GOOD:
            return "ok"
        return "degraded" if self.state in _WARNING else "error"


def event_for(component: str, previous: str | None, state: str) -> tuple[str, str] | None:
    """The (type, severity) of the event a change deserves, or None (the first reading of a healthy device,
    or a change nobody needs to act on)."""
    if previous == state or component == "hall":
        return None
    recovered = state in _GOOD
    if recovered and (previous is None or previous in _GOOD or previous == "unknown"):
        return None
    if component == "printer":
        if recovered:
            return "printer.ready", "info"
        return f"printer.{state}", "warning" if state == "paper_near_end" else "error"
    if component == "reader" and state in _READER_EVENTS:
        return _READER_EVENTS[state], "info" if recovered else "error"
    return None


class HealthReporter:
    def __init__(self, outbox: Callable[[], Any], *, app_version: str, interval_s: float = 60.0,
                 backend_alert_after_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._outbox = outbox
        self._app_version = app_version
        self._interval_s = interval_s
        self._backend_alert_after_s = backend_alert_after_s
        self._clock = clock
        self._started_at = clock()
        self._lock = threading.Lock()
        self._components: dict[str, ComponentState] = {}
        self._events: deque[tuple[str, str, str]] = deque(maxlen=200)  # kept while there is no outbox yet
        self._hall_offline_since: float | None = None
        self._hall_alerted = False
        self._next_beat = self._started_at + interval_s   # the first once device states have settled
        self._loop = BackgroundLoop("health-reporter", self._round, error_delay_s=5.0)

    # --- what the app calls (any thread, never blocks) -----------------------------------------------

    def report(self, component: str, state: str, message: str = "") -> None:
        with self._lock:
            previous = self._components.get(component)
            self._components[component] = ComponentState(state, message[:200])
            event = event_for(component, previous.state if previous else None, state)
            if event is not None:
                self._events.append((*event, message[:500]))
            if component == "hall":
                self._track_hall(state)
        self._loop.wake()

    def components(self) -> dict[str, ComponentState]:
        with self._lock:
            return dict(self._components)

    def uptime_seconds(self) -> int:
        return int(self._clock() - self._started_at)

    # --- the reporter's thread -----------------------------------------------------------------------

    def start(self) -> "HealthReporter":
        self._loop.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._loop.stop(timeout)

    def beat_now(self) -> None:
        with self._lock:
            self._next_beat = self._clock()
        self._loop.wake()

    def _round(self) -> float:
        self.run_once()
        return max(0.05, min(5.0, self._next_beat - self._clock()))

    def run_once(self) -> None:
        """Queue pending events, an overdue "hall unreachable" event and, when due, a heartbeat."""
        outbox = self._outbox()
        if outbox is None:
            return
        with self._lock:
            now = self._clock()
            if (self._hall_offline_since is not None and not self._hall_alerted
                    and now - self._hall_offline_since >= self._backend_alert_after_s):
                self._hall_alerted = True
                minutes = (now - self._hall_offline_since) / 60
                self._events.append(("hall.unreachable", "error",
                                     f"the hall has not answered for {minutes:.0f} min: check the network"))
            events = list(self._events)
            self._events.clear()
            beat_due = now >= self._next_beat
            if beat_due:
                self._next_beat = now + self._interval_s
        try:
            for type_, severity, message in events:
                outbox.enqueue_event(type_, severity, message)
            if beat_due:
                outbox.enqueue_heartbeat(self.heartbeat_body(outbox))
        except OutboxError as error:
            log.warning("health report not queued: %s", error)

    def heartbeat_body(self, outbox: Any = None) -> dict[str, Any]:
        """The body of POST /v1/devices/heartbeat: versions, uptime, device states, outbox depth."""
        components = {name: {"status": state.level, "message": state.message}
                      for name, state in self.components().items()}
        if outbox is not None:
            stats = outbox.stats()
            oldest = "" if stats.oldest_pending_age is None else f", oldest {stats.oldest_pending_age:.0f} s"
            components["outbox"] = {"status": "error" if stats.problem else "degraded" if stats.dead else "ok",
                                    "message": f"{stats.pending} pending, {stats.dead} dead{oldest}"[:200]}
        levels = {item["status"] for item in components.values()}
        status = "error" if "error" in levels else "degraded" if "degraded" in levels else "ok"
        return {"status": status, "app_version": self._app_version, "uptime_seconds": self.uptime_seconds(),
                "components": components}

    def _track_hall(self, state: str) -> None:
        if state == "offline":
            if self._hall_offline_since is None:
                self._hall_offline_since = self._clock()
        elif state == "online":
            if self._hall_alerted:
                self._events.append(("hall.reachable", "info", "the hall answers again"))
            self._hall_offline_since = None
            self._hall_alerted = False
