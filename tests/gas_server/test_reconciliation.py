"""A terminal's day (对账): counts and sums per state, totals that balance, each order with its payment, and
the rewrites it did for other terminals — what the kiosk journal and the payment gateway are held against."""

from __future__ import annotations

from datetime import date, timedelta

from kiosk.gas.utility_models import OrderState
from tests.fixtures.gas_utility import card_as_read, new_key

PAID_AT = "2026-11-23T10:00:20+08:00"


def _buy(client, card, count, volume, *, end):
    """An order of `card` taken to `end`: created, cancelled, paid, write_failed, written or refunded."""
    order = client.create_order(card, count, client.quote(card, volume_tenths_m3=volume), idempotency_key=new_key())
    if end == "created":
        return order
    if end == "cancelled":
        return client.record_not_paid(order.order_id, "bank_card", "failed", idempotency_key=new_key())
    order = client.record_payment(order.order_id, "bank_card", f"UP{card}{count}", order.amount_fen, PAID_AT,
                                  idempotency_key=new_key())
    if end == "paid":
        return order
    if end == "refunded":
        return client.refund(order.order_id, "citizen_request", "refund", f"RF{card}", idempotency_key=new_key())
    order = client.reserve_write(order.order_id, idempotency_key=new_key())
    if end == "write_failed":
        return client.report_write_failed(order.order_id, order.reservation.reservation_id,
                                          card_as_read(card, count - 1), "write_failed", idempotency_key=new_key())
    return client.confirm_written(order.order_id, order.reservation.reservation_id,
                                  card_as_read(card, count, order.card_gas), idempotency_key=new_key())


def test_a_day_of_one_terminal_counts_and_sums_every_state_and_balances(gas_utility, gas_client):
    written = _buy(gas_client, "3101002468", 4, 500, end="written")
    failed = _buy(gas_client, "561200731905", 8, 300, end="write_failed")
    refunded = _buy(gas_client, "3101002473", 19, 100, end="refunded")
    paid = _buy(gas_client, "3101002474", 1, 200, end="paid")
    cancelled = _buy(gas_client, "3101002475", 10, 100, end="cancelled")
    created = _buy(gas_client, "3101002476", 5, 100, end="created")
    _buy(gas_utility.client(terminal=2), "561200731906", 3, 100, end="written")       # another terminal's

    day = gas_client.reconciliation(date(2026, 11, 23))
    assert (day.terminal_id, day.date) == ("gas-test-01", "2026-11-23")
    expected = {OrderState.WRITTEN: written, OrderState.WRITE_FAILED: failed, OrderState.REFUNDED: refunded,
                OrderState.PAID: paid, OrderState.CANCELLED: cancelled, OrderState.CREATED: created}
    for state, order in expected.items():
        assert (day.by_state[state].count, day.by_state[state].amount_fen) == (1, order.amount_fen)
    assert day.by_state[OrderState.WRITE_RESERVED].count == 0
    totals = day.totals
    money = [written, failed, refunded, paid]
    assert (totals.orders, totals.paid_count, totals.paid_fen) == (6, 4, sum(o.amount_fen for o in money))
    assert (totals.refunded_count, totals.refunded_fen) == (1, refunded.amount_fen)
    assert totals.net_fen == totals.paid_fen - totals.refunded_fen
    assert (totals.written_count, totals.written_fen, totals.written_volume_tenths_m3) == (
        1, written.amount_fen, 500)
    assert (totals.awaiting_write_count, totals.awaiting_write_fen) == (2, failed.amount_fen + paid.amount_fen)
    assert totals.paid_fen == totals.refunded_fen + totals.written_fen + totals.awaiting_write_fen
    lines = {line.order_id: line for line in day.orders}
    assert set(lines) == {o.order_id for o in expected.values()}
    assert lines[written.order_id].transaction_id == "UP31010024684"
    assert lines[written.order_id].written_by == "gas-test-01"
    assert lines[written.order_id].card_number_masked == "31****2468"
    assert lines[refunded.order_id].refund_reference == "RF3101002473"
    assert day.rewrites_for_others == ()


def test_a_rewrite_for_another_terminal_is_listed_apart_and_counted_in_its_own_day(gas_utility, gas_client):
    (pending,) = gas_client.account("3101002471", 5).pending_orders          # paid yesterday elsewhere
    reserved = gas_client.reserve_write(pending.order_id, idempotency_key=new_key())
    gas_client.confirm_written(reserved.order_id, reserved.reservation.reservation_id,
                               card_as_read("3101002471", 6, reserved.card_gas), idempotency_key=new_key())
    today = gas_client.reconciliation(date(2026, 11, 23))
    assert today.orders == () and [line.order_id for line in today.rewrites_for_others] == [pending.order_id]
    assert today.rewrites_for_others[0].terminal_id == "yt-gas-terminal-02"
    assert gas_client.reconciliation(date(2026, 11, 22)).orders == ()         # yesterday's is the other terminal's


def test_an_order_stays_in_the_day_it_was_created(gas_utility, gas_client):
    gas_utility.clock.set(gas_utility.clock.now().replace(hour=23, minute=59, second=50))
    order = gas_client.create_order("3101002468", 4, gas_client.quote("3101002468", volume_tenths_m3=100),
                                    idempotency_key=new_key())
    gas_utility.clock.advance(timedelta(seconds=20))                           # past midnight at the utility
    gas_client.record_payment(order.order_id, "wechat_code", "42000001", order.amount_fen,
                              "2026-11-24T00:00:05+08:00", idempotency_key=new_key())
    assert [line.order_id for line in gas_client.reconciliation(date(2026, 11, 23)).orders] == [order.order_id]
    assert gas_client.reconciliation(date(2026, 11, 24)).orders == ()


def test_a_reconciliation_needs_a_real_date(gas_utility):
    for query in ("", "?date=2026-13-01", "?date=23.11.2026", "?date=2026-11-23T10:00"):
        response = gas_utility.send("GET", "/v1/reconciliation" + query)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
