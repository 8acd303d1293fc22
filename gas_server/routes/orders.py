"""Orders: create (idempotent by card and purchase count), read, record the payment's result, reserve and
confirm the card write, refund. Every step is idempotent twice over: by Idempotency-Key, and by the state
it leads to (the same step with the same data again is answered with the order as it stands)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g

from gas_server import db, orders
from gas_server.context import gas_config, gas_now
from gas_server.schemas import OrderRequest, PaymentResult, RefundRequest, ReserveRequest, WriteConfirmation, parse
from gas_server.security import idempotent

blueprint = Blueprint("orders", __name__)


@blueprint.post("/v1/orders")
@idempotent
def create_order() -> tuple[dict, int]:
    body = parse(OrderRequest)
    window = timedelta(seconds=gas_config().payment_window_seconds)
    with db.write(g.conn):
        order_id, made = orders.create(g.conn, body, gas_now(), g.terminal_id, window)
        return orders.order_view(g.conn, order_id), 201 if made else 200


@blueprint.get("/v1/orders/<order_id>")
def get_order(order_id: str) -> dict:
    return orders.order_view(g.conn, order_id)


@blueprint.post("/v1/orders/<order_id>/payment")
@idempotent
def record_payment(order_id: str) -> dict:
    body = parse(PaymentResult)
    with db.write(g.conn):
        orders.record_payment(g.conn, order_id, body, gas_now(), g.terminal_id)
        return orders.order_view(g.conn, order_id)


@blueprint.post("/v1/orders/<order_id>/write/reserve")
@idempotent
def reserve_write(order_id: str) -> dict:
    parse(ReserveRequest)
    hold = timedelta(seconds=gas_config().reservation_seconds)
    with db.write(g.conn):
        orders.reserve_write(g.conn, order_id, gas_now(), g.terminal_id, hold)
        return orders.order_view(g.conn, order_id)


@blueprint.post("/v1/orders/<order_id>/write/confirm")
@idempotent
def confirm_write(order_id: str) -> dict:
    body = parse(WriteConfirmation)
    with db.write(g.conn):
        orders.confirm_write(g.conn, order_id, body, gas_now(), g.terminal_id)
        return orders.order_view(g.conn, order_id)


@blueprint.post("/v1/orders/<order_id>/refund")
@idempotent
def refund(order_id: str) -> dict:
    body = parse(RefundRequest)
    with db.write(g.conn):
        orders.refund(g.conn, order_id, body, gas_now(), g.terminal_id)
        return orders.order_view(g.conn, order_id)
