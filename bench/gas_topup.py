"""Gas top-up benchmark over the demo's gas terminal, with the real app drawn offscreen:

  * gas card inserted → the account on screen (drawn),
  * payment confirmed (the payer's SUCCESS answer back at the kiosk) → card written, read back, the write
    confirmed to the utility and DONE drawn,

each beside its floor: the I/O that cannot be avoided, timed call by call in the same run (the card read, the
utility's account lookup; the utility's record-payment, reserve and confirm round trips, the card write and
read-back). The difference is the kiosk's own share: thread hand-offs, the journal's fsyncs, drawing.

    .venv/bin/python bench/gas_topup.py [--rounds 20]

The demo card 3101002468 buys 50 元 each round (its yearly limit allows about 45 rounds); the simulated reader
stands in for pcscd (the PC/SC chain's own figures are bench/gascard.py's).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.journey import build_app, describe  # noqa: E402  (sets Kivy up offscreen first)

from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402

DEADLINE_S = 30


def until(condition, what=lambda: "") -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the gas journey did not get there in time: {what()}")
        Clock.tick()


class Timed:
    """Stands in front of the saga's utility client, payments or card reader and notes each call's span."""

    def __init__(self, target, calls: list, lock: threading.Lock) -> None:
        self._target, self._calls, self._lock = target, calls, lock

    def __getattr__(self, name: str):
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                with self._lock:
                    self._calls.append((name, started, time.perf_counter()))

        return timed


def io_within(calls: list, start: float, end: float, names: set[str]) -> float:
    return sum(stop - begin for name, begin, stop in calls if name in names and begin >= start and stop <= end)


def one_round(app, screen, card, calls: list) -> tuple[float, ...]:
    from kiosk.journeys.gas import GasStep

    app.visit.start()
    app.open_service("gas")
    until(lambda: screen.view is not None and screen.view.step is GasStep.INSERT_CARD, what=lambda: screen.view)
    slot = app.devices.demo_gas_slot

    inserted = time.perf_counter()
    slot.insert(card)
    until(lambda: screen.view.step is GasStep.ACCOUNT)
    EventLoop.idle()                                  # the frame that shows it
    account_drawn = time.perf_counter()
    read_s = statistics.median(READS) if READS else 0.0
    account_floor = read_s + io_within(calls, inserted, account_drawn, {"account"})

    screen.journey.buy()
    until(lambda: screen.view.step is GasStep.AMOUNT)
    screen.preset(50)
    until(lambda: screen.view.quote is not None and not screen.view.quoting)
    screen.journey.next()
    until(lambda: screen.view.step is GasStep.CONFIRM)
    screen.pay("wechat")
    until(lambda: screen.view.step is GasStep.PAY and screen.view.payment == "scan_code")
    # The phone held to the scanner: the scanner types on its own line, not on the UI thread.
    threading.Thread(target=app.devices.scan_demo_payment_code, daemon=True).start()
    until(lambda: screen.view.step is GasStep.DONE)
    written_shown = time.perf_counter()               # the view is DONE; the frame that draws it is next
    EventLoop.idle()
    written_drawn = time.perf_counter()
    paid = max(stop for name, _begin, stop in calls if name == "pay")
    write_floor = io_within(calls, paid, written_drawn, {"record_payment", "reserve_write", "read", "write",
                                                         "confirm_written", "order"})
    screen.journey.finish()
    until(lambda: screen.view.step is GasStep.TAKE_CARD)
    app.devices.take_out_demo_gas_card()
    until(lambda: app.current_screen == "attract" and screen.journey is None)   # the screen has been left
    return account_drawn - inserted, account_floor, written_shown - paid, written_drawn - paid, write_floor


READS: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from kiosk.devices.hub import _demo_gas_cards

    app = build_app(Path(tempfile.mkdtemp(prefix="gas-bench-")))
    until(lambda: app.runtime.gas is not None and app.runtime.gas.saga is not None)
    saga = app.runtime.gas.saga
    calls: list = []
    lock = threading.Lock()
    saga.utility = Timed(saga.utility, calls, lock)
    saga.payments = Timed(saga.payments, calls, lock)
    saga.reader = Timed(saga.reader, calls, lock)
    screen = app.screen_manager.get_screen("gas")
    card = _demo_gas_cards()[0]

    # The card read's floor: the reader's own read of this card, straight, no journey around it.
    slot = app.devices.demo_gas_slot
    slot.insert(card)
    for _ in range(20):
        started = time.perf_counter()
        app.devices.gas_reader.read()
        READS.append(time.perf_counter() - started)
    slot.remove()

    figures: list[tuple[float, ...]] = [one_round(app, screen, card, calls) for _ in range(args.rounds)]
    account, account_floor, shown, written, write_floor = (list(column) for column in zip(*figures))
    print(f"gas top-up, {args.rounds} rounds (demo terminal, simulated card reader, embedded utility and gateway)")
    print(describe("card inserted → account drawn        ", account))
    print(describe("  floor: card read + account lookup ", account_floor))
    print(describe("payment confirmed → written, drawn   ", written))
    print(describe("  of which until the view is DONE   ", shown))
    print(describe("  floor: utility calls + write/read ", write_floor))
    app.stop()


if __name__ == "__main__":
    main()
