"""Recovery: the purchases the journal holds unfinished are finished or undone — at start-up, every minute,
and for a card as soon as it is inserted (the journey's `GasSaga.inspect`, which also finds another
terminal's paid purchase for this card at the utility and writes it: 补写卡).

    report = recover(saga)                  # one round over the journal (reads the card in the reader once)
    loop = RecoveryLoop(saga).start()       # a round at once, then every `interval_s`; loop.wake() for another

A round leaves alone what a citizen is in the middle of (`saga.live`). What it does, by state (the state
is the journal's; "the card" is the card in the reader, when it is this purchase's):

    state         last step                    recovery
    initial       confirmed                    nothing was asked of anyone: cancelled
    ordered       ordering … not_paid          the utility's order (learnt again with the same key) is
                                               ended, record_not_paid: cancelled
    paying        paying, payment_unresolved   the payer may have taken money: reversed (the payment id
                                               makes it safe) and the utility's order ended: reversed
                                               (voucher: money returned) or cancelled (nothing taken);
                                               no final answer: stays, voucher "uncertain", next round
    paid          paid, recording_payment      the payment is told to the utility (same key); refused
                                               (order cancelled meanwhile): reversed
                  written, confirming          the gas is on the card: confirmed (the journaled read-back)
                  payment_recorded … writing   with the card: written (补写卡), read back, confirmed: done
                                               without it: a write that may have started is reported
                                               failed without a read-back (write_failed); the money stays
                                               held for 补写卡 on any terminal; voucher
    write_failed  write_failed … reported      reported if not yet; with the card: written again: done;
                                               without: the utility is asked — written elsewhere: done,
                                               refunded at the counter: reversed; policy
                                               `refund_failed_writes` and a read-back without the
                                               purchase: refunded; else kept, voucher
    reversing     refunding, reversing         repeated (idempotent) until the money is back: reversed
    reversed, cancelled, done                  final: nothing (a receipt is never printed by recovery
                                               twice; the maintenance page shows what was not printed)

A voucher is printed once per purchase (the journal's `voucher`), when a round leaves a purchase holding
money, or unsure of it, or has just given the money back; a printer that fails is journaled and shown on
the maintenance page. Every action is a saga step, journaled before it happens, so a round killed
anywhere is simply done again by the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from domain.background_loop import BackgroundLoop
from domain.gas_card import GasCard
from drivers.gascard import CardNeedsRewrite, GasCardError
from kiosk.gas.journal import JournalEntry, JournalError, PrintState, PurchaseState, Step
from kiosk.gas.saga import GasSaga, TopUpStopped
from kiosk.gas.utility_errors import GasUtilityError
from kiosk.gas.utility_models import OrderState

__all__ = ["recover", "RecoveryReport", "RecoveryLoop", "RECOVERY_INTERVAL_S"]

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_S = 60.0


@dataclass
class RecoveryReport:
    """What one round did: each purchase it looked at, from state to state."""

    moves: list[tuple[str, str, str]] = field(default_factory=list)    # (order id, state before, state after)
    vouchers: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)                 # still not final after the round

    @property
    def settled(self) -> bool:
        return not self.unsettled


def recover(saga: GasSaga, *, vouchers: bool = True) -> RecoveryReport:
    """One round over the journal's unfinished purchases (see the module's table)."""
    report = RecoveryReport()
    with saga.lock:
        waiting = [entry for entry in saga.journal.unfinished() if entry.order_id not in saga.live]
        card = _card_in_reader(saga) if waiting else None
        for entry in waiting:
            before = entry.state
            try:
                entry = _recover_one(saga, entry, card)
            except TopUpStopped as stopped:
                log.info("purchase %s not finished yet: %s", entry.order_id, stopped.code)
                entry = saga.journal.get(entry.order_id)
            except JournalError:
                raise
            except Exception:       # one purchase's surprise must not stop the others' recovery
                log.exception("recovering purchase %s failed", entry.order_id)
                entry = saga.journal.get(entry.order_id)
            if vouchers and _wants_voucher(entry, before):
                try:
                    entry = saga.print_voucher(entry.order_id)
                    report.vouchers.append(entry.order_id)
                except Exception as error:
                    log.warning("purchase %s: voucher not printed (%s)", entry.order_id, type(error).__name__)
            report.moves.append((entry.order_id, before.value, entry.state.value))
            if not entry.state.final:
                report.unsettled.append(entry.order_id)
    return report


def _card_in_reader(saga: GasSaga) -> GasCard | None:
    """The card in the reader now (a torn one by its identity), or None."""
    if saga.reader is None:
        return None
    try:
        return saga.reader.read()
    except CardNeedsRewrite as torn:
        return torn.card
    except GasCardError:
        return None


def _recover_one(saga: GasSaga, entry: JournalEntry, card: GasCard | None) -> JournalEntry:
    here = card is not None and card.card_number == entry.card.card_number
    state = entry.state
    if state in (PurchaseState.INITIAL, PurchaseState.ORDERED):
        return saga.cancel(entry)
    if state is PurchaseState.PAYING:
        return saga.reverse(entry)
    if state is PurchaseState.REVERSING:
        return saga.refund(entry) if entry.refund_method == "refund" else saga.reverse(entry)
    if state is PurchaseState.PAID:
        if not entry.payment_recorded:
            entry = saga.record_payment(entry)
        if entry.step in (Step.WRITTEN, Step.CONFIRMING) or here:
            return saga.write(entry.order_id)
        if entry.step is Step.WRITING:
            # The write may have reached the card, which is gone: the utility learns it is unverified.
            entry = saga.report_failure(entry, None, "card_absent")
            if entry.state is not PurchaseState.WRITE_FAILED:
                return entry
        else:
            return _ask_utility(saga, entry)
    if entry.step in (Step.WRITE_FAILED, Step.REPORTING_FAILURE):
        entry = saga.report_failure(entry, card if here else None, entry.write_error or "card_removed")
        if entry.state is not PurchaseState.WRITE_FAILED:
            return entry
    if here:
        return saga.write(entry.order_id)
    entry = _ask_utility(saga, entry)
    if (entry.state is PurchaseState.WRITE_FAILED and saga.policy.refund_failed_writes
            and entry.read_back is not None and entry.method is not None and entry.origin == "sale"):
        return saga.refund(entry)
    return entry


def _ask_utility(saga: GasSaga, entry: JournalEntry) -> JournalEntry:
    """A purchase whose card is not here: has another terminal written it, or the counter refunded it?"""
    try:
        order = saga.utility.order(entry.utility_order_id)
    except GasUtilityError:
        return entry
    if order.state is OrderState.WRITTEN:
        return saga.journal.record(entry.order_id, Step.DONE,
                                   written_by=order.write.terminal_id if order.write else "", problem="")
    if order.state is OrderState.REFUNDED:
        return saga.journal.record(entry.order_id, Step.REVERSED, refund_state="REFUNDED",
                                   refund_method=order.refund.method if order.refund else "refund")
    return entry


def _wants_voucher(entry: JournalEntry, before: PurchaseState) -> bool:
    if entry.voucher is not PrintState.NONE:
        return False
    if entry.state.holds_money or entry.state in (PurchaseState.PAYING, PurchaseState.REVERSING):
        return True
    # Just given back, after money had (or may have) been taken.
    return (entry.state is PurchaseState.REVERSED and before is not PurchaseState.REVERSED
            and entry.refund_state in ("REVOKED", "REFUNDED"))


class RecoveryLoop:
    """`recover` on its own thread: a round at once, then every `interval_s`, and when woken."""

    def __init__(self, saga: GasSaga, *, interval_s: float = RECOVERY_INTERVAL_S, on_round=None) -> None:
        self._saga = saga
        self._interval_s = interval_s
        self._on_round = on_round
        self.last: RecoveryReport | None = None
        self._loop = BackgroundLoop("gas-recovery", self._round, error_delay_s=interval_s)

    def start(self) -> "RecoveryLoop":
        self._loop.start()
        return self

    def wake(self) -> None:
        self._loop.wake()

    def stop(self) -> None:
        self._loop.stop()

    def _round(self) -> float:
        self.last = recover(self._saga)
        if self._on_round is not None:
            self._on_round(self.last)
        return self._interval_s
