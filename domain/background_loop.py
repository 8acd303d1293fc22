"""One daemon thread that does a round of work again and again, and the backoff between failed rounds.

Every periodic worker of the project is one of these: the ID card poller, the printer watch, the outbox
sender, the hall reachability watch, the health reporter, the guide refresher. Each supplies only its
round; starting, waking, stopping (bounded, never joining itself) and surviving a bug live here once.

    loop = BackgroundLoop("outbox-sender", one_round)   # one_round() -> seconds until the next, or None
    loop.start()                                        # first round at once (first_in=…: later)
    loop.wake()                                         # run the next round now
    loop.stop()                                         # ends it; waits (bounded) for the thread

A round that raises is logged (masked) and the next one comes after `error_delay_s`: a bug must never
end delivery or polling for good, nor make the thread spin. `wait(event, timeout)` is how the loop
sleeps; tests pass their own to move a fake clock instead of waiting.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any, Callable

from domain.privacy import redact

__all__ = ["BackgroundLoop", "Backoff"]

log = logging.getLogger(__name__)

Wait = Callable[[threading.Event, "float | None"], Any]


class BackgroundLoop:
    def __init__(self, name: str, round_: Callable[[], float | None], *, error_delay_s: float = 60.0,
                 wait: Wait | None = None) -> None:
        self.name = name
        self._round = round_
        self._error_delay_s = error_delay_s
        self._wait = wait or (lambda event, timeout: event.wait(timeout))
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, first_in: float | None = 0.0) -> "BackgroundLoop":
        """Start the thread; the first round runs after `first_in` seconds (None: once woken)."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        self._thread = threading.Thread(target=self._run, args=(first_in,), name=self.name, daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        """End the loop after the current round; wait for the thread at most `timeout` s (never for itself,
        when a round stops its own loop)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _sleep(self, seconds: float | None) -> None:
        if seconds is None or seconds > 0:
            self._wait(self._wake, seconds)
        self._wake.clear()

    def _run(self, first_in: float | None) -> None:
        if first_in != 0.0:
            self._sleep(first_in)
        while not self._stopping.is_set():
            try:
                delay = self._round()
            except Exception as error:  # the type says where; the text is masked like every log line
                log.error("%s round failed: %s: %s", self.name, type(error).__name__, redact(str(error)))
                delay = self._error_delay_s
            if self._stopping.is_set():
                return
            self._sleep(delay)


class Backoff:
    """Exponential backoff after failures: `first`, twice that, … up to `limit`; with `rng`, each delay is
    drawn from its upper half ("equal jitter") so that many kiosks do not retry in step."""

    def __init__(self, first: float, limit: float, rng: random.Random | None = None) -> None:
        if not 0 < first <= limit:
            raise ValueError("backoff is (first delay, longest delay) with 0 < first <= longest")
        self.first = first
        self.limit = limit
        self._rng = rng
        self.failures = 0
        self.resume_at = 0.0

    def failed(self, now: float) -> float:
        """Count a failure; returns the delay before the next try (and sets `resume_at`)."""
        self.failures += 1
        delay = min(self.limit, self.first * 2 ** min(self.failures - 1, 30))
        if self._rng is not None:
            delay = delay / 2 + self._rng.random() * delay / 2
        self.resume_at = now + delay
        return delay

    def reset(self) -> None:
        self.failures = 0
        self.resume_at = 0.0
