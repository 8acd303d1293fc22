"""Orders through their states against the live utility: creation keyed by card and purchase count, payment
results, write reservations and confirmations with what was read back, 补写卡 on another terminal, refunds,
and every step refused in every state where it is illegal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.gas_card import GasQuantity
from kiosk.gas.utility import GasUtilityRejected
from kiosk.gas.utility_models import OrderState
from tests.fixtures.gas_utility import card_as_read, new_key

CARD = "3101002468"              # count 3, volume meter
LOST_WRITE_CARD = "3101002471"   # card shows 5, purchase 6 paid and not written
NEAR_LIMIT_CARD = "3101002472"   # count 21, 15 m³ left this year
ARREARS_CARD = "3101002470"      # count 12
PAID_AT = "2026-11-23T10:00:20+08:00"


def _refused(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(GasUtilityRejected) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.code


def _order(client, card=CARD, count=4, volume=500):
    return client.create_order(card, count, client.quote(card, volume_tenths_m3=volume), idempotency_key=new_key())


def _pay(client, order, transaction="4200002611230001"):
    return client.record_payment(order.order_id, "wechat_code", transaction, order.amount_fen, PAID_AT,
                                 idempotency_key=new_key())


def _reserve(client, order):
    return client.reserve_write(order.order_id, idempotency_key=new_key())


def _written(client, order, reservation=None):
    card = card_as_read(order.card_number, order.purchase_count, order.card_gas)
    return client.confirm_written(order.order_id, reservation or order.reservation.reservation_id, card,
                                  idempotency_key=new_key())


def _failed(client, order, read_back="old", error_code="card_removed"):
    card = card_as_read(order.card_number, order.purchase_count - 1) if read_back == "old" else read_back
    return client.report_write_failed(order.order_id, order.reservation.reservation_id, card, error_code,
                                      idempotency_key=new_key())


def _refund(client, order, reference="RF2611230001", reason="write_failed"):
    return client.refund(order.order_id, reason, "reversal", reference, idempotency_key=new_key())


# -- the whole way ------------------------------------------------------------------------------------

def test_a_purchase_goes_created_paid_reserved_written_and_the_account_moves_on(gas_client):
    order = _order(gas_client)
    assert (order.state, order.purchase_count, order.money_held) == (OrderState.CREATED, 4, False)
    assert order.order_id == "GO20261123000001" and order.card_gas == GasQuantity.volume(500)
    order = _pay(gas_client, order)
    assert order.state is OrderState.PAID and order.payment.transaction_id == "4200002611230001"
    order = _reserve(gas_client, order)
    assert order.state is OrderState.WRITE_RESERVED and order.reservation.terminal_id == "gas-test-01"
    assert order.reservation.expires_at == "2026-11-23T10:02:00+08:00"
    written = card_as_read(CARD, 4, GasQuantity.volume(500))
    assert order.carried_by(written)
    order = _written(gas_client, order)
    assert order.state is OrderState.WRITTEN and order.write.read_back.purchase_count == 4
    assert [event.state.value for event in order.history] == ["created", "paid", "write_reserved", "written"]
    account = gas_client.account(CARD, 4)
    assert (account.card_status, account.purchase_count, account.can_buy) == ("ok", 4, True)
    assert account.limits.used_this_year_tenths_m3 == 1203 + 500
    assert gas_client.order(order.order_id) == order


def test_order_ids_run_per_utility_day(gas_utility, gas_client):
    first = _order(gas_client)
    gas_client.record_not_paid(first.order_id, "wechat_code", "closed", idempotency_key=new_key())
    gas_utility.clock.advance(timedelta(days=1))
    assert _order(gas_client).order_id == "GO20261124000001"


# -- creation -----------------------------------------------------------------------------------------

def test_the_same_create_with_the_same_key_is_answered_from_the_ledger(gas_utility):
    quote = gas_utility.client().quote(CARD, volume_tenths_m3=500)
    body = {"card_number": CARD, "purchase_count": 4, "amount_fen": quote.amount_fen, "volume_tenths_m3": 500}
    key = new_key()
    first = gas_utility.send("POST", "/v1/orders", body, idempotency_key=key)
    again = gas_utility.send("POST", "/v1/orders", body, idempotency_key=key)
    assert first.status_code == again.status_code == 201
    assert again.text == first.text and again.headers["Idempotent-Replayed"] == "true"
    other = gas_utility.send("POST", "/v1/orders", {**body, "volume_tenths_m3": 400}, idempotency_key=key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert gas_utility.rows("SELECT COUNT(*) FROM orders WHERE card_number = ?", CARD) == [(1,)]


def test_the_same_purchase_created_again_under_a_new_key_is_the_same_order(gas_utility, gas_client):
    order = _order(gas_client)
    quote = gas_client.quote(CARD, volume_tenths_m3=500)
    again = gas_utility.send("POST", "/v1/orders", {"card_number": CARD, "purchase_count": 4,
                                                    "amount_fen": quote.amount_fen, "volume_tenths_m3": 500})
    assert again.status_code == 200 and again.json()["order_id"] == order.order_id
    paid = _pay(gas_client, order)
    assert _order(gas_client) == paid            # even once paid: the purchase is keyed by card and count


def test_another_terminal_cannot_take_an_unpaid_purchase_until_its_payment_window_passes(gas_utility, gas_client):
    first = _order(gas_client)
    other = gas_utility.client(terminal=2)
    assert _refused(_order, other) == (409, "order_exists")
    assert _refused(_order, gas_client, volume=400) == (409, "order_exists")   # other terms, same terminal
    gas_utility.clock.advance(timedelta(minutes=10))
    second = _order(other, volume=400)
    assert second.state is OrderState.CREATED and second.order_id != first.order_id
    superseded = gas_client.order(first.order_id)
    assert (superseded.state, superseded.cancellation.reason) == (OrderState.CANCELLED, "superseded")
    assert _refused(_pay, gas_client, superseded) == (409, "order_cancelled")   # a late payment: reverse it


@pytest.mark.parametrize("count", [3, 5, 1])
def test_an_order_for_a_purchase_that_is_not_the_cards_next_is_refused(gas_client, count):
    assert _refused(_order, gas_client, count=count) == (409, "purchase_count_mismatch")


@pytest.mark.parametrize("count", [6, 7])
def test_no_new_order_while_a_paid_purchase_awaits_its_write(gas_client, count):
    assert _refused(_order, gas_client, card=LOST_WRITE_CARD, count=count) == (409, "rewrite_pending")


def test_an_order_whose_terms_are_not_a_quote_now_is_refused(gas_client):
    quote = gas_client.quote(CARD, volume_tenths_m3=500)
    for amount, volume in ((quote.amount_fen - 1, 500), (quote.amount_fen, 499)):
        with pytest.raises(GasUtilityRejected) as refused:
            gas_client.create_order(CARD, 4, replace(quote, amount_fen=amount, volume_tenths_m3=volume),
                                    idempotency_key=new_key())
        assert refused.value.code == "quote_changed"


def test_no_order_for_an_account_in_arrears(gas_utility):
    body = {"card_number": ARREARS_CARD, "purchase_count": 13, "amount_fen": 13350, "volume_tenths_m3": 500}
    response = gas_utility.send("POST", "/v1/orders", body)
    assert (response.status_code, response.json()["code"]) == (409, "account_in_arrears")


def test_orders_over_the_limits_are_refused(gas_utility, gas_client):
    body = {"card_number": CARD, "purchase_count": 4, "amount_fen": 53427, "volume_tenths_m3": 2001}
    assert gas_utility.send("POST", "/v1/orders", body).json()["code"] == "purchase_limit_exceeded"
    body = {"card_number": NEAR_LIMIT_CARD, "purchase_count": 22, "amount_fen": 6055, "volume_tenths_m3": 151}
    assert gas_utility.send("POST", "/v1/orders", body).json()["code"] == "yearly_limit_exceeded"


def test_an_account_that_bought_its_years_gas_may_buy_no_more_this_year_and_again_next_year(gas_utility, gas_client):
    order = _written(gas_client, _reserve(gas_client, _pay(gas_client, _order(gas_client, NEAR_LIMIT_CARD, 22, 150))))
    account = gas_client.account(NEAR_LIMIT_CARD, 22)
    assert (account.can_buy, account.refusal, account.limits.max_now_tenths_m3) == (False, "yearly_limit_reached", 0)
    assert _refused(gas_client.quote, NEAR_LIMIT_CARD, volume_tenths_m3=10) == (409, "yearly_limit_exceeded")
    gas_utility.clock.set(gas_utility.clock.now().replace(year=2027, month=1, day=1, hour=0, minute=30))
    account = gas_client.account(NEAR_LIMIT_CARD, 22)
    assert (account.can_buy, account.tariff.year, account.limits.used_this_year_tenths_m3) == (True, 2027, 0)
    assert order.tariff_year == 2026


# -- payment ------------------------------------------------------------------------------------------

def test_a_payment_for_another_amount_is_refused(gas_client):
    order = _order(gas_client)
    with pytest.raises(GasUtilityRejected) as refused:
        gas_client.record_payment(order.order_id, "bank_card", "UP0001", order.amount_fen + 1, PAID_AT,
                                  idempotency_key=new_key())
    assert (refused.value.status, refused.value.code) == (422, "payment_amount_mismatch")


def test_the_same_payment_told_twice_changes_nothing_and_a_second_payment_is_a_conflict(gas_client):
    paid = _pay(gas_client, _order(gas_client))
    assert _pay(gas_client, paid) == paid
    assert _refused(_pay, gas_client, paid, transaction="4200002611230002") == (409, "payment_conflict")


def test_a_payment_that_ended_without_money_cancels_the_order_and_frees_the_purchase(gas_client):
    order = _order(gas_client)
    cancelled = gas_client.record_not_paid(order.order_id, "wechat_code", "revoked", idempotency_key=new_key())
    assert (cancelled.state, cancelled.cancellation.reason) == (OrderState.CANCELLED, "revoked")
    assert gas_client.record_not_paid(order.order_id, "wechat_code", "revoked",
                                      idempotency_key=new_key()) == cancelled
    assert _refused(_pay, gas_client, cancelled) == (409, "order_cancelled")
    assert _order(gas_client, volume=300).purchase_count == 4


# -- writing ------------------------------------------------------------------------------------------

def test_a_live_reservation_is_exclusive_and_expires_for_another_terminal(gas_utility, gas_client):
    reserved = _reserve(gas_client, _pay(gas_client, _order(gas_client)))
    other = gas_utility.client(terminal=2)
    assert _refused(_reserve, other, reserved) == (409, "write_reserved_elsewhere")
    again = _reserve(gas_client, reserved)                    # its own terminal may re-reserve (a restart)
    assert again.reservation.reservation_id != reserved.reservation.reservation_id
    gas_utility.clock.advance(timedelta(seconds=121))
    taken = _reserve(other, again)
    assert taken.reservation.terminal_id == "gas-test-02"
    assert _refused(_written, gas_client, again) == (409, "reservation_mismatch")
    done = _written(other, taken)
    assert done.state is OrderState.WRITTEN
    # The first terminal's card was written too (it is the same card): telling that fact changes nothing.
    assert _written(gas_client, again, again.reservation.reservation_id) == done


def test_written_needs_a_read_back_that_shows_the_purchase(gas_client):
    reserved = _reserve(gas_client, _pay(gas_client, _order(gas_client)))
    for wrong in (card_as_read(CARD, 3), card_as_read(CARD, 4, GasQuantity.volume(499)),
                  card_as_read(CARD, 5, GasQuantity.volume(500))):
        with pytest.raises(GasUtilityRejected) as refused:
            gas_client.confirm_written(reserved.order_id, reserved.reservation.reservation_id, wrong,
                                       idempotency_key=new_key())
        assert (refused.value.status, refused.value.code) == (422, "read_back_mismatch")
    assert gas_client.order(reserved.order_id).state is OrderState.WRITE_RESERVED


def test_a_failed_write_keeps_what_was_read_back_and_the_money_for_a_rewrite(gas_client):
    reserved = _reserve(gas_client, _pay(gas_client, _order(gas_client)))
    failed = _failed(gas_client, reserved)
    assert (failed.state, failed.money_held, failed.write.outcome, failed.write.error_code) == (
        OrderState.WRITE_FAILED, True, "failed", "card_removed")
    assert failed.write.read_back.purchase_count == 3 and not failed.write.read_back.awaiting_meter
    assert _failed(gas_client, reserved) == failed                  # told again: no change
    assert gas_client.pending_rewrites(CARD) == (failed,)
    assert gas_client.account(CARD, 3).card_status == "rewrite_pending"
    rewrite = _reserve(gas_client, failed)
    assert _written(gas_client, rewrite).state is OrderState.WRITTEN
    assert gas_client.pending_rewrites(CARD) == ()


def test_a_failed_write_with_an_unreadable_card_is_not_refunded_until_the_card_is_read(gas_client):
    """GIVEN a write reported failed with the card unreadable (pulled out) THEN the card may carry the gas:
    a refund is refused until a read-back shows the card without it."""
    reserved = _reserve(gas_client, _pay(gas_client, _order(gas_client)))
    failed = _failed(gas_client, reserved, read_back=None, error_code="card_removed")
    assert failed.state is OrderState.WRITE_FAILED and failed.write.read_back is None
    assert _refused(_refund, gas_client, failed) == (409, "write_unverified")
    assert gas_client.pending_rewrites(CARD) == (failed,)
    read = _failed(gas_client, _reserve(gas_client, failed))            # the card is back, read: still at 3
    assert _refund(gas_client, read).state is OrderState.REFUNDED


def test_a_failure_whose_read_back_shows_the_purchase_must_be_confirmed_as_written(gas_client):
    reserved = _reserve(gas_client, _pay(gas_client, _order(gas_client)))
    on_card = card_as_read(CARD, 4, GasQuantity.volume(500))
    assert _refused(_failed, gas_client, reserved, read_back=on_card) == (422, "read_back_mismatch")


def test_a_lost_write_is_written_on_another_terminal_without_a_new_payment(gas_utility, gas_client):
    """GIVEN purchase 6 paid at yt-gas-terminal-02 yesterday, the card pulled out mid-write WHEN the card comes
    to this terminal THEN the pending order is reserved, written and confirmed here: 补写卡, no new order."""
    account = gas_client.account(LOST_WRITE_CARD, 5)
    (pending,) = account.pending_orders
    done = _written(gas_client, _reserve(gas_client, pending))
    assert (done.state, done.terminal_id, done.write.terminal_id) == (OrderState.WRITTEN, "yt-gas-terminal-02",
                                                                       "gas-test-01")
    assert gas_client.account(LOST_WRITE_CARD, 6).card_status == "ok"
    assert gas_utility.rows("SELECT COUNT(*) FROM orders WHERE card_number = ?", LOST_WRITE_CARD) == [(1,)]


# -- refunds ------------------------------------------------------------------------------------------

def test_a_refund_returns_the_purchase_count_and_the_years_volume(gas_client):
    paid = _pay(gas_client, _order(gas_client))
    refunded = _refund(gas_client, paid, reason="terminal_fault")
    assert (refunded.state, refunded.money_held, refunded.refund.method) == (OrderState.REFUNDED, False, "reversal")
    assert _refund(gas_client, paid, reason="terminal_fault") == refunded        # told again: no change
    account = gas_client.account(CARD, 3)
    assert (account.purchase_count, account.limits.used_this_year_tenths_m3) == (3, 1203)
    assert _order(gas_client).purchase_count == 4                                # the count is free again


def test_a_failed_write_may_be_refunded(gas_client):
    failed = _failed(gas_client, _reserve(gas_client, _pay(gas_client, _order(gas_client))))
    assert _refund(gas_client, failed).state is OrderState.REFUNDED
    assert gas_client.pending_rewrites(CARD) == ()


# -- every step in every state ------------------------------------------------------------------------

def _to(client, state):
    """An order of CARD in `state`."""
    order = _order(client)
    if state == "created":
        return order
    if state == "cancelled":
        return client.record_not_paid(order.order_id, "wechat_code", "closed", idempotency_key=new_key())
    order = _pay(client, order)
    if state == "paid":
        return order
    if state == "refunded":
        return _refund(client, order, reference="RF-FIRST")
    order = _reserve(client, order)
    if state == "write_reserved":
        return order
    return _written(client, order) if state == "written" else _failed(client, order)


def _step(client, order, step):
    if step == "pay":
        return _pay(client, order, transaction="4200009999")
    if step == "not_paid":
        return client.record_not_paid(order.order_id, "wechat_code", "closed", idempotency_key=new_key())
    if step == "reserve":
        return _reserve(client, order)
    if step == "confirm":
        return _written(client, order, order.reservation.reservation_id if order.reservation else "wr0")
    return _refund(client, order, reference="RF-OTHER")


OSC = "order_state_conflict"
# step → state → the refusal's code, or the state the order is in afterwards
OUTCOMES = {
    "pay": {"created": "paid", "paid": "payment_conflict", "write_reserved": "payment_conflict",
            "written": "payment_conflict", "write_failed": "payment_conflict", "refunded": "payment_conflict",
            "cancelled": "order_cancelled"},
    "not_paid": {"created": "cancelled", "paid": OSC, "write_reserved": OSC, "written": OSC, "write_failed": OSC,
                 "refunded": OSC, "cancelled": "cancelled"},
    "reserve": {"created": OSC, "paid": "write_reserved", "write_reserved": "write_reserved",
                "written": "already_written", "write_failed": "write_reserved", "refunded": OSC, "cancelled": OSC},
    "confirm": {"created": OSC, "paid": OSC, "write_reserved": "written", "written": "written", "write_failed": OSC,
                "refunded": OSC, "cancelled": OSC},
    "refund": {"created": OSC, "paid": "refunded", "write_reserved": OSC, "written": "already_written",
               "write_failed": "refunded", "refunded": OSC, "cancelled": OSC},
}


@pytest.mark.parametrize("state", ["created", "paid", "write_reserved", "written", "write_failed", "refunded",
                                   "cancelled"])
@pytest.mark.parametrize("step", list(OUTCOMES))
def test_every_step_in_every_state_moves_the_order_or_is_refused(gas_client, step, state):
    order = _to(gas_client, state)
    assert order.state.value == state
    expected = OUTCOMES[step][state]
    if expected in {s.value for s in OrderState}:
        assert _step(gas_client, order, step).state.value == expected
    else:
        assert _refused(_step, gas_client, order, step)[1] == expected
        assert gas_client.order(order.order_id) == order          # a refusal changes nothing


def test_an_unknown_order_is_not_found(gas_client):
    assert _refused(gas_client.order, "GO20261123999999") == (404, "order_not_found")
    assert _refused(_reserve, gas_client, type("O", (), {"order_id": "GO20261123999999"})) == (404, "order_not_found")


# -- races ---------------------------------------------------------------------------------------------

def test_a_purchase_created_by_many_requests_at_once_is_one_order(gas_utility, gas_client):
    quote = gas_client.quote(CARD, volume_tenths_m3=500)
    with ThreadPoolExecutor(max_workers=8) as pool:
        orders = list(pool.map(lambda _: gas_client.create_order(CARD, 4, quote, idempotency_key=new_key()),
                               range(16)))
    assert len({order.order_id for order in orders}) == 1
    assert gas_utility.rows("SELECT COUNT(*) FROM orders WHERE card_number = ?", CARD) == [(1,)]


def test_two_terminals_reserving_one_write_at_once_make_one_writer(gas_utility, gas_client):
    paid = _pay(gas_client, _order(gas_client))
    clients = [gas_utility.client(terminal=1), gas_utility.client(terminal=2)]

    def reserve(client):
        try:
            return _reserve(client, paid).reservation.terminal_id
        except GasUtilityRejected as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(reserve, clients))
    assert outcomes in (["gas-test-01", "write_reserved_elsewhere"], ["gas-test-02", "write_reserved_elsewhere"])
