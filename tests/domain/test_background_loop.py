"""The one background loop every periodic worker runs on: rounds at the delays they ask for, woken early,
surviving a bug without spinning, stopped from outside or from its own round; and the backoff between
failures."""

from __future__ import annotations

import random
import threading

import pytest

from domain.background_loop import Backoff, BackgroundLoop

DEADLINE_S = 10


class FakeSleep:
    """Records the loop's sleeps instead of sleeping; the test ends the loop from a round."""

    def __init__(self) -> None:
        self.sleeps: list[float | None] = []

    def __call__(self, event: threading.Event, timeout: float | None) -> bool:
        self.sleeps.append(timeout)
        return event.wait(DEADLINE_S) if timeout is None else False


def test_rounds_run_at_the_delays_they_ask_for_and_a_round_can_stop_its_own_loop():
    asked = [2.0, 0.0, 5.0, None]
    sleep = FakeSleep()
    rounds = []
    done = threading.Event()

    def round_() -> float | None:
        rounds.append(len(rounds))
        if len(rounds) == len(asked):
            loop.stop()        # from its own thread: no join of itself
            done.set()
        return asked[len(rounds) - 1]

    loop = BackgroundLoop("test-loop", round_, wait=sleep)
    loop.start()
    assert done.wait(DEADLINE_S)
    loop.stop()
    assert rounds == [0, 1, 2, 3] and sleep.sleeps == [2.0, 5.0]  # no sleep for 0, none after the stop
    assert not loop.running


def test_a_round_that_raises_is_logged_masked_and_retried_after_the_error_delay(caplog):
    sleep = FakeSleep()
    calls = []
    done = threading.Event()

    def round_() -> float:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bad answer for 110105194912310021")
        loop.stop()
        done.set()
        return 1.0

    loop = BackgroundLoop("flaky", round_, error_delay_s=30.0, wait=sleep)
    loop.start()
    assert done.wait(DEADLINE_S)
    loop.stop()
    assert sleep.sleeps == [30.0] and len(calls) == 2
    assert "flaky round failed: RuntimeError" in caplog.text and "110105194912310021" not in caplog.text


def test_wake_runs_the_next_round_now_and_stop_ends_an_idle_loop():
    rounds = threading.Semaphore(0)
    loop = BackgroundLoop("idle", lambda: rounds.release()).start(first_in=None)   # waits to be woken
    assert loop.running
    loop.wake()
    assert rounds.acquire(timeout=DEADLINE_S)
    loop.stop()
    assert not loop.running
    with pytest.raises(RuntimeError, match="idle already started"):
        loop.start()


def test_backoff_doubles_up_to_its_limit_and_resets():
    backoff = Backoff(0.5, 5.0)
    assert [backoff.failed(100.0) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff.resume_at == 105.0 and backoff.failures == 6
    backoff.reset()
    assert backoff.failed(0.0) == 0.5


def test_jittered_backoff_stays_in_the_upper_half_of_each_delay():
    backoff = Backoff(1.0, 300.0, random.Random(7))
    for expected in (1.0, 2.0, 4.0, 8.0):
        assert expected / 2 <= backoff.failed(0.0) <= expected


def test_a_backoff_that_would_never_wait_is_refused():
    with pytest.raises(ValueError, match="0 < first <= longest"):
        Backoff(2.0, 1.0)
