"""Whether the hall backend can be reached, reported as online/offline changes; and what works offline.

Evidence comes from two places: every hall call the kiosk makes anyway (the outbox sender reports
each round through `report`), and a probe (a signed GET /v1/hall) that runs only when nothing
else has spoken for a while, so a busy kiosk adds no traffic. One failure is not an outage: the
state goes offline after `failures_to_offline` failures in a row and back online at the first
answer. An HTML page instead of JSON (a captive portal on a shop's Wi-Fi) counts as unreachable;
a refusal (4xx) means the hall is there.

Listeners are called on the reporting thread, with the new state, in order; the app hands them to
the UI thread. No Kivy here.

    reachability = Reachability(client.hall_info)
    reachability.add_listener(lambda online: Clock.schedule_once(lambda _dt: app.show_offline(not online)))
    reachability.add_listener(lambda online: online and sender.wake(reset_backoff=True))
    sender = OutboxSender(outbox, client, on_reachability=reachability.report)
    reachability.start()

What a citizen is told while offline is in the message catalogue (kiosk/messages/offline.toml).
"""

from __future__ import annotations

import logging
import threading
import time
from enum import Enum
from typing import Any, Callable

from domain.background_loop import BackgroundLoop
from kiosk.hall.errors import HallProtocolError, HallRejected, HallUnavailable

__all__ = ["Reachability", "HallState"]

log = logging.getLogger("kiosk.hall.reachability")


class HallState(Enum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


class Reachability:
    def __init__(self, probe: Callable[[], Any], *, online_interval: float = 30.0, offline_interval: float = 5.0,
                 failures_to_offline: int = 2, clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[threading.Event, float], Any] | None = None) -> None:
        self._probe = probe
        self.online_interval = online_interval
        self.offline_interval = offline_interval
        self.failures_to_offline = failures_to_offline
        self._clock = clock
        self._loop = BackgroundLoop("hall-reachability", self._round, error_delay_s=offline_interval, wait=wait)
        self._state = HallState.UNKNOWN
        self._failures = 0
        self._last_evidence: float | None = None
        self._listeners: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()           # state changes and their notification, in order

    @property
    def state(self) -> HallState:
        return self._state

    @property
    def online(self) -> bool:
        """False only once the hall is known to be away; UNKNOWN counts as online (try it)."""
        return self._state is not HallState.OFFLINE

    def add_listener(self, listener: Callable[[bool], None]) -> None:
        self._listeners.append(listener)

    def report(self, reachable: bool) -> None:
        """Evidence from any hall call: True when the hall answered, False when it could not be reached."""
        with self._lock:
            self._last_evidence = self._clock()
            if reachable:
                self._failures = 0
                changed = self._state is not HallState.ONLINE
                self._state = HallState.ONLINE
            else:
                self._failures += 1
                changed = self._failures >= self.failures_to_offline and self._state is not HallState.OFFLINE
                if changed:
                    self._state = HallState.OFFLINE
            if changed:
                log.warning("hall is %s", self._state.value)
                for listener in list(self._listeners):
                    listener(self._state is HallState.ONLINE)

    def check_now(self) -> bool:
        """Probe the hall once (blocking, bounded by the client's timeouts) and report the result."""
        try:
            self._probe()
            reachable = True
        except (HallUnavailable, HallProtocolError) as error:
            log.info("hall probe failed: %s", error)
            reachable = False
        except HallRejected:
            reachable = True
        self.report(reachable)
        return reachable

    def next_probe_due(self) -> float:
        """The clock time at which the watcher probes, unless other calls report first."""
        if self._last_evidence is None:
            return self._clock()
        # After any failure, look again soon: an outage should be confirmed (or ruled out) quickly.
        calm = self._state is HallState.ONLINE and self._failures == 0
        interval = self.online_interval if calm else self.offline_interval
        return self._last_evidence + interval

    def start(self) -> "Reachability":
        self._loop.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._loop.stop(timeout)

    def _round(self) -> float:
        if self.next_probe_due() <= self._clock():
            self.check_now()
        return max(0.0, self.next_probe_due() - self._clock())
