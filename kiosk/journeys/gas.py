"""The 燃气缴费 journey as explicit steps, over the top-up saga (kiosk/gas/saga.py):

    insert_card → reading → account → amount → confirm → ordering → pay → writing → done → take_card
                         ↘ refused       (quote on every amount)        ↘ not_paid (again, or another way)
                         ↘ rewriting (a paid purchase not yet on the card: 补写卡) → done
                                                                  writing ↘ write_failed (reinsert, or voucher)
    any step that cannot go on ↘ stopped: what happened to the money, what to do, the voucher printed

    journey = GasJourney(saga=saga, worker=worker, deliver=app.deliver, methods=(PaymentMethod.WECHAT, ...),
                         known=catalogue, monotonic=time.monotonic, on_change=screen.show, on_finish=visit.end)
    journey.begin()                    # INSERT_CARD (UNAVAILABLE without a saga)
    journey.card_inserted(card)        # the hub's GasCardPlaced; card_unusable(error), card_taken()
    journey.buy(); journey.choose_amount(10000); journey.next(); journey.pay(PaymentMethod.WECHAT)

Every saga call runs on the worker; answers come back through the worker's `deliver`, and the payer's
progress (scan the code, confirm on the phone, insert the bank card, type the PIN on its pad) through
`deliver` too, so `on_change` is always called on the UI thread. The view holds only masked numbers.
When the citizen leaves (`cancel`), a payment still waiting is cancelled and the purchase is handed back to
the saga (`abandon`): an unpaid order is ended, a paid one that is not on the card gets its voucher.
Amounts are whole fen; the keypad takes whole yuan.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass, replace
from typing import Callable, Container

from domain.gas_card import GasCard, GasMeasure
from domain.payment import PaymentMethod, PaymentProgress
from drivers.gascard import CardNeedsRewrite
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import print_problem_key
from kiosk.gas.journal import JournalEntry, Step
from kiosk.gas.saga import CardCheck, Money, TopUpStopped, money_of
from kiosk.gas.utility_models import GasAccount, GasQuote
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import GasTopUp

__all__ = ["GasStep", "GasView", "GasJourney", "CardShown", "AccountShown", "QuoteShown", "PRESETS_YUAN",
           "MAX_YUAN_DIGITS", "problem_key", "gas_of"]

log = logging.getLogger(__name__)

PRESETS_YUAN = (50, 100, 200)
MAX_YUAN_DIGITS = 4


class GasStep(enum.Enum):
    INSERT_CARD = "insert_card"
    READING = "reading"
    ACCOUNT = "account"
    REFUSED = "refused"            # this card may not buy now: why, and what to do (nothing was taken)
    AMOUNT = "amount"
    CONFIRM = "confirm"
    ORDERING = "ordering"
    PAY = "pay"
    NOT_PAID = "not_paid"          # the payment did not go through: nothing taken; again, or another way
    WRITING = "writing"
    REWRITING = "rewriting"        # 补写卡: a paid purchase not yet on the card is written first
    WRITE_FAILED = "write_failed"  # paid, not on the card: insert it again, or leave with a voucher
    DONE = "done"
    STOPPED = "stopped"            # the purchase cannot go on: the money's fate, what to do, the voucher
    UNAVAILABLE = "unavailable"    # the gas top-up cannot be used now (nothing started)
    TAKE_CARD = "take_card"


@dataclass(frozen=True)
class CardShown:
    number: str                    # masked: 31****2468
    account: str                   # masked user number
    measure: str                   # volume | amount
    gas: int                       # on the card, in its unit (tenths of a m³, or fen)
    purchase_count: int

    @classmethod
    def of(cls, card: GasCard) -> "CardShown":
        return cls(card.masked_card_number, card.masked_user_number, card.measure.value, card.gas.value,
                   card.purchase_count)


@dataclass(frozen=True)
class AccountShown:
    holder: str                    # masked by the utility: 王**
    address: str                   # masked by the utility
    arrears_fen: int
    used_this_year_tenths_m3: int
    max_now_tenths_m3: int
    max_now_amount_fen: int

    @classmethod
    def of(cls, account: GasAccount) -> "AccountShown":
        limits = account.limits
        return cls(account.holder_masked, account.address_masked, account.arrears_fen,
                   limits.used_this_year_tenths_m3, limits.max_now_tenths_m3, limits.max_now_amount_fen)


@dataclass(frozen=True)
class QuoteShown:
    asked_fen: int                 # what the citizen chose
    amount_fen: int                # what they pay
    volume_tenths_m3: int          # the gas it buys
    card_gas: int                  # what the card is written with, in its unit

    @classmethod
    def of(cls, asked_fen: int, quote: GasQuote) -> "QuoteShown":
        return cls(asked_fen, quote.amount_fen, quote.volume_tenths_m3, quote.card_gas.value)


@dataclass(frozen=True)
class GasView:
    step: GasStep
    card: CardShown | None = None
    account: AccountShown | None = None
    card_present: bool = False
    amount_fen: int = 0            # chosen or typed (whole yuan)
    quote: QuoteShown | None = None
    quoting: bool = False
    amount_problem: str = ""       # catalogue key: why this amount cannot be bought
    methods: tuple[str, ...] = ()
    method: str = ""
    payment: str = ""              # a PaymentStep value while paying
    seconds_left: int | None = None
    deadline: float | None = None  # monotonic time the wait ends (for a countdown)
    notice: str = ""               # e.g. not_a_payment_code
    order_id: str = ""
    paid_fen: int = 0
    written_gas: int = 0           # on the card now, in its unit
    kind: str = "sale"             # sale | rewrite (补写卡) | confirmed (found on the card, confirmed)
    receipt: str = ""              # "" | printing | printed | failed
    print_problem: str = ""        # catalogue key of the printer's trouble
    voucher: str = ""              # "" | printing | printed | failed
    problem: str = ""              # catalogue key: what happened
    money: str = "none"            # a Money value: what became of the money


def problem_key(source: str, code: str, known: Container[str]) -> str:
    """The catalogue key for a code from `source` (card, payment, utility, saga), or the source's general one."""
    key = f"gas.{source}.{code}"
    return key if key in known else f"gas.{source}.default"


class GasJourney(Journey[GasView]):
    def __init__(self, *, saga: GasTopUp | None, worker: BackgroundWorker, deliver: Callable[[Callable[[], None]], None],
                 methods: tuple[PaymentMethod, ...], known: Container[str], monotonic: Callable[[], float],
                 on_change: Callable[[GasView], None], on_finish: Callable[[], None]) -> None:
        super().__init__(GasView(GasStep.INSERT_CARD), on_change)
        self._saga = saga
        self._worker = worker
        self._deliver = deliver
        self._methods = tuple(method.value for method in methods)
        self._known = known
        self._monotonic = monotonic
        self._on_finish = on_finish
        self._card: GasCard | None = None
        self._quote: GasQuote | None = None
        self._quote_seq = 0
        self._order_id = ""
        self._cancel_payment = threading.Event()

    # --- the card ---------------------------------------------------------------------------------

    def begin(self) -> None:
        if self._saga is None:
            self._show(GasView(GasStep.UNAVAILABLE, problem="gas.saga.utility_unavailable"))
            return
        self._show(GasView(GasStep.INSERT_CARD, methods=self._methods))

    def card_inserted(self, card: GasCard) -> None:
        step = self.view.step
        if step is GasStep.WRITE_FAILED:
            self._show(replace(self.view, card_present=True))
            self.write_again()
        elif step is GasStep.INSERT_CARD and self._saga is not None:
            self._card = card
            self._show(GasView(GasStep.READING, card=CardShown.of(card), card_present=True, methods=self._methods))
            self._call(lambda: self._saga.inspect(card), self._checked)
        elif step in (GasStep.DONE, GasStep.PAY, GasStep.STOPPED):
            self._show(replace(self.view, card_present=True))

    def card_unusable(self, error: Exception) -> None:
        step = self.view.step
        if step is GasStep.WRITE_FAILED and isinstance(error, CardNeedsRewrite):
            self._show(replace(self.view, card_present=True))
            self.write_again()
        elif step is GasStep.INSERT_CARD and isinstance(error, CardNeedsRewrite) and error.card is not None \
                and self._saga is not None:
            self._card = error.card
            self._show(GasView(GasStep.READING, card=CardShown.of(error.card), card_present=True,
                               methods=self._methods))
            self._call(lambda: self._saga.inspect_torn(error), self._checked)
        elif step is GasStep.INSERT_CARD:
            code = getattr(error, "code", "gascard_error")
            self._show(GasView(GasStep.REFUSED, card_present=code != "reader_unavailable",
                               problem=problem_key("card", code, self._known)))

    def card_taken(self) -> None:
        step = self.view.step
        if step in (GasStep.TAKE_CARD, GasStep.REFUSED):
            self._finish()
        elif step in (GasStep.ACCOUNT, GasStep.AMOUNT, GasStep.CONFIRM):
            self._card = self._quote = None
            self._show(GasView(GasStep.INSERT_CARD, methods=self._methods))
        else:
            self._show(replace(self.view, card_present=False))

    def _checked(self, check: CardCheck) -> None:
        card, account = CardShown.of(check.card), AccountShown.of(check.account) if check.account else None
        if check.verdict == "buy":
            self._show(GasView(GasStep.ACCOUNT, card=card, account=account, card_present=True, methods=self._methods))
        elif check.verdict == "refused":
            money = money_of(check.entry).value if check.entry else "none"
            if check.entry is not None:
                self._order_id = check.entry.order_id      # money held for it: its voucher when the citizen goes
            self._show(GasView(GasStep.REFUSED, card=card, account=account, card_present=True, money=money,
                               problem=problem_key(check.refusal_source, check.refusal, self._known),
                               order_id=check.entry.order_id if check.entry else "",
                               paid_fen=check.entry.amount_fen if check.entry else 0))
        else:
            entry = check.entry
            assert entry is not None
            self._order_id = entry.order_id
            kind = "confirmed" if check.verdict == "confirmed" else "rewrite"
            view = GasView(GasStep.REWRITING, card=card, account=account, card_present=True, kind=kind,
                           order_id=entry.order_id, paid_fen=entry.amount_fen)
            self._show(view)
            if check.verdict == "confirmed":
                self._written(entry)
            else:
                self._call(lambda: self._saga.write(entry.order_id), self._written)

    # --- choosing ---------------------------------------------------------------------------------

    def buy(self) -> None:
        if self.view.step is GasStep.ACCOUNT:
            self._show(replace(self.view, step=GasStep.AMOUNT, amount_fen=0, quote=None, amount_problem=""))

    def choose_amount(self, amount_fen: int) -> None:
        """A preset (50/100/200 元) or what the keypad holds, in whole fen; 0 clears it."""
        if self.view.step not in (GasStep.AMOUNT, GasStep.CONFIRM):
            return
        self._quote = None
        self._quote_seq += 1
        if amount_fen <= 0:
            self._show(replace(self.view, step=GasStep.AMOUNT, amount_fen=0, quote=None, quoting=False,
                               amount_problem=""))
            return
        seq, card = self._quote_seq, self._card
        self._show(replace(self.view, step=GasStep.AMOUNT, amount_fen=amount_fen, quote=None, quoting=True,
                           amount_problem=""))
        self._worker.run(lambda: self._saga.quote(card, amount_fen),
                         on_result=lambda quote: self._quoted(seq, amount_fen, quote),
                         on_error=lambda error: self._quote_failed(seq, error))

    def type_yuan(self, digits: str) -> None:
        """What the keypad holds (whole yuan, at most four digits)."""
        self.choose_amount(int(digits[:MAX_YUAN_DIGITS]) * 100 if digits.isdigit() else 0)

    def _quoted(self, seq: int, asked: int, quote: GasQuote) -> None:
        if seq != self._quote_seq or self.view.step is not GasStep.AMOUNT:
            return      # the citizen changed the amount meanwhile: a newer quote is on its way
        self._quote = quote
        self._show(replace(self.view, quote=QuoteShown.of(asked, quote), quoting=False))

    def _quote_failed(self, seq: int, error: BaseException) -> None:
        if seq != self._quote_seq or self.view.step is not GasStep.AMOUNT:
            return
        if isinstance(error, TopUpStopped) and error.code != "utility_unavailable":
            self._show(replace(self.view, quoting=False, amount_problem=problem_key(error.source, error.code,
                                                                                   self._known)))
        else:
            self._stopped(error)

    def next(self) -> None:
        if self.view.step is GasStep.AMOUNT and self._quote is not None and self.view.quote is not None:
            self._show(replace(self.view, step=GasStep.CONFIRM))

    def change_amount(self) -> None:
        if self.view.step in (GasStep.CONFIRM, GasStep.NOT_PAID) and not self._order_id:
            self._show(replace(self.view, step=GasStep.AMOUNT, problem=""))

    # --- paying and writing -----------------------------------------------------------------------

    def pay(self, method: PaymentMethod) -> None:
        """Confirmed: order (once), then take the payment by `method`; written as soon as it is paid."""
        if self.view.step not in (GasStep.CONFIRM, GasStep.NOT_PAID) or self._quote is None:
            return
        card, quote = self._card, self._quote
        self._cancel_payment = cancel = threading.Event()
        self._show(replace(self.view, step=GasStep.ORDERING, method=method.value, problem="", payment="",
                           seconds_left=None, deadline=None, notice=""))

        def order_and_pay() -> JournalEntry:
            order_id = self._order_id
            if not order_id:
                order_id = self._saga.begin(card, quote, method).order_id
                self._deliver(lambda: self._ordered(order_id))
            return self._saga.pay(order_id, method=method, progress=self._progress_from_worker, cancel=cancel)

        self._call(order_and_pay, self._paid)

    def _ordered(self, order_id: str) -> None:
        self._order_id = order_id
        if self.view.step is GasStep.ORDERING:
            self._show(replace(self.view, step=GasStep.PAY, order_id=order_id))

    def _progress_from_worker(self, event: PaymentProgress) -> None:
        self._deliver(lambda: self._progress(event))

    def _progress(self, event: PaymentProgress) -> None:
        if self.view.step not in (GasStep.ORDERING, GasStep.PAY):
            return
        deadline = self._monotonic() + event.seconds_left if event.seconds_left is not None else None
        self._show(replace(self.view, step=GasStep.PAY, order_id=self._order_id or self.view.order_id,
                           payment=event.step.value, seconds_left=event.seconds_left, deadline=deadline,
                           notice=event.notice))

    def cancel_payment(self) -> None:
        """The citizen cancels while the payer waits (for a scan, a card): nothing is taken."""
        self._cancel_payment.set()

    def _paid(self, entry: JournalEntry) -> None:
        self._order_id = entry.order_id
        self._show(replace(self.view, step=GasStep.WRITING, order_id=entry.order_id, paid_fen=entry.amount_fen,
                           payment=""))
        self._call(lambda: self._saga.write(entry.order_id), self._written)

    def write_again(self) -> None:
        """Write again (the card back in, or its write cut): the same paid purchase, never a new payment."""
        if self.view.step is GasStep.WRITE_FAILED and self._order_id:
            order_id = self._order_id
            self._show(replace(self.view, step=GasStep.WRITING, problem=""))
            self._call(lambda: self._saga.write(order_id), self._written)

    def _written(self, entry: JournalEntry) -> None:
        self._order_id = entry.order_id
        self._show(replace(self.view, step=GasStep.DONE, order_id=entry.order_id, paid_fen=entry.amount_fen,
                           written_gas=entry.card_gas, receipt="printing", problem="", money="none",
                           card=replace(self.view.card, measure=entry.measure.value, gas=entry.card_gas,
                                        purchase_count=entry.purchase_count) if self.view.card else None))
        self._print_receipt(entry.order_id)

    def reprint(self) -> None:
        if self.view.step is GasStep.DONE and self.view.receipt == "failed":
            self._show(replace(self.view, receipt="printing", print_problem=""))
            self._print_receipt(self._order_id)

    def _print_receipt(self, order_id: str) -> None:
        self._worker.run(lambda: self._saga.print_receipt(order_id),
                         on_result=lambda _entry: self._show(replace(self.view, receipt="printed")),
                         on_error=lambda error: self._show(replace(self.view, receipt="failed",
                                                                   print_problem=print_problem_key(error))))

    def print_voucher(self) -> None:
        """Leave with the voucher the counter honours (a write that failed, a purchase that stopped)."""
        if self.view.step not in (GasStep.WRITE_FAILED, GasStep.STOPPED) or not self._order_id:
            return
        if self.view.voucher in ("printing", "printed"):
            return
        order_id = self._order_id
        self._show(replace(self.view, step=GasStep.STOPPED, voucher="printing"))
        self._worker.run(lambda: self._saga.print_voucher(order_id),
                         on_result=lambda _entry: self._show(replace(self.view, voucher="printed")),
                         on_error=lambda error: self._show(replace(self.view, voucher="failed",
                                                                   print_problem=print_problem_key(error))))

    # --- when a step cannot go on ----------------------------------------------------------------------

    def _call(self, task: Callable[[], object], on_result: Callable) -> None:
        self._worker.run(task, on_result=on_result, on_error=self._stopped)

    def _stopped(self, error: BaseException) -> None:
        if not isinstance(error, TopUpStopped):
            log.error("gas top-up: unexpected %s: %s", type(error).__name__, error)
            error = TopUpStopped("default", Money.UNCERTAIN if self._order_id else Money.NONE)
        if error.entry is not None:
            self._order_id = error.entry.order_id
        problem = problem_key(error.source, error.code, self._known)
        view = replace(self.view, problem=problem, money=error.money.value, payment="", quoting=False,
                       order_id=self._order_id, paid_fen=error.entry.amount_fen if error.entry else self.view.paid_fen)
        step = self.view.step
        if error.source == "utility" and error.code == "quote_changed" and step is GasStep.ORDERING:
            self._order_id = ""                         # that order is ended: a new one at the new price
            self._show(replace(view, step=GasStep.AMOUNT, order_id="", problem=""))
            self.choose_amount(self.view.amount_fen)
        elif error.money is Money.NONE and step in (GasStep.ORDERING, GasStep.PAY) and error.entry is not None \
                and error.entry.step is Step.NOT_PAID and error.code != "too_many_attempts":
            self._show(replace(view, step=GasStep.NOT_PAID))
        elif error.money is Money.NONE and step is GasStep.READING:
            self._show(replace(view, step=GasStep.UNAVAILABLE if error.code == "utility_unavailable"
                               else GasStep.REFUSED))
        elif error.money is Money.HELD and error.source == "card" and error.code != "purchase_count_mismatch":
            self._show(replace(view, step=GasStep.WRITE_FAILED, card_present=error.code not in ("card_removed",
                                                                                               "card_absent")))
        elif error.code == "wrong_card" or error.code == "card_absent":
            self._show(replace(view, step=GasStep.WRITE_FAILED, card_present=False))
        else:
            self._show(replace(view, step=GasStep.STOPPED))
            if error.money is not Money.NONE:
                self.print_voucher()

    # --- leaving -------------------------------------------------------------------------------------

    def finish(self) -> None:
        """完成 or 退出: the card comes out first if it is still in (then the journey ends)."""
        if self.view.card_present and self.view.step is not GasStep.TAKE_CARD:
            self._show(replace(self.view, step=GasStep.TAKE_CARD))
        else:
            self._finish()

    def _finish(self) -> None:
        self._on_finish()

    def cancel(self) -> None:
        """The citizen left (or the visit timed out): a payment still waiting is cancelled, and the purchase
        goes back to the saga, which ends it, or prints its voucher if it holds money not on the card."""
        self._cancel_payment.set()
        order_id, self._order_id = self._order_id, ""
        if order_id and self._saga is not None:
            saga = self._saga
            self._worker.run(lambda: saga.abandon(order_id),
                             on_error=lambda error: log.warning("gas purchase %s not handed back: %s", order_id,
                                                                type(error).__name__))
        self._card = self._quote = None
        super().cancel()


def gas_of(measure: str, value: int) -> str:
    """Gas as shown: 37.4 (m³) or 99.86 (yuan)."""
    if measure == GasMeasure.VOLUME.value:
        return f"{value // 10}.{value % 10}"
    return f"{value // 100}.{value % 100:02d}"
