"""Bank card payments through the UnionPay terminal module (drivers/bankcard), with the same outcomes as WeChat.

    terminal status       outcome
    APPROVED              SUCCESS (transaction_id: the retrieval reference number; auth_code; card masked)
    DECLINED              CLOSED, reason declined (response_code: the bank's)
    NO_CARD               CLOSED, reason no_card
    CARD_REMOVED          CLOSED, reason card_removed
    PIN_CANCELLED         CLOSED, reason pin_cancelled
    CANCELLED             CLOSED, reason cancelled
    VOIDED                REVOKED
    REFUNDED              REFUNDED

The PIN is typed on the module's own pad: the progress events only say so (ENTER_PIN). When the terminal's
library hangs or fails mid-sale (its process is killed and restarted), nobody knows whether the bank took
the money, so the terminal is asked (`query` by order id): an approved sale stands (SUCCESS: the saga decides
what follows), nothing found means nothing was taken (CLOSED, reason terminal_fault). When even the question
gets no answer, `PaymentUnresolved`: the saga settles it later with `reverse` (void, or refund where the
terminal no longer voids), which, like `refund`, is safe to repeat.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from domain.payment import (
    NotPaidReason, Payer, PaymentMethod, PaymentOutcome, PaymentRequest, PaymentState,
)
from drivers.bankcard import BankCardError, CardStatus, CardTransaction, MisPosTerminal, TerminalUnavailable
from kiosk.gas.payments.interface import (
    PaymentMethodUnavailable, PaymentUnresolved, ProgressCallback, no_progress,
)

__all__ = ["BankCardBackend"]

log = logging.getLogger(__name__)

_STATES = {CardStatus.APPROVED: PaymentState.SUCCESS, CardStatus.VOIDED: PaymentState.REVOKED,
           CardStatus.REFUNDED: PaymentState.REFUNDED}
_REASONS = {CardStatus.DECLINED: NotPaidReason.DECLINED, CardStatus.NO_CARD: NotPaidReason.NO_CARD,
            CardStatus.CARD_REMOVED: NotPaidReason.CARD_REMOVED, CardStatus.PIN_CANCELLED: NotPaidReason.PIN_CANCELLED,
            CardStatus.CANCELLED: NotPaidReason.CANCELLED, CardStatus.NOT_FOUND: NotPaidReason.TERMINAL_FAULT}
RETRIES = 2


class BankCardBackend:
    method = PaymentMethod.BANKCARD

    def __init__(self, terminal: MisPosTerminal, *, retries: int = RETRIES) -> None:
        self.terminal = terminal
        self.retries = retries

    def _outcome(self, transaction: CardTransaction, reason: NotPaidReason | None = None,
                 amount_fen: int = 0) -> PaymentOutcome:
        state = _STATES.get(transaction.status, PaymentState.CLOSED)
        return PaymentOutcome(
            order_id=transaction.order_id, method=self.method, state=state,
            amount_fen=transaction.amount_fen or amount_fen, transaction_id=transaction.reference,
            payer=Payer.card(transaction.card) if transaction.card else None,
            reason=None if state is PaymentState.SUCCESS else (reason or _REASONS.get(transaction.status)),
            response_code=transaction.response_code, auth_code=transaction.auth_code, trace=transaction.trace,
            details=(("terminal_status", transaction.status.value),))

    def _asked(self, operation: Callable[[], CardTransaction], order_id: str, doing: str) -> CardTransaction:
        cause = "terminal_fault"
        for _ in range(self.retries):
            try:
                return operation()
            except BankCardError as error:
                cause = "terminal_hung" if error.code == "vendor_timeout" else "terminal_fault"
                log.warning("bank card order %s: the terminal failed while %s (%s)", order_id, doing, error.code)
        raise PaymentUnresolved(f"order {order_id}: no answer from the card terminal while {doing} ({cause})",
                                order_id=order_id, method=self.method, cause=cause)

    def pay(self, request: PaymentRequest, *, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> PaymentOutcome:
        if request.method is not self.method:
            raise ValueError(f"this backend takes bank cards, not {request.method.value}")
        order_id = request.order_id
        try:
            existing = self.terminal.query(order_id)
        except TerminalUnavailable as error:
            raise PaymentMethodUnavailable(f"the card terminal cannot be used: {error}", order_id=order_id,
                                           method=self.method) from None
        except BankCardError:
            existing = None         # the sale below asks the terminal again
        if existing is not None and existing.status is not CardStatus.NOT_FOUND:
            log.info("bank card order %s already at the terminal (%s)", order_id, existing.status.value)
            return self._outcome(existing, amount_fen=request.amount_fen)
        try:
            sale = self.terminal.sale(order_id, request.amount_fen, progress=progress, cancel=cancel)
        except TerminalUnavailable as error:
            raise PaymentMethodUnavailable(f"the card terminal cannot be used: {error}", order_id=order_id,
                                           method=self.method) from None
        except BankCardError as error:
            log.warning("bank card order %s: the sale failed (%s): asking the terminal", order_id, error.code)
            found = self._asked(lambda: self.terminal.query(order_id), order_id, "asking about a failed sale")
            return self._outcome(found, NotPaidReason.TERMINAL_FAULT, request.amount_fen)
        return self._outcome(sale, amount_fen=request.amount_fen)

    def query(self, order_id: str) -> PaymentOutcome | None:
        found = self._asked(lambda: self.terminal.query(order_id), order_id, "querying")
        return None if found.status is CardStatus.NOT_FOUND else self._outcome(found)

    def reverse(self, order_id: str) -> PaymentOutcome:
        """Void an approved sale (or refund it, where the terminal keeps it approved); end anything else."""
        found = self._asked(lambda: self.terminal.query(order_id), order_id, "querying before a void")
        if found.status is CardStatus.APPROVED:
            found = self._asked(lambda: self.terminal.void(order_id), order_id, "voiding")
            if found.status is CardStatus.APPROVED:
                log.warning("bank card order %s: the void was refused: refunding", order_id)
                found = self._asked(lambda: self.terminal.refund(order_id), order_id, "refunding")
        if found.status is CardStatus.APPROVED:
            raise PaymentUnresolved(f"order {order_id}: the terminal neither voids nor refunds the sale",
                                    order_id=order_id, method=self.method, cause="provider_refused")
        return self._outcome(found, NotPaidReason.REVERSED)

    def refund(self, order_id: str) -> PaymentOutcome:
        found = self._asked(lambda: self.terminal.query(order_id), order_id, "querying before a refund")
        if found.status is CardStatus.APPROVED:
            found = self._asked(lambda: self.terminal.refund(order_id), order_id, "refunding")
        if found.status is CardStatus.APPROVED:
            raise PaymentUnresolved(f"order {order_id}: the terminal does not refund the sale",
                                    order_id=order_id, method=self.method, cause="provider_refused")
        return self._outcome(found, NotPaidReason.REFUNDED)

    def close(self) -> None:
        self.terminal.close()
