"""Card payments on a UnionPay terminal module: sale, void, refund and query, the same over every backend.

    terminal = MisPosTerminal(link, card_wait_s=60, pin_wait_s=60)
    result = terminal.sale("GT20261123000042", 10000, progress=show)     # a CardTransaction
    result.status            # APPROVED, DECLINED (result.response_code), NO_CARD, CARD_REMOVED, PIN_CANCELLED, ...
    terminal.query("GT20261123000042")    # what the terminal holds for that order (NOT_FOUND when nothing)
    terminal.void("GT20261123000042")     # 撤销 / 冲正: the sale is undone, the card is not needed
    terminal.refund("GT20261123000042")   # 退货: for a sale already settled

The order id is the terminal's merchant order number: the terminal keeps one record per order, so `query`
finds a sale whose answer was lost, and `void` and `refund` are safe to repeat. `progress` receives
`PaymentProgress` events (insert the card, enter the PIN on the pad, processing, take the card); the PIN
itself is entered on the module's own pad and never reaches this driver, let alone the touchscreen.

Waiting for the citizen (card, PIN) polls the module; the clock and the wait between polls are parameters,
so tests run a 60-second wait without waiting. A library call that hangs raises `TerminalHung` (its process
was killed): whether the sale went through is then unknown, and the caller must `query` before anything else.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from domain.payment import PaymentMethod, PaymentProgress, PaymentStep, check_fen, check_order_id, mask_card_number
from drivers.bankcard.codes import APPROVED, NOT_FOUND, ResponseKind, kind_of
from drivers.bankcard.errors import BankCardError, TerminalFault, VendorLibraryError
from drivers.bankcard.link import MisPosLink, PinState, SlotState

__all__ = ["MisPosTerminal", "CardTransaction", "CardStatus", "POLL_S"]

POLL_S = 0.25

ProgressCallback = Callable[[PaymentProgress], None]


class CardStatus(Enum):
    APPROVED = "approved"            # the sale stands: the money is the merchant's
    DECLINED = "declined"            # the bank refused (response_code says why)
    VOIDED = "voided"                # the sale was undone (撤销/冲正)
    REFUNDED = "refunded"            # the sale was refunded (退货)
    NOT_FOUND = "not_found"          # the terminal holds nothing for this order
    NO_CARD = "no_card"              # no card was inserted in time
    CARD_REMOVED = "card_removed"    # the card was pulled out before the transaction
    PIN_CANCELLED = "pin_cancelled"  # cancelled or timed out on the pad
    CANCELLED = "cancelled"          # the kiosk cancelled before the transaction (the citizen chose so)


_STATE_STATUS = {"approved": CardStatus.APPROVED, "declined": CardStatus.DECLINED, "voided": CardStatus.VOIDED,
                 "refunded": CardStatus.REFUNDED, "none": CardStatus.NOT_FOUND}


@dataclass(frozen=True, slots=True)
class CardTransaction:
    """What the terminal says of one order. `card` is masked (first 6, last 4) whatever the module gave."""

    order_id: str
    status: CardStatus
    amount_fen: int = 0
    response_code: str = ""
    card: str = ""
    reference: str = ""      # retrieval reference number (检索参考号, RRN)
    auth_code: str = ""      # authorisation code (授权码)
    trace: str = ""          # the terminal's voucher number (凭证号)

    @property
    def approved(self) -> bool:
        return self.status is CardStatus.APPROVED


class MisPosTerminal:
    """The payment logic over a `MisPosLink`; thread-safe (one operation at a time)."""

    def __init__(self, link: MisPosLink, *, card_wait_s: float = 60.0, pin_wait_s: float = 60.0,
                 poll_s: float = POLL_S, clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[float], None] = time.sleep) -> None:
        self.link = link
        self.card_wait_s = card_wait_s
        self.pin_wait_s = pin_wait_s
        self.poll_s = poll_s
        self._clock = clock
        self._wait = wait
        self._lock = threading.Lock()
        self._opened_in: int | None = None     # the link's restart count when UMS_Init last succeeded

    @property
    def description(self) -> str:
        return self.link.description

    def _ensure_open(self) -> None:
        # A killed library process forgets UMS_Init: open again in the fresh one.
        if self._opened_in != self.link.restarts or self._opened_in is None:
            self.link.open()
            self._opened_in = self.link.restarts

    def _call(self, operation: Callable[[], object]) -> object:
        self._ensure_open()
        try:
            return operation()
        except VendorLibraryError:
            self._opened_in = None      # its process is gone: the next call opens the terminal afresh
            raise

    def sale(self, order_id: str, amount_fen: int, *, progress: ProgressCallback | None = None,
             cancel: threading.Event | None = None) -> CardTransaction:
        """Take `amount_fen` from the card the citizen inserts. Refusals and the citizen's own choices are
        statuses; faults raise (`TerminalHung`: query before anything else)."""
        check_order_id(order_id)
        check_fen(amount_fen)
        report = progress or (lambda event: None)
        with self._lock:
            self._call(self.link.enter_card)
            waited = self._await_card(order_id, report, cancel)
            if waited is not None:
                return waited
            card = mask_card_number(str(self._call(self.link.read_card)))
            self._call(lambda: self.link.start_pin(amount_fen))
            entered = self._await_pin(order_id, card, report, cancel)
            if entered is not None:
                return entered
            report(PaymentProgress(PaymentStep.PROCESSING, PaymentMethod.BANKCARD))
            answer = self._transact({"trans": "sale", "order": order_id, "amount": str(amount_fen)})
            result = self._transaction(order_id, answer, card=card)
            self._give_back(report)
            return result

    def _await_card(self, order_id: str, report: ProgressCallback,
                    cancel: threading.Event | None) -> CardTransaction | None:
        deadline = self._clock() + self.card_wait_s
        report(PaymentProgress(PaymentStep.INSERT_CARD, PaymentMethod.BANKCARD, math.ceil(self.card_wait_s)))
        while True:
            state = self._call(self.link.check_card)
            if state is SlotState.CARD_IN:
                return None
            left = deadline - self._clock()
            if cancel is not None and cancel.is_set():
                self._call(self.link.eject)
                return CardTransaction(order_id, CardStatus.CANCELLED)
            if left <= 0:
                self._call(self.link.eject)
                return CardTransaction(order_id, CardStatus.NO_CARD)
            report(PaymentProgress(PaymentStep.INSERT_CARD, PaymentMethod.BANKCARD, math.ceil(left)))
            self._wait(self.poll_s)

    def _await_pin(self, order_id: str, card: str, report: ProgressCallback,
                   cancel: threading.Event | None) -> CardTransaction | None:
        deadline = self._clock() + self.pin_wait_s
        report(PaymentProgress(PaymentStep.ENTER_PIN, PaymentMethod.BANKCARD, math.ceil(self.pin_wait_s)))
        while True:
            state, _digits = self._call(self.link.pin_state)  # type: ignore[misc]
            if state is PinState.DONE:
                return None
            if state is PinState.CARD_TAKEN:
                return CardTransaction(order_id, CardStatus.CARD_REMOVED, card=card)
            left = deadline - self._clock()
            if state in (PinState.CANCELLED, PinState.TIMED_OUT) or left <= 0:
                self._give_back(report)
                return CardTransaction(order_id, CardStatus.PIN_CANCELLED, card=card)
            if cancel is not None and cancel.is_set():
                self._give_back(report)
                return CardTransaction(order_id, CardStatus.CANCELLED, card=card)
            report(PaymentProgress(PaymentStep.ENTER_PIN, PaymentMethod.BANKCARD, math.ceil(left)))
            self._wait(self.poll_s)

    def _give_back(self, report: ProgressCallback) -> None:
        self._call(self.link.eject)
        report(PaymentProgress(PaymentStep.TAKE_CARD, PaymentMethod.BANKCARD))

    def _transact(self, request: dict[str, str]) -> dict[str, str]:
        return self._call(lambda: self.link.transact(request))  # type: ignore[return-value]

    def _transaction(self, order_id: str, answer: dict[str, str], *, card: str = "") -> CardTransaction:
        code = answer.get("code", "")
        if answer.get("order", order_id) != order_id:
            raise TerminalFault(f"the terminal answered for another order ({answer.get('order')!r})")
        state = answer.get("state", "")
        if code == NOT_FOUND:
            status = CardStatus.NOT_FOUND
        elif state in _STATE_STATUS:
            status = _STATE_STATUS[state]
        elif code == APPROVED:
            raise TerminalFault(f"the terminal approved without saying the order's state ({state!r})")
        elif kind_of(code) is ResponseKind.FAULT:
            raise TerminalFault(f"the terminal answered code {code or '(none)'}")
        else:
            status = CardStatus.DECLINED
        try:
            amount = int(answer.get("amount") or 0)
        except ValueError:
            raise TerminalFault(f"the terminal answered an amount that is no number: "
                                f"{answer.get('amount')!r}") from None
        return CardTransaction(order_id, status, amount_fen=amount, response_code=code,
                               card=mask_card_number(answer.get("pan", "")) or card,
                               reference=answer.get("rrn", ""), auth_code=answer.get("auth", ""),
                               trace=answer.get("trace", ""))

    def query(self, order_id: str) -> CardTransaction:
        """What the terminal holds for `order_id` (NOT_FOUND when nothing); no side effect."""
        check_order_id(order_id)
        with self._lock:
            return self._transaction(order_id, self._transact({"trans": "query", "order": order_id}))

    def void(self, order_id: str) -> CardTransaction:
        """Undo the order's sale (撤销/冲正); safe to repeat: a voided order answers VOIDED again."""
        return self._undo("void", order_id)

    def refund(self, order_id: str) -> CardTransaction:
        """Refund the order's sale in full (退货); safe to repeat."""
        return self._undo("refund", order_id)

    def _undo(self, kind: str, order_id: str) -> CardTransaction:
        check_order_id(order_id)
        with self._lock:
            return self._transaction(order_id, self._transact({"trans": kind, "order": order_id}))

    def close(self) -> None:
        with self._lock:
            try:
                self.link.close()
            except BankCardError:
                pass
            self._opened_in = None

    def __enter__(self) -> "MisPosTerminal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
