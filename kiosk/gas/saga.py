"""The gas top-up saga: one purchase across the payer, the gas utility and the card, every step journaled first.

    saga = GasSaga(journal, utility, payments, reader, printer, terminal_id=..., texts=..., clock=...)
    check = saga.inspect(card)                        # account, checks; a pending 补写卡 found and resumed
    quote = saga.quote(card, 10000)                   # 100.00 元 → 37.4 m³ for 99.86 元
    entry = saga.begin(card, quote, PaymentMethod.WECHAT)      # journaled, then the utility's order
    entry = saga.pay(entry.order_id, progress=show, cancel=event)   # the payer, then the utility told
    entry = saga.write(entry.order_id)                # reserved, written, read back, confirmed
    saga.print_receipt(entry.order_id)
    saga.abandon(entry.order_id)                      # the citizen left: what remains is settled or vouchered

Every method blocks (HTTP, card I/O, the payer's wait): call them off the UI thread. They take the saga's
lock, so one purchase step runs at a time on this terminal, and recovery (kiosk/gas/recovery.py) never
acts on a purchase a citizen is in the middle of (`live`). A step that cannot go on raises `TopUpStopped`
with a stable `code` (the card driver's, the payer's, the utility's, or one of the saga's own) and what
became of the money (`Money`): the screen says both.

Each step is committed to the journal (kiosk/gas/journal.py) before its side effect, and its result after:

    step (journal)         side effect                              idempotent by
    confirmed              none: amount and method chosen           —
    ordering → ordered     utility create_order                     key <order>-order
    paying → paid/not_paid payments.pay                             payment id <order>P<attempt>
    recording_payment →    utility record_payment                   key <order>-paid-<attempt>
      payment_recorded
    reserving → reserved   utility reserve_write                    key <order>-reserve-<attempt>
    writing → written      the card write, then read back           the card's purchase count
    confirming → done      utility confirm_written                  key <order>-confirm-<attempt>
    write_failed →         utility report_write_failed              key <order>-failed-<attempt>
      reporting_failure → failure_reported
    cancelling → cancelled utility record_not_paid                  key <order>-unpaid-<attempt>
    reversing → reversed   payments.reverse (a payment the utility  the payment id
                           never took)
    refunding → reversing  utility refund, then payments.refund     key <order>-refund; the payment id
      → reversed
    receipt / voucher      the printer (printing → printed/failed)  — (never printed twice by recovery)

A card is never written twice with one purchase: the purchase count on the card is authoritative (the
driver refuses a purchase that is not the card's next, and writes nothing when the card carries it), the
utility hands out one write reservation at a time, and a write is journaled before it starts, so that a
restart first reads the card back instead of writing blind.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Callable, Literal, Protocol

from domain.gas_card import GasCard, GasMeasure, GasPurchase, GasQuantity, PurchaseRefusal
from domain.payment import PaymentMethod, PaymentOutcome, PaymentRequest, PaymentState, format_fen
from domain.printouts import PaymentReceipt, Printout, ReceiptLine, SiteLines
from drivers.gascard import CardNeedsRewrite, GasCardError, NoCard
from kiosk.gas.journal import Journal, JournalEntry, PrintState, PurchaseState, Step
from kiosk.gas.payments.interface import PaymentError, PaymentUnresolved, ProgressCallback, no_progress
from kiosk.gas.utility_errors import GasUtilityError, GasUtilityRejected
from kiosk.gas.utility_models import GasAccount, GasOrder, GasQuote, ReadBack, UtilityInfo

__all__ = ["GasSaga", "SagaPolicy", "CardCheck", "TopUpStopped", "Money", "money_of", "UtilityLink",
           "PaymentsLink", "CardReaderLink", "ReceiptPrinter", "OrderTerms", "API_METHODS"]

log = logging.getLogger(__name__)

# The utility's names for the payment methods.
API_METHODS = {PaymentMethod.WECHAT: "wechat_code", PaymentMethod.BANKCARD: "bank_card"}
_METHOD_OF_API = {api: method for method, api in API_METHODS.items()}


class Money(Enum):
    """What became of the citizen's money when a top-up stopped: the screen and the voucher say it."""

    NONE = "none"              # nothing was taken
    HELD = "held"              # taken and kept for this purchase: written later (补写卡) or refunded
    RETURNED = "returned"      # taken and given back (reversed or refunded)
    UNCERTAIN = "uncertain"    # no final answer from the payer yet: anything taken goes back by itself


class TopUpStopped(Exception):
    """A step could not go on. `code`: the stable code of why, from `source`: "card" (the gas card driver's
    codes), "payment" (the payments' error codes and not-paid reasons), "utility" (the utility's problem
    codes) or "saga" (its own: utility_unavailable, card_absent, wrong_card, order_state_conflict,
    too_many_attempts, printer_unavailable, write_unverified); `money`: what became of the money; `entry`:
    the purchase as journaled now (None before one existed)."""

    def __init__(self, code: str, money: Money, entry: JournalEntry | None = None, *, source: str = "saga") -> None:
        super().__init__(f"top-up stopped: {source} {code} (money {money.value})")
        self.code = code
        self.source = source
        self.money = money
        self.entry = entry


@dataclass(frozen=True)
class SagaPolicy:
    """The site's rules for what the saga may do on its own."""

    # A card still holding gas may buy more (some meters add it up); the default follows the utility's rule.
    allow_card_holding_gas: bool = False
    # Recovery refunds a failed write that is known not to be on the card, instead of keeping the money for
    # 补写卡 at any terminal (the voucher then says the money went back).
    refund_failed_writes: bool = False
    # Payment attempts per purchase before the citizen is sent to the counter.
    max_payment_attempts: int = 3


@dataclass(frozen=True)
class CardCheck:
    """A card as the kiosk sees it once read and checked: whether it may buy, and why not."""

    card: GasCard
    account: GasAccount | None
    verdict: Literal["buy", "refused", "rewrite", "confirmed"]
    refusal: str = ""                     # the stable code why it may not buy
    refusal_source: str = ""              # whose code: "card" or "utility" (see TopUpStopped)
    entry: JournalEntry | None = None     # the purchase to write again (rewrite), or just confirmed


@dataclass(frozen=True)
class OrderTerms:
    """The terms an order was created with (a quote's), enough to ask for the same order again."""

    amount_fen: int
    volume_tenths_m3: int


class UtilityLink(Protocol):
    """What the saga needs of kiosk.gas.utility.GasUtilityClient (the signatures are its)."""

    def utility_info(self) -> UtilityInfo: ...

    def account(self, card_number: str, purchase_count: int) -> GasAccount: ...

    def quote(self, card_number: str, *, amount_fen: int | None = None,
              volume_tenths_m3: int | None = None) -> GasQuote: ...

    def create_order(self, card_number: str, purchase_count: int, quote: GasQuote | OrderTerms, *,
                     idempotency_key: str) -> GasOrder: ...

    def order(self, order_id: str) -> GasOrder: ...

    def record_payment(self, order_id: str, method: str, transaction_id: str, amount_fen: int, paid_at: str, *,
                       idempotency_key: str) -> GasOrder: ...

    def record_not_paid(self, order_id: str, method: str, reason: str, *, transaction_id: str | None = None,
                        idempotency_key: str) -> GasOrder: ...

    def reserve_write(self, order_id: str, *, idempotency_key: str) -> GasOrder: ...

    def confirm_written(self, order_id: str, reservation_id: str, read_back: GasCard | ReadBack, *,
                        idempotency_key: str) -> GasOrder: ...

    def report_write_failed(self, order_id: str, reservation_id: str, read_back: GasCard | ReadBack | None,
                            error_code: str, *, idempotency_key: str) -> GasOrder: ...

    def refund(self, order_id: str, reason: str, method: str, reference: str, *, idempotency_key: str) -> GasOrder: ...


class PaymentsLink(Protocol):
    """What the saga needs of kiosk.gas.payments.Payments."""

    def pay(self, request: PaymentRequest, *, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> PaymentOutcome: ...

    def query(self, method: PaymentMethod, order_id: str) -> PaymentOutcome | None: ...

    def reverse(self, method: PaymentMethod, order_id: str) -> PaymentOutcome: ...

    def refund(self, method: PaymentMethod, order_id: str) -> PaymentOutcome: ...


class CardReaderLink(Protocol):
    """What the saga needs of drivers.gascard.GasCardReader."""

    def read(self) -> GasCard: ...

    def write(self, purchase: GasPurchase) -> GasCard: ...


class ReceiptPrinter(Protocol):
    """Prints a document on the calling thread (a TicketPrinter, or the device hub); raises the printer's errors."""

    def print_document(self, document: Printout) -> object: ...


Texts = Callable[..., str]          # a catalogue lookup in the printout's language: texts(key, **values)


class GasSaga:
    def __init__(self, journal: Journal, utility: UtilityLink, payments: PaymentsLink | None,
                 reader: CardReaderLink | None, printer: ReceiptPrinter | None, *, terminal_id: str, texts: Texts,
                 clock, site: SiteLines = SiteLines(), policy: SagaPolicy = SagaPolicy()) -> None:
        self.journal = journal
        self.utility = utility
        self.payments = payments
        self.reader = reader
        self.printer = printer
        self.terminal_id = terminal_id
        self.texts = texts
        self.clock = clock
        self.site = site
        self.policy = policy
        self.lock = threading.RLock()
        self.live: set[str] = set()         # purchases a citizen is in the middle of: recovery leaves them
        self._info: UtilityInfo | None = None

    # -- the card --------------------------------------------------------------------------------------

    def inspect(self, card: GasCard) -> CardCheck:
        """The card's account and whether it may buy. A paid purchase not yet on the card is found here, in
        this journal or at the utility (another terminal's): confirmed at once when the card carries it,
        else returned as `rewrite` for `write` (补写卡)."""
        with self.lock:
            try:
                account = self.utility.account(card.card_number, card.purchase_count)
            except GasUtilityRejected as refused:
                return CardCheck(card, None, "refused", refused.code, "utility")
            except GasUtilityError:
                raise TopUpStopped("utility_unavailable", Money.NONE) from None
            if account.card_status != "ok" and account.pending_orders:
                entry = self._entry_for(account.pending_orders[0], card)
                if account.card_status == "confirm_pending" and entry.state is not PurchaseState.DONE:
                    if not _carries(card, entry):
                        # The count says it was written, but the gas is gone (the meter took it before the
                        # utility heard): only the counter can settle it; the money stays held.
                        return CardCheck(card, account, "refused", "purchase_count_mismatch", "card", entry)
                    entry = self._confirm_carried(entry, card)
                if entry.state is PurchaseState.DONE:
                    return CardCheck(card, account, "confirmed", entry=entry)
                return CardCheck(card, account, "rewrite", entry=entry)
            refusal = card.refusal()
            if refusal is PurchaseRefusal.HOLDS_GAS and self.policy.allow_card_holding_gas:
                refusal = None
            if refusal is not None:
                return CardCheck(card, account, "refused", refusal.value, "card")
            if not account.can_buy:
                return CardCheck(card, account, "refused", account.refusal or "yearly_limit_reached", "utility")
            return CardCheck(card, account, "buy")

    def inspect_torn(self, torn: CardNeedsRewrite) -> CardCheck:
        """A card whose last write was cut: its purchase, found here or at the utility, is to be written again."""
        if torn.card is None:
            raise TopUpStopped(torn.code, Money.NONE, source="card")
        with self.lock:
            try:
                account = self.utility.account(torn.card.card_number, torn.card.purchase_count)
            except GasUtilityRejected as refused:
                return CardCheck(torn.card, None, "refused", refused.code, "utility")
            except GasUtilityError:
                raise TopUpStopped("utility_unavailable", Money.NONE) from None
            if not account.pending_orders:
                return CardCheck(torn.card, account, "refused", torn.code, "card")
            return CardCheck(torn.card, account, "rewrite", entry=self._entry_for(account.pending_orders[0],
                                                                                  torn.card))

    def _entry_for(self, order: GasOrder, card: GasCard) -> JournalEntry:
        """This journal's entry for the utility's order, or a new one adopting it (another terminal's sale)."""
        for entry in self.journal.for_card(card.card_number):
            if entry.utility_order_id == order.order_id:
                return entry
        payment = order.payment
        return self.journal.create(
            card, amount_fen=order.amount_fen, volume_tenths_m3=order.volume_tenths_m3, card_gas=order.card_gas,
            method=_METHOD_OF_API.get(payment.method) if payment else None, origin="rewrite",
            purchase_count=order.purchase_count,
            facts={"utility_order_id": order.order_id, "business_day": order.created_at[:10],
                   "payment_recorded": True, "transaction_id": payment.transaction_id if payment else "",
                   "paid_at": payment.paid_at if payment else ""})

    # -- choosing --------------------------------------------------------------------------------------

    def quote(self, card: GasCard, amount_fen: int) -> GasQuote:
        try:
            return self.utility.quote(card.card_number, amount_fen=amount_fen)
        except GasUtilityRejected as refused:
            raise TopUpStopped(refused.code, Money.NONE, source="utility") from None
        except GasUtilityError:
            raise TopUpStopped("utility_unavailable", Money.NONE) from None

    def begin(self, card: GasCard, quote: GasQuote, method: PaymentMethod) -> JournalEntry:
        """The citizen confirmed amount and method: journal the purchase, then ask the utility for its order."""
        with self.lock:
            entry = self.journal.create(card, amount_fen=quote.amount_fen, volume_tenths_m3=quote.volume_tenths_m3,
                                        card_gas=quote.card_gas, method=method)
            self.live.add(entry.order_id)
            return self._order(entry, card.card_number, OrderTerms(quote.amount_fen, quote.volume_tenths_m3))

    def _order(self, entry: JournalEntry, card_number: str, terms: OrderTerms) -> JournalEntry:
        entry = self.journal.record(entry.order_id, Step.ORDERING)
        try:
            order = self.utility.create_order(card_number, entry.purchase_count, terms,
                                              idempotency_key=entry.idempotency_key("order"))
        except GasUtilityRejected as refused:
            entry = self.journal.record(entry.order_id, Step.CANCELLED, problem=refused.code)
            raise TopUpStopped(refused.code, Money.NONE, entry, source="utility") from None
        except GasUtilityError:
            entry = self.journal.mark(entry.order_id, problem="utility_unavailable")
            raise TopUpStopped("utility_unavailable", Money.NONE, entry) from None
        return self.journal.record(entry.order_id, Step.ORDERED, utility_order_id=order.order_id,
                                   business_day=order.created_at[:10])

    # -- paying ----------------------------------------------------------------------------------------

    def pay(self, order_id: str, *, method: PaymentMethod | None = None, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> JournalEntry:
        """Take the money (a new attempt of this order's payment), then tell the utility. Returns the purchase
        paid and recorded; raises TopUpStopped when it did not end so."""
        with self.lock:
            entry = self.journal.get(order_id)
            if entry.state is not PurchaseState.ORDERED or not entry.utility_order_id:
                raise TopUpStopped("order_state_conflict", _money_of(entry), entry)
            if entry.payment_attempt >= self.policy.max_payment_attempts:
                raise TopUpStopped("too_many_attempts", Money.NONE, entry)
            if self.payments is None:
                raise TopUpStopped("payment_method_unavailable", Money.NONE, entry, source="payment")
            method = method or entry.method or PaymentMethod.WECHAT
            attempt = entry.payment_attempt + 1
            payment_id = f"{order_id}P{attempt}"
            entry = self.journal.record(order_id, Step.PAYING, payment_attempt=attempt, payment_id=payment_id,
                                        method=method, payment_state="", payment_reason="")
            request = PaymentRequest(payment_id, entry.amount_fen,
                                     self.texts("gas.print.payment_description", amount=_yuan(entry.amount_fen)),
                                     method)
            try:
                outcome = self.payments.pay(request, progress=progress, cancel=cancel)
            except PaymentUnresolved as unresolved:
                entry = self.journal.record(order_id, Step.PAYMENT_UNRESOLVED, problem=unresolved.cause)
                raise TopUpStopped("payment_unresolved", Money.UNCERTAIN, entry, source="payment") from None
            except PaymentError as error:
                entry = self.journal.record(order_id, Step.NOT_PAID, payment_state="CLOSED", problem=error.code)
                raise TopUpStopped(error.code, Money.NONE, entry, source="payment") from None
            if not outcome.paid:
                reason = outcome.reason.value if outcome.reason else "payment_failed"
                entry = self.journal.record(order_id, Step.NOT_PAID, payment_state=outcome.state.value,
                                            payment_reason=reason)
                raise TopUpStopped(reason, Money.NONE, entry, source="payment")
            entry = self.journal.record(
                order_id, Step.PAID, payment_state=outcome.state.value, transaction_id=outcome.transaction_id,
                paid_at=outcome.paid_at or self.clock.now().isoformat(timespec="seconds"),
                payer_masked=outcome.payer.masked if outcome.payer else "")
            return self.record_payment(entry)

    def record_payment(self, entry: JournalEntry) -> JournalEntry:
        """Tell the utility the money is in. A utility that refuses it (the order was cancelled meanwhile)
        gets nothing: the money goes straight back to the payer."""
        entry = self.journal.record(entry.order_id, Step.RECORDING_PAYMENT)
        try:
            self.utility.record_payment(entry.utility_order_id, API_METHODS[entry.method], entry.transaction_id,
                                        entry.amount_fen, entry.paid_at,
                                        idempotency_key=entry.idempotency_key("paid", entry.payment_attempt))
        except GasUtilityRejected as refused:
            log.warning("purchase %s: the utility refused its payment (%s): reversing it", entry.order_id,
                        refused.code)
            self.journal.mark(entry.order_id, problem=refused.code)
            entry = self.reverse(entry)
            raise TopUpStopped(refused.code, _money_of(entry), entry, source="utility") from None
        except GasUtilityError:
            entry = self.journal.mark(entry.order_id, problem="utility_unavailable")
            raise TopUpStopped("utility_unavailable", Money.HELD, entry) from None
        return self.journal.record(entry.order_id, Step.PAYMENT_RECORDED, payment_recorded=True, problem="")

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, order_id: str) -> JournalEntry:
        """Put the paid purchase on the card and have the utility confirm it (补写卡 too). Returns the purchase
        with its gas on the card (state done, or paid with the confirmation still to come); raises
        TopUpStopped with the money HELD when the card cannot take it now."""
        with self.lock:
            entry = self.journal.get(order_id)
            if entry.state is PurchaseState.DONE or entry.step in (Step.WRITTEN, Step.CONFIRMING):
                return self._confirm(entry) if entry.state is not PurchaseState.DONE else entry
            if not entry.state.holds_money:
                raise TopUpStopped("order_state_conflict", _money_of(entry), entry)
            if not entry.payment_recorded:
                entry = self.record_payment(entry)
            card = self._card_of(entry)
            if card is not None and _carries(card, entry):
                return self._confirm_carried(entry, card)
            entry = self._reserve(entry)
            if entry.state is PurchaseState.DONE:
                return entry
            return self._write_card(entry)

    def _card_of(self, entry: JournalEntry) -> GasCard | None:
        """The card in the reader, if it is this purchase's (None: torn, to be completed by the write)."""
        if self.reader is None:
            raise TopUpStopped("reader_unavailable", Money.HELD, entry, source="card")
        try:
            card = self.reader.read()
        except CardNeedsRewrite as torn:
            if torn.card is None or torn.card.card_number != entry.card.card_number:
                raise TopUpStopped("wrong_card", Money.HELD, entry) from None
            return None
        except NoCard:
            raise TopUpStopped("card_absent", Money.HELD, entry) from None
        except GasCardError as error:
            raise TopUpStopped(error.code, Money.HELD, entry, source="card") from None
        if card.card_number != entry.card.card_number:
            raise TopUpStopped("wrong_card", Money.HELD, entry)
        if card.purchase_count >= entry.purchase_count and not _carries(card, entry):
            # Past this purchase, or the meter took its gas already: only the counter can tell.
            entry = self.journal.mark(entry.order_id, problem="purchase_count_mismatch")
            raise TopUpStopped("purchase_count_mismatch", Money.HELD, entry, source="card")
        return card

    def _reserve(self, entry: JournalEntry) -> JournalEntry:
        attempt = entry.reserve_attempt + 1
        entry = self.journal.record(entry.order_id, Step.RESERVING, reserve_attempt=attempt)
        try:
            order = self.utility.reserve_write(entry.utility_order_id,
                                               idempotency_key=entry.idempotency_key("reserve", attempt))
        except GasUtilityRejected as refused:
            if refused.code == "already_written":
                return self._written_elsewhere(entry)
            entry = self.journal.mark(entry.order_id, problem=refused.code)
            raise TopUpStopped(refused.code, Money.HELD, entry, source="utility") from None
        except GasUtilityError:
            entry = self.journal.mark(entry.order_id, problem="utility_unavailable")
            raise TopUpStopped("utility_unavailable", Money.HELD, entry) from None
        assert order.reservation is not None
        return self.journal.record(entry.order_id, Step.RESERVED, reservation_id=order.reservation.reservation_id)

    def _written_elsewhere(self, entry: JournalEntry) -> JournalEntry:
        """The utility says the gas is on the card already (confirmed by another terminal, or by us before a crash)."""
        written_by = ""
        try:
            order = self.utility.order(entry.utility_order_id)
            written_by = order.write.terminal_id if order.write else ""
        except GasUtilityError:
            pass
        return self.journal.record(entry.order_id, Step.DONE, written_by=written_by, problem="")

    def _write_card(self, entry: JournalEntry) -> JournalEntry:
        assert self.reader is not None
        entry = self.journal.record(entry.order_id, Step.WRITING, write_attempt=entry.write_attempt + 1)
        try:
            after = self.reader.write(GasPurchase(entry.purchase_count, entry.gas))
        except (GasCardError, ValueError) as error:
            code = getattr(error, "code", "card_command_failed")
            log.warning("purchase %s: the card write failed (%s)", entry.order_id, code)
            entry = self.journal.record(entry.order_id, Step.WRITE_FAILED, write_error=code, read_back=None)
            entry = self._after_failed_write(entry, code)
            if entry.step in (Step.WRITTEN, Step.CONFIRMING, Step.DONE):
                return entry
            raise TopUpStopped(code, Money.HELD, entry, source="card") from None
        entry = self.journal.record(entry.order_id, Step.WRITTEN, read_back=_read_back(after), write_error="")
        return self._confirm(entry)

    def _after_failed_write(self, entry: JournalEntry, code: str) -> JournalEntry:
        """Read the card again and tell the utility what it holds: a write that did land is confirmed."""
        card = None
        if self.reader is not None:
            try:
                card = self.reader.read()
            except GasCardError:
                card = None
        if card is not None and card.card_number == entry.card.card_number and _carries(card, entry):
            entry = self.journal.record(entry.order_id, Step.WRITTEN, read_back=_read_back(card))
            return self._confirm(entry)
        if card is not None and card.card_number != entry.card.card_number:
            card = None
        return self.report_failure(entry, card, code)

    def report_failure(self, entry: JournalEntry, card: GasCard | None, code: str) -> JournalEntry:
        """Tell the utility the write failed, with what the card holds (None: it could not be read)."""
        entry = self.journal.record(entry.order_id, Step.REPORTING_FAILURE,
                                    read_back=_read_back(card) if card else None)
        try:
            self.utility.report_write_failed(entry.utility_order_id, entry.reservation_id, _as_read_back(card),
                                             code, idempotency_key=entry.idempotency_key("failed", entry.write_attempt))
        except GasUtilityRejected as refused:
            if refused.code == "already_written":
                return self._written_elsewhere(entry)
            # reservation_mismatch: another terminal took the write over; read_back_mismatch: it is on the card.
            return self.journal.mark(entry.order_id, problem=refused.code)
        except GasUtilityError:
            return self.journal.mark(entry.order_id, problem="utility_unavailable")
        return self.journal.record(entry.order_id, Step.FAILURE_REPORTED)

    def _confirm_carried(self, entry: JournalEntry, card: GasCard) -> JournalEntry:
        """The card carries the purchase already (written before a crash, or on another terminal): confirm it."""
        entry = self._reserve(entry)
        if entry.state is PurchaseState.DONE:
            return entry
        entry = self.journal.record(entry.order_id, Step.WRITTEN, read_back=_read_back(card))
        return self._confirm(entry)

    def _confirm(self, entry: JournalEntry, *, again: bool = True) -> JournalEntry:
        entry = self.journal.record(entry.order_id, Step.CONFIRMING)
        read_back = _as_read_back_dict(entry.read_back)
        try:
            self.utility.confirm_written(entry.utility_order_id, entry.reservation_id, read_back,
                                         idempotency_key=entry.idempotency_key("confirm", entry.reserve_attempt))
        except GasUtilityRejected as refused:
            if refused.code == "reservation_mismatch" and again:
                # Our reservation expired and another terminal holds the order now (or wrote it): reserve again.
                entry = self._reserve(entry)
                if entry.state is PurchaseState.DONE:
                    return entry
                entry = self.journal.record(entry.order_id, Step.WRITTEN, read_back=entry.read_back)
                return self._confirm(entry, again=False)
            if refused.code == "already_written":
                return self._written_elsewhere(entry)
            log.error("purchase %s: the utility refused the confirmation (%s)", entry.order_id, refused.code)
            return self.journal.mark(entry.order_id, problem=refused.code)
        except GasUtilityError:
            # The gas is on the card: the confirmation follows when the utility answers again (recovery).
            return self.journal.mark(entry.order_id, problem="utility_unavailable")
        return self.journal.record(entry.order_id, Step.DONE, written_by=self.terminal_id, problem="")

    # -- undoing ---------------------------------------------------------------------------------------

    def cancel(self, entry: JournalEntry) -> JournalEntry:
        """An unpaid purchase whose citizen left: the utility's order is ended (it holds no money)."""
        if entry.state is PurchaseState.INITIAL:
            return self.journal.record(entry.order_id, Step.CANCELLED)
        if entry.state is not PurchaseState.ORDERED:
            return entry
        if not entry.utility_order_id:
            entry = self._learn_order(entry)
            if entry.state is not PurchaseState.ORDERED:
                return entry
        entry = self.journal.record(entry.order_id, Step.CANCELLING)
        try:
            self.utility.record_not_paid(entry.utility_order_id, API_METHODS[entry.method or PaymentMethod.WECHAT],
                                         _unpaid_reason(entry),
                                         idempotency_key=entry.idempotency_key("unpaid", entry.payment_attempt))
        except GasUtilityRejected as refused:
            if refused.code == "order_state_conflict":
                # The utility holds money for it: never ours (every payment of ours is journaled first).
                return self.journal.mark(entry.order_id, problem=refused.code)
        except GasUtilityError:
            return self.journal.mark(entry.order_id, problem="utility_unavailable")
        return self.journal.record(entry.order_id, Step.CANCELLED, problem="")

    def _learn_order(self, entry: JournalEntry) -> JournalEntry:
        """An order asked for with no answer kept: ask again with the same key (the utility repeats its answer)."""
        try:
            order = self.utility.create_order(entry.card.card_number, entry.purchase_count,
                                              OrderTerms(entry.amount_fen, entry.volume_tenths_m3),
                                              idempotency_key=entry.idempotency_key("order"))
        except GasUtilityRejected as refused:
            return self.journal.record(entry.order_id, Step.CANCELLED, problem=refused.code)
        except GasUtilityError:
            return self.journal.mark(entry.order_id, problem="utility_unavailable")
        return self.journal.record(entry.order_id, Step.ORDERED, utility_order_id=order.order_id,
                                   business_day=order.created_at[:10])

    def reverse(self, entry: JournalEntry) -> JournalEntry:
        """Give back a payment the utility never took (it may or may not have taken money), then end the
        utility's order. Safe to repeat: the payer's reverse is idempotent by the payment id."""
        assert entry.method is not None and self.payments is not None
        entry = self.journal.record(entry.order_id, Step.REVERSING, refund_method="reversal")
        if entry.refund_state not in ("REVOKED", "CLOSED", "REFUNDED"):
            try:
                outcome = self.payments.reverse(entry.method, entry.payment_id)
            except PaymentUnresolved as unresolved:
                return self.journal.mark(entry.order_id, problem=unresolved.cause)
            entry = self.journal.mark(entry.order_id, refund_state=outcome.state.value)
        if entry.utility_order_id:
            try:
                self.utility.record_not_paid(entry.utility_order_id, API_METHODS[entry.method],
                                             "revoked" if entry.refund_state != "CLOSED" else "closed",
                                             idempotency_key=entry.idempotency_key("unpaid", entry.payment_attempt))
            except GasUtilityRejected:
                pass        # cancelled already (superseded), or it took another payment: none of ours
            except GasUtilityError:
                return self.journal.mark(entry.order_id, problem="utility_unavailable")
        return self.journal.record(entry.order_id, Step.REVERSED if entry.refund_state != "CLOSED" else Step.CANCELLED,
                                   problem="")

    def refund(self, entry: JournalEntry, reason: str = "write_failed") -> JournalEntry:
        """Give back a payment the utility holds for a purchase known not to be on the card: the utility
        first (it refuses when the gas may be on the card), then the payer. Safe to repeat."""
        assert entry.method is not None and self.payments is not None
        # Until the utility has answered (the step after it is journaled), ask it again: same key, one refund.
        if entry.step is not Step.REVERSING or entry.refund_method != "refund":
            entry = self.journal.record(entry.order_id, Step.REFUNDING, refund_method="refund")
            try:
                self.utility.refund(entry.utility_order_id, reason, "refund", entry.payment_id,
                                    idempotency_key=entry.idempotency_key("refund"))
            except GasUtilityRejected as refused:
                if refused.code == "already_written":
                    return self._written_elsewhere(entry)
                back = Step.FAILURE_REPORTED if entry.write_attempt else Step.PAYMENT_RECORDED
                return self.journal.record(entry.order_id, back, problem=refused.code)
            except GasUtilityError:
                return self.journal.mark(entry.order_id, problem="utility_unavailable")
            entry = self.journal.record(entry.order_id, Step.REVERSING)
        try:
            outcome = self.payments.refund(entry.method, entry.payment_id)
        except PaymentUnresolved as unresolved:
            return self.journal.mark(entry.order_id, problem=unresolved.cause)
        return self.journal.record(entry.order_id, Step.REVERSED, refund_state=outcome.state.value, problem="")

    def abandon(self, order_id: str) -> JournalEntry:
        """The citizen left (or the visit timed out): end what needs no citizen, voucher what holds money."""
        with self.lock:
            self.live.discard(order_id)
            entry = self.journal.get(order_id)
            if entry.state in (PurchaseState.INITIAL, PurchaseState.ORDERED):
                return self.cancel(entry)
            if entry.state is PurchaseState.PAYING:
                return self.reverse(entry)
            if entry.state.holds_money and entry.voucher is PrintState.NONE:
                try:
                    return self.print_voucher(order_id)
                except Exception as error:   # the printer's failure is journaled; the money stays held
                    log.warning("purchase %s: voucher not printed (%s)", order_id, type(error).__name__)
            return self.journal.get(order_id)

    def release(self, order_id: str) -> None:
        """The citizen is done with this purchase (it ended): recovery may look at it again."""
        with self.lock:
            self.live.discard(order_id)

    # -- printing --------------------------------------------------------------------------------------

    def print_receipt(self, order_id: str) -> JournalEntry:
        """The receipt of a purchase whose gas is on the card. Raises the printer's error (journaled)."""
        with self.lock:
            entry = self.journal.get(order_id)
            return self._print(entry, "receipt", self._receipt(entry))

    def print_voucher(self, order_id: str) -> JournalEntry:
        """The voucher the counter honours: what became of the money, and what to do. Raises the printer's error."""
        with self.lock:
            entry = self.journal.get(order_id)
            return self._print(entry, "voucher", self._voucher(entry))

    def _print(self, entry: JournalEntry, what: str, document: PaymentReceipt) -> JournalEntry:
        if self.printer is None:
            self.journal.mark(entry.order_id, **{what: PrintState.FAILED})
            raise TopUpStopped("printer_unavailable", _money_of(entry), entry)
        self.journal.mark(entry.order_id, **{what: PrintState.PRINTING})
        try:
            self.printer.print_document(document)
        except Exception:
            self.journal.mark(entry.order_id, **{what: PrintState.FAILED})
            raise
        return self.journal.mark(entry.order_id, **{what: PrintState.PRINTED})

    def utility_info(self) -> UtilityInfo | None:
        """The utility's name, counter and hotline (for vouchers), asked once; None while it cannot be had."""
        if self._info is None:
            try:
                self._info = self.utility.utility_info()
            except GasUtilityError:
                return None
        return self._info

    def _document(self, entry: JournalEntry, title: str, lines: tuple[ReceiptLine, ...], notes: tuple[str, ...]
                  ) -> PaymentReceipt:
        t = self.texts
        info = self.utility_info()
        method = t(f"gas.print.method_{entry.method.value}") if entry.method else t("gas.print.method_other")
        if entry.payer_masked:
            method = f"{method} {entry.payer_masked}"
        paid_at = _moment(entry.paid_at) or self.clock.now()
        return PaymentReceipt(
            title=title, merchant=info.name if info else t("gas.print.merchant"), terminal_id=self.terminal_id,
            account_label=t("gas.print.account_label"), account_number=entry.card.user_number, lines=lines,
            total_fen=sum(line.amount_fen for line in lines), payment_method=method,
            transaction_id=entry.transaction_id or entry.payment_id or entry.order_id, paid_at=paid_at,
            site=self.site, notes=notes + (t("gas.print.card_number", number=entry.card.masked),
                                           t("gas.print.order_id", order=entry.order_id),
                                           t("gas.print.utility_order_id", utility_order=entry.utility_order_id or "-")))

    def _purchase_line(self, entry: JournalEntry, key: str) -> ReceiptLine:
        gas = (_m3(entry.volume_tenths_m3) if entry.measure is GasMeasure.VOLUME else _yuan(entry.card_gas))
        unit = "volume" if entry.measure is GasMeasure.VOLUME else "amount"
        return ReceiptLine(self.texts(f"{key}_{unit}", gas=gas), entry.amount_fen)

    def _receipt(self, entry: JournalEntry) -> PaymentReceipt:
        t = self.texts
        notes = (t("gas.print.receipt_count", count=entry.purchase_count), t("gas.print.receipt_meter"))
        if entry.origin == "rewrite":
            notes = (t("gas.print.receipt_rewrite"),) + notes
        return self._document(entry, t("gas.print.receipt_title"), (self._purchase_line(entry, "gas.print.line"),),
                              notes)

    def _voucher(self, entry: JournalEntry) -> PaymentReceipt:
        t = self.texts
        info = self.utility_info()
        counter = (t("gas.print.counter", counter=info.counter, hours=info.counter_hours, hotline=info.hotline)
                   if info else t("gas.print.counter_unknown"))
        money = _money_of(entry)
        kind = {Money.HELD: "held", Money.RETURNED: "returned", Money.UNCERTAIN: "uncertain"}.get(money, "returned")
        return self._document(entry, t(f"gas.print.voucher_title_{kind}"),
                              (self._purchase_line(entry, f"gas.print.voucher_line_{kind}"),),
                              (t(f"gas.print.voucher_{kind}"), counter))


# -- values ------------------------------------------------------------------------------------------------


def _money_of(entry: JournalEntry) -> Money:
    if entry.state.holds_money:
        return Money.HELD
    if entry.state is PurchaseState.PAYING:
        return Money.UNCERTAIN
    if entry.state is PurchaseState.REVERSING:
        return Money.UNCERTAIN if entry.refund_state not in ("REVOKED", "CLOSED", "REFUNDED") else Money.RETURNED
    if entry.state is PurchaseState.REVERSED:
        return Money.RETURNED
    return Money.NONE


def money_of(entry: JournalEntry) -> Money:
    """What became of a purchase's money, from its journal entry."""
    return _money_of(entry)


def _carries(card: GasCard, entry: JournalEntry) -> bool:
    return (card.purchase_count == entry.purchase_count and card.gas == entry.gas and card.awaiting_meter)


def _read_back(card: GasCard) -> dict:
    return {"purchase_count": card.purchase_count, "measure": card.gas.measure.value, "gas": card.gas.value,
            "awaiting_meter": card.awaiting_meter}


def _as_read_back_dict(data: dict | None) -> ReadBack:
    if data is None:
        raise TopUpStopped("write_unverified", Money.HELD)
    return ReadBack(data["purchase_count"], GasQuantity(GasMeasure(data["measure"]), data["gas"]),
                    data["awaiting_meter"])


def _as_read_back(card: GasCard | None) -> ReadBack | None:
    return ReadBack.of(card) if card is not None else None


def _unpaid_reason(entry: JournalEntry) -> str:
    if entry.payment_attempt == 0 or not entry.payment_state:
        return "abandoned"
    if entry.payment_state == PaymentState.REVOKED.value:
        return "revoked"
    if entry.payment_reason in ("insufficient_balance", "declined", "code_refused", "payment_failed",
                                "terminal_fault"):
        return "failed"
    return "closed"


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _yuan(fen: int) -> str:
    return format_fen(fen).removeprefix("¥")


def _m3(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"
