"""燃气缴费 without Kivy: the journey over the real saga, against the live utility and payment gateway, with a
virtual card in the simulated reader and the printer simulator; answers delivered at once on the worker
thread and collected in order."""

from __future__ import annotations

import time

import pytest

from domain.payment import PaymentMethod
from drivers.bankcard.simulator import Outcome
from drivers.gascard import CardNeedsRewrite
from kiosk.gas.journal import PurchaseState, Step
from kiosk.i18n import Catalogue
from kiosk.journeys.gas import GasJourney, GasStep, gas_of, problem_key
from tests.fixtures.gas_world import INSUFFICIENT, PAYS_AT_ONCE, virtual_card

CATALOGUE = Catalogue.load()


class Citizen:
    """Shows the phone's payment code whenever the screen asks for it, and records every view."""

    def __init__(self, world, views, code: str = PAYS_AT_ONCE) -> None:
        self.world, self.views, self.codes = world, views, [code]
        self.finished = 0

    def __call__(self, view) -> None:
        if view.step is GasStep.PAY and view.payment == "scan_code" and self.codes:
            self.world.scanner.scan(self.codes.pop(0))
        self.views(view)

    def finish(self) -> None:
        self.finished += 1


@pytest.fixture
def make_journey(gas_world, worker, views):
    made = []

    def make(code: str = PAYS_AT_ONCE, saga="default"):
        saga = gas_world.saga() if saga == "default" else saga
        citizen = Citizen(gas_world, views, code)
        journey = GasJourney(saga=saga, worker=worker, deliver=lambda callback: callback(),
                             methods=(PaymentMethod.WECHAT, PaymentMethod.BANKCARD), known=CATALOGUE,
                             monotonic=time.monotonic, on_change=citizen, on_finish=citizen.finish)
        journey.begin()
        made.append((journey, saga))
        return journey, citizen, saga

    return make


def insert(journey, world) -> None:
    try:
        journey.card_inserted(world.card())
    except CardNeedsRewrite as torn:
        journey.card_unusable(torn)


def test_a_citizen_buys_gas_from_card_to_receipt(make_journey, gas_world, views):
    """GIVEN the demo card WHEN the citizen chooses 100 元, pays by WeChat and takes the card THEN each step
    shows in order with masked numbers only, the card carries the gas, the receipt is printed."""
    journey, citizen, saga = make_journey()
    assert views.until(GasStep.INSERT_CARD)
    insert(journey, gas_world)
    account = views.until(GasStep.ACCOUNT)
    assert (account.card.number, account.card.account, account.account.holder) == ("31****2468", "61******4521",
                                                                                     "王**")
    assert "3101002468" not in repr(account) and "610113004521" not in repr(account)
    journey.buy()
    views.until(GasStep.AMOUNT)
    journey.type_yuan("100")
    quoted = views.until(GasStep.AMOUNT)
    while quoted.quote is None:
        quoted = views.until(GasStep.AMOUNT)
    assert (quoted.quote.amount_fen, quoted.quote.volume_tenths_m3, gas_of("volume", 374)) == (9986, 374, "37.4")
    journey.next()
    views.until(GasStep.CONFIRM)
    journey.pay(PaymentMethod.WECHAT)
    paying = views.until(GasStep.PAY)
    assert paying.order_id and (paying.payment == "scan_code" or paying.payment == "")
    done = views.until(GasStep.DONE)
    assert (done.paid_fen, done.written_gas, done.kind) == (9986, 374, "sale")
    while views.until(GasStep.DONE).receipt != "printed":
        pass
    assert "燃气购气凭条" in gas_world.printed()
    journey.finish()
    views.until(GasStep.TAKE_CARD)
    journey.card_taken()
    assert citizen.finished == 1
    assert gas_world.card().purchase_count == 4
    steps = [step for step in views.steps if step not in (GasStep.AMOUNT, GasStep.PAY, GasStep.DONE)]
    assert steps == [GasStep.INSERT_CARD, GasStep.READING, GasStep.ACCOUNT, GasStep.CONFIRM, GasStep.ORDERING,
                     GasStep.WRITING, GasStep.TAKE_CARD]


def _to_confirm(journey, world, views, yuan: str = "50"):
    insert(journey, world)
    views.until(GasStep.ACCOUNT)
    journey.buy()
    journey.type_yuan(yuan)
    view = views.until(GasStep.AMOUNT)
    while view.quote is None and not view.amount_problem:
        view = views.until(GasStep.AMOUNT)
    journey.next()
    return view


def test_a_refused_payment_says_nothing_was_taken_and_another_way_pays(make_journey, gas_world, views):
    journey, _citizen, saga = make_journey(code=INSUFFICIENT)
    _to_confirm(journey, gas_world, views)
    journey.pay(PaymentMethod.WECHAT)
    refused = views.until(GasStep.NOT_PAID)
    assert (refused.problem, refused.money) == ("gas.payment.insufficient_balance", "none")
    gas_world.bank.script(Outcome.APPROVED)
    journey.pay(PaymentMethod.BANKCARD)
    done = views.until(GasStep.DONE)
    entry = saga.journal.get(done.order_id)
    assert (entry.state, entry.payment_attempt, entry.method) == (PurchaseState.DONE, 2, PaymentMethod.BANKCARD)


def test_a_card_pulled_mid_write_is_written_when_it_comes_back(make_journey, gas_world, views):
    journey, _citizen, saga = make_journey()
    _to_confirm(journey, gas_world, views)
    card = gas_world.inserted
    card.pull_after(7)
    journey.pay(PaymentMethod.WECHAT)
    failed = views.until(GasStep.WRITE_FAILED)
    assert (failed.problem, failed.money, failed.card_present) == ("gas.card.card_removed", "held", False)
    journey.card_taken()
    gas_world.insert(card)
    insert(journey, gas_world)
    done = views.until(GasStep.DONE)
    assert saga.journal.get(done.order_id).write_attempt == 2
    assert gas_world.card().purchase_count == 4


def test_a_card_whose_paid_purchase_never_reached_it_gets_it_first(make_journey, gas_world, views):
    """补写卡: household 3101002471's purchase, paid yesterday at another terminal, is written on insertion."""
    gas_world.insert(virtual_card("3101002471"))
    journey, _citizen, _saga = make_journey()
    insert(journey, gas_world)
    assert views.until(GasStep.REWRITING).kind == "rewrite"
    done = views.until(GasStep.DONE)
    assert (done.kind, done.written_gas) == ("rewrite", 500)
    assert gas_world.card().purchase_count == 6


@pytest.mark.parametrize("card, problem", [
    (lambda: virtual_card("3101002470"), "gas.utility.account_in_arrears"),
    (lambda: virtual_card(gas=200, awaiting=True), "gas.card.awaiting_meter"),
])
def test_a_card_that_may_not_buy_says_why_before_any_money(make_journey, gas_world, views, card, problem):
    gas_world.insert(card())
    journey, citizen, _saga = make_journey()
    insert(journey, gas_world)
    refused = views.until(GasStep.REFUSED)
    assert (refused.problem, refused.money) == (problem, "none")
    journey.finish()
    views.until(GasStep.TAKE_CARD)
    journey.card_taken()
    assert citizen.finished == 1


def test_an_amount_out_of_limits_is_said_at_once(make_journey, gas_world, views):
    journey, _citizen, _saga = make_journey()
    view = _to_confirm(journey, gas_world, views, yuan="1")
    assert view.amount_problem == "gas.utility.below_minimum_purchase" and view.step is GasStep.AMOUNT


def test_the_utility_away_after_payment_ends_with_the_money_held_and_a_voucher(make_journey, gas_world, views):
    journey, _citizen, saga = make_journey()
    _to_confirm(journey, gas_world, views)

    def utility_goes_away(moment, step):
        if step is Step.RECORDING_PAYMENT:
            gas_world.utility_proxy.cut()
    saga.journal.hook = utility_goes_away
    journey.pay(PaymentMethod.WECHAT)
    stopped = views.until(GasStep.STOPPED)
    assert (stopped.problem, stopped.money) == ("gas.saga.utility_unavailable", "held")
    while views.until(GasStep.STOPPED).voucher != "printed":
        pass
    assert "燃气购气凭证（待写卡）" in gas_world.printed()
    assert saga.journal.get(stopped.order_id).state is PurchaseState.PAID


def test_leaving_while_the_scanner_waits_takes_nothing_and_ends_the_order(make_journey, gas_world, views, worker):
    journey, citizen, saga = make_journey(code=None)
    citizen.codes = []
    _to_confirm(journey, gas_world, views)
    journey.pay(PaymentMethod.WECHAT)
    paying = views.until(GasStep.PAY)
    while paying.payment != "scan_code":
        paying = views.until(GasStep.PAY)
    assert paying.seconds_left and paying.deadline
    journey.cancel()
    worker.shutdown(wait=True)
    entry = saga.journal.get(paying.order_id)
    assert entry.state is PurchaseState.CANCELLED
    assert gas_world.utility_order(entry.utility_order_id)["state"] == "cancelled"


def test_without_a_gas_terminal_the_journey_says_so(make_journey, views):
    make_journey(saga=None)
    assert views.until(GasStep.UNAVAILABLE).problem == "gas.saga.utility_unavailable"


def test_every_code_the_journey_can_meet_has_its_sentence():
    """The card driver's, the payments' and the utility's codes, and the saga's own, each in both languages."""
    from domain.payment import NotPaidReason
    from drivers.gascard import ERROR_CODES as CARD_CODES
    from gas_server.problems import PROBLEMS
    from kiosk.gas.payments import ERROR_CODES as PAYMENT_CODES

    codes = ([("card", code) for code in CARD_CODES] + [("payment", code) for code in PAYMENT_CODES]
             + [("payment", reason.value) for reason in NotPaidReason] + [("utility", code) for code in PROBLEMS]
             + [("utility", "yearly_limit_reached")]
             + [("saga", code) for code in ("utility_unavailable", "card_absent", "wrong_card", "order_state_conflict",
                                            "too_many_attempts", "printer_unavailable", "write_unverified")])
    missing = [f"{source}.{code}" for source, code in codes if problem_key(source, code, CATALOGUE).endswith(".default")]
    assert not missing
    for money in ("none", "held", "returned", "uncertain"):
        assert CATALOGUE.text(f"gas.money.{money}", "en", amount="1.00")
