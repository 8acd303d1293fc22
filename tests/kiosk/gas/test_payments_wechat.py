"""WeChat Pay payment codes end to end: the kiosk's backend, the real wechatpayv3 SDK, the reference gateway.

Every path of the unattended-terminal rules, each checked on both sides: the outcome the saga receives, and
the order as the gateway holds it (always SUCCESS, CLOSED, REVOKED or REFUND in the end). Waits move the
shared fake clock (never real time); the only real waits are the client's read timeouts where a test is
about them.
"""

from __future__ import annotations

import threading

import pytest

from domain.payment import NotPaidReason, PaymentState, PaymentStep
from kiosk.gas.payments import MerchantRejected, PaymentUnresolved
from payment_gateway.behaviours import Behaviour
from payment_gateway.keys import demo_keys
from tests.fixtures.payment_gateway import HOLD_S

CODE = "134567890123456789"
ORDER = "GT20261123000042"
FINAL = {"SUCCESS", "CLOSED", "REVOKED", "REFUND"}


def gateway_state(wechat, order_id: str = ORDER) -> str:
    order = wechat.gateway.order(order_id)
    return order["trade_state"] if order else "NONE"


def test_paid_at_once(wechat):
    """GIVEN a phone that pays at once WHEN the citizen's code is scanned THEN SUCCESS with WeChat's transaction
    id and the payer's openid masked, and no wait at all."""
    outcome = wechat.pay(ORDER, 10000, code=CODE)
    assert outcome.state is PaymentState.SUCCESS and outcome.paid and outcome.reason is None
    assert outcome.transaction_id.startswith("42000") and outcome.amount_fen == 10000
    assert outcome.payer is not None and "****" in outcome.payer.masked and outcome.paid_at.endswith("+08:00")
    assert wechat.steps()[:2] == [PaymentStep.SCAN_CODE, PaymentStep.PROCESSING]
    assert wechat.time.waits == []
    order = wechat.gateway.order(ORDER)
    assert order["trade_state"] == "SUCCESS" and order["total"] == 10000
    assert order["device_id"] == "gas-terminal-t01" and CODE not in str(order)


def test_user_confirms_on_the_phone_within_30_seconds(wechat):
    """GIVEN a citizen who confirms on the phone 12 s after the scan WHEN the gateway answers USERPAYING THEN the
    kiosk queries every 5 s and is paid at the third query, having shown "confirm on your phone"."""
    wechat.gateway.behave(Behaviour(confirm_after_s=12), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert outcome.state is PaymentState.SUCCESS
    assert wechat.time.waits == [5.0, 5.0, 5.0]
    waiting = [event.seconds_left for event in wechat.events if event.step is PaymentStep.WAITING_FOR_USER]
    assert waiting == [30, 25, 20]
    assert gateway_state(wechat) == "SUCCESS"


def test_never_confirmed_is_reversed_after_30_seconds(wechat):
    """GIVEN a citizen who never confirms WHEN 30 s have passed, querying every 5 s THEN the order is reversed:
    REVOKED, nothing taken."""
    wechat.gateway.behave(Behaviour(confirm_after_s=None), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.reason, outcome.paid) == (PaymentState.REVOKED, NotPaidReason.NOT_CONFIRMED, False)
    assert wechat.time.waits == [5.0] * 6
    assert PaymentStep.REVERSING in wechat.steps()
    order = wechat.gateway.order(ORDER)
    assert (order["trade_state"], order["money_returned"]) == ("REVOKED", 0)


def test_insufficient_balance_is_not_paid_and_the_order_is_ended(wechat):
    wechat.gateway.behave(Behaviour(refusal="NOTENOUGH"), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert not outcome.paid and outcome.final
    assert (outcome.reason, outcome.response_code) == (NotPaidReason.INSUFFICIENT_BALANCE, "NOTENOUGH")
    assert gateway_state(wechat) in FINAL - {"SUCCESS"}


def test_an_expired_code_creates_nothing(wechat):
    wechat.gateway.behave(Behaviour(refusal="AUTH_CODE_EXPIRE"), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.reason, outcome.response_code) == (
        PaymentState.CLOSED, NotPaidReason.CODE_REFUSED, "AUTH_CODE_EXPIRE")
    assert gateway_state(wechat) == "NONE"


def test_a_500_after_the_payment_is_answered_by_querying(wechat):
    """GIVEN a gateway that takes the money but answers 500 WHEN the kiosk cannot know THEN it queries (5 s later)
    and finds the payment."""
    wechat.gateway.behave(Behaviour(errors={"codepay": 1}), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert outcome.state is PaymentState.SUCCESS
    assert wechat.time.waits == [5.0]


def test_500s_everywhere_while_waiting_still_end_the_order(wechat):
    wechat.gateway.behave(Behaviour(confirm_after_s=None, errors={"codepay": 1, "query": 3, "reverse": 2}),
                          auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.reason) == (PaymentState.REVOKED, NotPaidReason.NOT_CONFIRMED)
    assert gateway_state(wechat) == "REVOKED"


def test_a_codepay_that_never_arrived_is_sent_again_with_the_same_code(wechat):
    """GIVEN a codepay lost before the gateway recorded it WHEN the query finds no order THEN the same request
    is sent again (same order, same code) and pays: one order, one payment."""
    wechat.gateway.behave(Behaviour(dropped=1), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert outcome.state is PaymentState.SUCCESS
    assert wechat.gateway.order(ORDER)["events"] == ["codepay: SUCCESS"]


def test_an_answer_that_comes_too_late_is_recovered_by_query(cashier_for):
    """GIVEN a gateway that pays but answers after the kiosk's read timeout WHEN the kiosk gives up on the answer
    THEN it queries and finds the payment (one real read timeout, no sleep)."""
    wechat = cashier_for(read_timeout_s=0.3)
    wechat.gateway.behave(Behaviour(delays={"codepay": HOLD_S}), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert outcome.state is PaymentState.SUCCESS
    assert wechat.time.waits == [5.0]


def test_a_refused_reverse_of_an_unpaid_order_waits_for_wechat_to_close_it(wechat):
    wechat.gateway.behave(Behaviour(confirm_after_s=None, reverse_refused=True), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.paid) == (PaymentState.CLOSED, False)
    assert sum(wechat.time.waits) >= 45
    assert gateway_state(wechat) == "CLOSED"


def test_a_payment_landing_during_the_reverse_is_given_back_by_the_reverse(wechat):
    """GIVEN a citizen who confirms just as the kiosk reverses WHEN the reverse goes through THEN WeChat returns
    the money: REVOKED, and the gateway shows the payment and its return."""
    wechat.gateway.behave(Behaviour(confirm_after_s=None, lands_during_reverse=True), auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.paid) == (PaymentState.REVOKED, False)
    assert ("money_returned", "yes") in outcome.details
    order = wechat.gateway.order(ORDER)
    assert (order["trade_state"], order["money_returned"]) == ("REVOKED", 1)


def test_a_payment_landing_during_a_refused_reverse_is_refunded(wechat):
    """GIVEN a payment that lands as the reverse arrives, and a reverse refused WHEN the kiosk queries THEN it
    finds the order paid and refunds it: REFUNDED, the refund recorded once."""
    wechat.gateway.behave(Behaviour(confirm_after_s=None, lands_during_reverse=True, reverse_refused=True),
                          auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert (outcome.state, outcome.paid) == (PaymentState.REFUNDED, False)
    assert outcome.refund_id and PaymentStep.REFUNDING in wechat.steps()
    order = wechat.gateway.order(ORDER)
    assert order["trade_state"] == "REFUND" and [r["amount"] for r in order["refunds"]] == [10000]


def test_a_payment_landing_during_a_reverse_whose_answer_is_lost(cashier_for):
    """GIVEN a payment that lands as the reverse arrives, and the reverse's answer lost (read timeout) WHEN the
    kiosk sends the reverse again THEN the gateway, already reversed, agrees: REVOKED, the money back once."""
    wechat = cashier_for(read_timeout_s=0.3)
    wechat.gateway.behave(Behaviour(confirm_after_s=None, lands_during_reverse=True, delays={"reverse": HOLD_S}),
                          auth_code=CODE)
    outcome = wechat.pay(ORDER, code=CODE)
    assert outcome.state is PaymentState.REVOKED
    order = wechat.gateway.order(ORDER)
    assert (order["trade_state"], order["money_returned"]) == ("REVOKED", 1)
    assert [event for event in order["events"] if event.startswith("reversed")] == [
        "reversed: the money went back to the user"]


def test_a_tampered_answer_claiming_success_is_not_believed(wechat, caplog):
    """GIVEN a man in the middle who rewrites the gateway's USERPAYING answers into SUCCESS WHEN the SDK checks
    the platform's signature THEN the forged answers are refused: the kiosk never reports a payment that did
    not happen, and ends the unpaid order."""
    wechat.gateway.behave(Behaviour(confirm_after_s=None, tampered={"codepay": 1, "query": 2}), auth_code=CODE)
    with caplog.at_level("WARNING", logger="kiosk.gas.payments.wechat"):
        outcome = wechat.pay(ORDER, code=CODE)
    assert not outcome.paid and outcome.state is PaymentState.REVOKED
    assert gateway_state(wechat) == "REVOKED"
    refused = [record for record in caplog.records if "failed its signature check" in record.getMessage()]
    assert len(refused) == 3           # the codepay answer and two query answers: the SDK refused each


def test_when_no_answer_can_be_verified_the_payment_is_unresolved_and_settled_later(wechat, cashier_for):
    """GIVEN every answer tampered WHEN the kiosk cannot believe any THEN PaymentUnresolved (the money's fate is
    unknown to it); WHEN a restarted kiosk reverses it later THEN it ends REVOKED."""
    many = {operation: 100 for operation in ("codepay", "query", "reverse", "refund")}
    wechat.gateway.behave(Behaviour(tampered=many), out_trade_no=ORDER)
    with pytest.raises(PaymentUnresolved) as unresolved:
        wechat.pay(ORDER, code=CODE)
    assert (unresolved.value.code, unresolved.value.cause) == ("payment_unresolved", "answer_not_verified")
    wechat.gateway.behave(Behaviour(), out_trade_no=ORDER)
    restarted = cashier_for()
    assert restarted.backend.reverse(ORDER).state is PaymentState.REVOKED
    assert gateway_state(wechat) == "REVOKED"


def test_an_unreachable_gateway_leaves_the_payment_unresolved(wechat):
    wechat.gateway.server.stop()
    with pytest.raises(PaymentUnresolved) as unresolved:
        wechat.pay(ORDER, code=CODE)
    assert unresolved.value.cause == "unreachable" and unresolved.value.order_id == ORDER


def test_a_merchant_key_the_gateway_does_not_know_is_rejected(payment_gateway, payment_time, cashier_for):
    """GIVEN a kiosk signing with a key the gateway does not know WHEN it pays THEN the gateway refuses the
    signature (401) and the kiosk says the merchant is misconfigured: nothing was taken."""
    wechat = cashier_for()
    stranger = demo_keys()
    wechat.backend.client = payment_gateway.client(keys=stranger)     # same merchant id, another key
    with pytest.raises(MerchantRejected):
        wechat.pay(ORDER, code=CODE)
    assert gateway_state(wechat) == "NONE"


def test_paying_an_order_again_after_a_restart_never_charges_twice(wechat, cashier_for):
    """GIVEN an order paid WHEN a restarted kiosk calls pay for the same order THEN it gets the same payment,
    without asking for a scan."""
    first = wechat.pay(ORDER, code=CODE)
    restarted = cashier_for()
    again = restarted.pay(ORDER, code="104567890123456789")
    assert again.transaction_id == first.transaction_id and again.paid
    assert PaymentStep.SCAN_CODE not in restarted.steps()


def test_a_kiosk_that_died_while_the_citizen_was_confirming_reverses_on_restart(wechat, cashier_for):
    """GIVEN a kiosk killed while WeChat said USERPAYING WHEN it restarts THEN query says PENDING and reverse ends
    the order REVOKED; reversing again answers the same."""
    wechat.gateway.behave(Behaviour(confirm_after_s=None), auth_code=CODE)
    died = threading.Event()

    def kill(event) -> None:
        if event.step is PaymentStep.WAITING_FOR_USER:
            died.set()
            raise SystemExit("the kiosk died")

    wechat.on_progress = kill
    with pytest.raises(SystemExit):
        wechat.pay(ORDER, code=CODE)
    restarted = cashier_for().backend
    assert restarted.query(ORDER).state is PaymentState.PENDING
    assert restarted.reverse(ORDER).state is PaymentState.REVOKED
    assert restarted.reverse(ORDER).state is PaymentState.REVOKED
    assert restarted.query(ORDER).state is PaymentState.REVOKED


def test_cancel_while_confirming_reverses_at_once(wechat):
    wechat.gateway.behave(Behaviour(confirm_after_s=None), auth_code=CODE)
    cancel = threading.Event()
    wechat.on_progress = lambda event: event.step is PaymentStep.WAITING_FOR_USER and cancel.set()
    outcome = wechat.pay(ORDER, code=CODE, cancel=cancel)
    assert (outcome.state, outcome.reason) == (PaymentState.REVOKED, NotPaidReason.CANCELLED)
    assert wechat.time.waits == []


def test_no_code_scanned_in_time_sends_nothing(cashier_for):
    wechat = cashier_for(scan_timeout_s=0.05)
    outcome = wechat.pay(ORDER)
    assert (outcome.state, outcome.reason) == (PaymentState.CLOSED, NotPaidReason.NO_CODE)
    assert gateway_state(wechat) == "NONE"


def test_a_cancel_before_scanning(wechat):
    cancel = threading.Event()
    cancel.set()
    assert wechat.pay(ORDER, cancel=cancel).reason is NotPaidReason.CANCELLED


def test_something_else_scanned_is_told_and_the_right_code_then_pays(wechat):
    outcome = wechat.pay(ORDER, code=CODE, scans=("286543210987654321",))
    assert outcome.paid
    notices = [event.notice for event in wechat.events if event.step is PaymentStep.SCAN_CODE]
    assert notices == ["", "not_a_payment_code"]


def test_refund_of_a_paid_order_is_safe_to_repeat(wechat):
    wechat.pay(ORDER, code=CODE)
    first = wechat.backend.refund(ORDER)
    again = wechat.backend.refund(ORDER)
    assert first.state is again.state is PaymentState.REFUNDED
    assert first.reason is NotPaidReason.REFUNDED
    assert wechat.backend.reverse(ORDER).state is PaymentState.REFUNDED
    assert len(wechat.gateway.order(ORDER)["refunds"]) == 1


def test_reverse_of_a_paid_order_gives_the_money_back(wechat):
    wechat.pay(ORDER, code=CODE)
    outcome = wechat.backend.reverse(ORDER)
    assert (outcome.state, outcome.reason) == (PaymentState.REVOKED, NotPaidReason.REVERSED)
    assert wechat.gateway.order(ORDER)["money_returned"] == 1


def test_query_reverse_and_refund_of_an_order_never_made(wechat):
    assert wechat.backend.query(ORDER) is None
    assert wechat.backend.reverse(ORDER).state is PaymentState.CLOSED
    assert wechat.backend.refund(ORDER).state is PaymentState.CLOSED
    assert gateway_state(wechat) == "NONE"
