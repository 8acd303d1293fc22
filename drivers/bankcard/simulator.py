"""A simulated UnionPay terminal module, for the demo profile and the tests: the same link calls as the library.

    terminal = SimulatedTerminal()                       # every sale approved, the card inserted at once
    terminal.script(Outcome.DECLINED, response_code="51")   # the next sale: insufficient funds
    terminal.script(Outcome.PIN_CANCELLED)               # ... then cancelled on the pad
    terminal.script(Outcome.HANG)                        # ... then the transaction call never returns
    MisPosTerminal(terminal).sale("GT20261123000042", 10000)

Outcomes, one per sale in the order scripted (APPROVED when none is left):

    APPROVED        approved; recorded against the order
    DECLINED        the bank refuses with `response_code` (default 51, insufficient funds)
    NO_CARD         no card is ever inserted (the citizen walks away)
    CARD_REMOVED    the card is pulled out while the PIN is entered
    PIN_CANCELLED   the citizen presses cancel on the pad
    HANG            the transaction call hangs: TerminalHung, as the vendor backend raises after its timeout;
                    nothing is recorded
    HANG_APPROVED   approved and recorded, then the answer is lost the same way (query finds the sale)

With `auto_card=False` the slot stays empty until `insert_card()` (the demo's button). The terminal keeps one
record per order, like the real module: query, void and refund work on it and are safe to repeat.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import Enum

from drivers.bankcard.codes import APPROVED, NOT_FOUND
from drivers.bankcard.errors import TerminalHung
from drivers.bankcard.link import MisPosLink, PinState, SlotState

__all__ = ["SimulatedTerminal", "Outcome", "DEMO_CARD_NUMBER"]

DEMO_CARD_NUMBER = "6222021234567890123"


class Outcome(Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    NO_CARD = "no_card"
    CARD_REMOVED = "card_removed"
    PIN_CANCELLED = "pin_cancelled"
    HANG = "hang"
    HANG_APPROVED = "hang_approved"


@dataclass
class _Record:
    state: str
    amount: int
    code: str
    rrn: str = ""
    auth: str = ""
    trace: str = ""


class SimulatedTerminal(MisPosLink):
    description = "simulated UnionPay terminal"

    def __init__(self, *, card_number: str = DEMO_CARD_NUMBER, auto_card: bool = True) -> None:
        self.card_number = card_number
        self.auto_card = auto_card
        self._lock = threading.Lock()
        self._script: deque[tuple[Outcome, str]] = deque()
        self._current: tuple[Outcome, str] = (Outcome.APPROVED, APPROVED)
        self._slot = SlotState.EMPTY
        self._opened = False
        self._sequence = 0
        self.records: dict[str, _Record] = {}
        self.calls: list[str] = []

    # -- the simulator's controls --

    def script(self, outcome: Outcome, *, response_code: str = "51") -> "SimulatedTerminal":
        with self._lock:
            self._script.append((outcome, response_code if outcome is Outcome.DECLINED else APPROVED))
        return self

    def insert_card(self) -> None:
        with self._lock:
            self._slot = SlotState.CARD_IN

    # -- the link --

    def open(self) -> None:
        self.calls.append("init")
        self._opened = True

    def close(self) -> None:
        self.calls.append("close")
        self._opened = False

    def enter_card(self) -> None:
        with self._lock:
            self.calls.append("enter_card")
            self._current = self._script.popleft() if self._script else (Outcome.APPROVED, APPROVED)
            if self.auto_card and self._current[0] is not Outcome.NO_CARD:
                self._slot = SlotState.CARD_IN

    def check_card(self) -> SlotState:
        self.calls.append("check_card")
        return self._slot

    def read_card(self) -> str:
        self.calls.append("read_card")
        return self.card_number

    def start_pin(self, amount_fen: int) -> None:
        self.calls.append("start_pin")

    def pin_state(self) -> tuple[PinState, int]:
        self.calls.append("pin_state")
        outcome = self._current[0]
        if outcome is Outcome.PIN_CANCELLED:
            return PinState.CANCELLED, 2
        if outcome is Outcome.CARD_REMOVED:
            self._slot = SlotState.CARD_TAKEN
            return PinState.CARD_TAKEN, 3
        return PinState.DONE, 6

    def eject(self) -> None:
        self.calls.append("eject")
        with self._lock:
            self._slot = SlotState.EMPTY

    def transact(self, request: dict[str, str]) -> dict[str, str]:
        with self._lock:
            self.calls.append(f"transact:{request.get('trans')}")
            kind, order = request.get("trans", ""), request.get("order", "")
            if kind == "sale":
                return self._sale(order, int(request.get("amount", "0")))
            record = self.records.get(order)
            if record is None:
                return {"code": NOT_FOUND, "order": order, "state": "none"}
            if kind in ("void", "refund") and record.state == "approved":
                record.state = "voided" if kind == "void" else "refunded"
            return self._answer(order, record)

    def _sale(self, order: str, amount: int) -> dict[str, str]:
        existing = self.records.get(order)
        if existing is not None:       # one sale per order: a repeat answers the order's own record
            return {**self._answer(order, existing), "duplicate": "1"}
        outcome, code = self._current
        if outcome is Outcome.HANG:
            raise TerminalHung("the simulated terminal's transaction call did not return")
        self._sequence += 1
        if outcome is Outcome.DECLINED:
            record = _Record("declined", amount, code)
        else:
            record = _Record("approved", amount, APPROVED, rrn=f"{self._sequence:012d}",
                             auth=f"{(self._sequence * 7919) % 1_000_000:06d}", trace=f"{self._sequence:06d}")
        self.records[order] = record
        if outcome is Outcome.HANG_APPROVED:
            raise TerminalHung("the simulated terminal's answer was lost after the bank approved")
        return self._answer(order, record)

    def _answer(self, order: str, record: _Record) -> dict[str, str]:
        return {"code": record.code, "order": order, "state": record.state, "amount": str(record.amount),
                "pan": self.card_number[:6] + "*" * (len(self.card_number) - 10) + self.card_number[-4:],
                "rrn": record.rrn, "auth": record.auth, "trace": record.trace}
