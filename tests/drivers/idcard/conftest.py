"""Fixtures for the ID card reader: a simulator on a real pty, a serial reader connected to it,
and a recorder for poller events that waits on conditions, never on sleeps."""

from __future__ import annotations

import queue
import time
from typing import Callable

import pytest

from domain.privacy import sensitive_values
from drivers.idcard.reader import CommandTimeouts
from drivers.idcard.serial_reader import SerialCardReader
from drivers.idcard.simulator import Simulator

# The simulator paces replies at this speed: wire time is negligible, so tests stay fast.
TEST_BAUD = 4_000_000
# Generous: the suite must pass on a loaded 2-core machine. Tests of a stall use their own.
TEST_TIMEOUTS = CommandTimeouts(status=3, reset=3, sam_id=3, find=3, select=3, read=5,
                                read_fingerprint=5, appended_address=3, set_baud=3)


@pytest.fixture(autouse=True)
def _forget_sensitive_values():
    yield
    sensitive_values.forget_all()


@pytest.fixture
def simulator():
    sim = Simulator(baud=TEST_BAUD).start()
    yield sim
    sim.stop()


@pytest.fixture
def timeouts() -> CommandTimeouts:
    return TEST_TIMEOUTS


@pytest.fixture
def reader(simulator):
    with SerialCardReader(simulator.port, timeouts=TEST_TIMEOUTS) as card_reader:
        yield card_reader


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition with a deadline (not a sleep as synchronisation: it ends when true)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        time.sleep(0.005)


class EventRecorder:
    """The poller's on_event: a queue the test reads with a deadline."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()

    def __call__(self, event) -> None:
        self._queue.put(event)

    def next(self, timeout: float = 10.0):
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no poller event before the deadline") from None

    def pending(self) -> list:
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items


@pytest.fixture
def events() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def until():
    return wait_until
