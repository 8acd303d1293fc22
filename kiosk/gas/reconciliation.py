"""The day's reconciliation (对账): this terminal's journal, the gas utility and the payers, order by order.

    day = reconcile(journal, utility, payments, date(2026, 11, 23))
    day.balanced                  # every order agrees in all three, and so do the day's totals
    day.flagged                   # the orders that do not, each with its differences
    day.totals                    # money as each side sees it: journal, utility, payers

The utility answers for its orders of that day (its day: an order stays in the day it was created); the
journal's purchases are those whose utility order is of that day (or, never ordered, created that day at
the site); each payment attempt is asked of its payer (WeChat Pay's order query, the bank terminal's
record) — the payer's statement by order id. Money is counted in fen as "kept": paid and not given back.

Differences flagged on a line (stable codes, for the maintenance page and the audit):

    code                        meaning                                                  what happens
    payment_not_at_utility      the payer kept money the utility does not hold            recovery records
                                                                                          or reverses it
    utility_without_payment     the utility holds money no payer kept for it              technician
    amounts_differ              journal, utility and payer disagree on the amount         technician
    journal_behind              the utility's state is ahead of the journal's (written    the next recovery
                                elsewhere, refunded at the counter, confirmation lost)    round catches up
    states_differ               journal and utility disagree whether money is kept        recovery, else
                                (a payment not yet told to the utility)                   technician
    not_in_journal              a utility order of this terminal the journal lacks        technician
    payer_unreachable           the payer could not be asked                             ask again later
    payer_pending               a payment still in flight at its payer                   recovery reverses

A purchase written here for another terminal's sale (补写卡) is listed apart (`rewrites_for_others`): its
money is that terminal's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

from domain.payment import PaymentMethod, PaymentOutcome
from kiosk.gas.journal import Journal, JournalEntry, PurchaseState
from kiosk.gas.payments.interface import PaymentError
from kiosk.gas.utility_models import OrderState, Reconciliation

__all__ = ["reconcile", "DayReconciliation", "ReconciliationLine", "Totals", "FLAGS"]

FLAGS = ("payment_not_at_utility", "utility_without_payment", "amounts_differ", "journal_behind", "states_differ",
         "not_in_journal", "payer_unreachable", "payer_pending")

_UTILITY_KEEPS = {OrderState.PAID, OrderState.WRITE_RESERVED, OrderState.WRITTEN, OrderState.WRITE_FAILED}
_JOURNAL_KEEPS = {PurchaseState.PAID, PurchaseState.WRITE_FAILED, PurchaseState.DONE}
# Where the utility is ahead of the journal: the journal state that would agree with it.
_AGREES = {OrderState.WRITTEN: {PurchaseState.DONE}, OrderState.REFUNDED: {PurchaseState.REVERSED},
           OrderState.CANCELLED: {PurchaseState.CANCELLED, PurchaseState.REVERSED}}


class DayUtility(Protocol):
    def reconciliation(self, day: date) -> Reconciliation: ...


class Payers(Protocol):
    def query(self, method: PaymentMethod, order_id: str) -> PaymentOutcome | None: ...


@dataclass(frozen=True)
class ReconciliationLine:
    order_id: str                   # the journal's ("" for a utility order the journal lacks)
    utility_order_id: str
    card_masked: str
    amount_fen: int
    journal_state: str              # "" when not in the journal
    utility_state: str              # "" when the utility has no order for it
    payer_state: str                # the last attempt that took money, or the last attempt's state; "" none
    journal_kept_fen: int
    utility_kept_fen: int
    payer_kept_fen: int
    flags: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.flags


@dataclass(frozen=True)
class Totals:
    journal_kept_fen: int
    utility_kept_fen: int
    payer_kept_fen: int
    written_fen: int                # gas confirmed on cards (utility)
    awaiting_write_fen: int         # money held, gas not yet on a card (utility)
    refunded_fen: int               # given back, as the utility counts it

    @property
    def agree(self) -> bool:
        return self.journal_kept_fen == self.utility_kept_fen == self.payer_kept_fen


@dataclass(frozen=True)
class DayReconciliation:
    day: date
    terminal_id: str
    lines: tuple[ReconciliationLine, ...]
    rewrites_for_others: tuple[ReconciliationLine, ...]
    totals: Totals

    @property
    def flagged(self) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.flags)

    @property
    def balanced(self) -> bool:
        return not self.flagged and self.totals.agree


def reconcile(journal: Journal, utility: DayUtility, payers: Payers, day: date) -> DayReconciliation:
    """Blocking (the utility and every payer are asked): call it off the UI thread."""
    statement = utility.reconciliation(day)
    by_id = {line.order_id: line for line in statement.orders}
    entries = [entry for entry in journal.of_day(day)]
    ours = [entry for entry in entries if entry.origin == "sale"]
    lines = [_line(entry, by_id.pop(entry.utility_order_id, None), payers) for entry in ours]
    for order in by_id.values():
        lines.append(ReconciliationLine("", order.order_id, order.card_number_masked, order.amount_fen, "",
                                        order.state.value, "", 0, _kept(order.state, order.amount_fen), 0,
                                        ("not_in_journal",)))
    rewrites = tuple(ReconciliationLine(entry.order_id, entry.utility_order_id, entry.card_masked, entry.amount_fen,
                                        entry.state.value, "", "", 0, 0, 0, ())
                     for entry in entries if entry.origin == "rewrite")
    totals = statement.totals
    return DayReconciliation(
        day, statement.terminal_id, tuple(lines), rewrites,
        Totals(sum(line.journal_kept_fen for line in lines), totals.net_fen, sum(line.payer_kept_fen for line in lines),
               totals.written_fen, totals.awaiting_write_fen, totals.refunded_fen))


def _kept(state: OrderState, amount_fen: int) -> int:
    return amount_fen if state in _UTILITY_KEEPS else 0


def _line(entry: JournalEntry, order, payers: Payers) -> ReconciliationLine:
    flags: list[str] = []
    journal_kept = entry.amount_fen if entry.state in _JOURNAL_KEEPS else 0
    utility_state = order.state if order is not None else None
    utility_kept = _kept(utility_state, order.amount_fen) if order is not None else 0
    payer_state, payer_kept = "", 0
    for attempt in _attempts(entry):
        try:
            outcome = payers.query(entry.method, attempt) if entry.method is not None else None
        except PaymentError:
            flags.append("payer_unreachable")
            continue
        if outcome is None:
            continue
        payer_state = outcome.state.value if not payer_kept else payer_state
        if outcome.paid:
            payer_kept += outcome.amount_fen
            payer_state = outcome.state.value
        elif not outcome.final:
            flags.append("payer_pending")
    if payer_kept > utility_kept and "payer_unreachable" not in flags:
        flags.append("payment_not_at_utility")
    if utility_kept > payer_kept and "payer_unreachable" not in flags:
        flags.append("utility_without_payment")
    amounts = {entry.amount_fen} | ({order.amount_fen} if order is not None else set())
    if len(amounts) > 1 or (payer_kept and payer_kept != entry.amount_fen):
        flags.append("amounts_differ")
    if utility_state is not None and utility_state in _AGREES and entry.state not in _AGREES[utility_state]:
        flags.append("journal_behind")
    elif journal_kept != utility_kept and utility_state is not None:
        flags.append("states_differ")
    return ReconciliationLine(entry.order_id, entry.utility_order_id, entry.card_masked, entry.amount_fen,
                              entry.state.value, utility_state.value if utility_state else "", payer_state,
                              journal_kept, utility_kept, payer_kept, tuple(dict.fromkeys(flags)))


def _attempts(entry: JournalEntry) -> Iterable[str]:
    return (f"{entry.order_id}P{attempt}" for attempt in range(1, entry.payment_attempt + 1))
