"""The gateway's control panel for tests and the demo (only when configured with `control`; unsigned).

    POST /_control/behaviours            {"auth_code" | "out_trade_no": "...", "behaviour": {...}}   201
    GET  /_control/orders                every order, newest first, with its events
    GET  /_control/orders/{out_trade_no} one order, its refunds and events
    POST /_control/orders/{out_trade_no}/pay   the phone pays a Native order

What WeChat's merchant platform would show a person: never part of the API a terminal uses.
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, g

from payment_gateway import db, orders
from payment_gateway.behaviours import Behaviour
from payment_gateway.context import gateway_config, gateway_now
from payment_gateway.problems import WeChatError
from payment_gateway.routes.common import json_body

blueprint = Blueprint("control", __name__)


def order_record(conn: sqlite3.Connection, row: sqlite3.Row) -> dict:
    record = {key: row[key] for key in row.keys() if key not in ("auth_code_hash", "behaviour")}
    record["refunds"] = [dict(refund) for refund in conn.execute(
        "SELECT * FROM refunds WHERE out_trade_no = ? ORDER BY created_at", (row["out_trade_no"],))]
    record["events"] = [event["event"] for event in conn.execute(
        "SELECT event FROM events WHERE out_trade_no = ? ORDER BY id", (row["out_trade_no"],))]
    return record


@blueprint.post("/_control/behaviours")
def behave() -> tuple[dict, int]:
    body = json_body()
    try:
        behaviour = Behaviour.from_dict(body.get("behaviour") or {})
        with db.write(g.conn):
            orders.save_behaviour(g.conn, behaviour, auth_code=body.get("auth_code"),
                                  out_trade_no=body.get("out_trade_no"))
    except (TypeError, ValueError) as error:
        raise WeChatError("PARAM_ERROR", str(error)) from None
    return {"behaviour": behaviour.to_dict()}, 201


@blueprint.get("/_control/orders")
def list_orders() -> dict:
    with db.write(g.conn):
        rows = [orders.advance(g.conn, gateway_config(), row, gateway_now())
                for row in g.conn.execute("SELECT * FROM orders ORDER BY created_s DESC").fetchall()]
    return {"orders": [order_record(g.conn, row) for row in rows]}


@blueprint.get("/_control/orders/<out_trade_no>")
def one_order(out_trade_no: str) -> dict:
    with db.write(g.conn):
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if row is not None:
            row = orders.advance(g.conn, gateway_config(), row, gateway_now())
    if row is None:
        raise WeChatError("ORDER_NOT_EXIST")
    return order_record(g.conn, row)


@blueprint.post("/_control/orders/<out_trade_no>/pay")
def pay_native(out_trade_no: str) -> dict:
    now = gateway_now()
    with db.write(g.conn):
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if row is not None and row["trade_type"] == "NATIVE" and row["trade_state"] == "NOTPAY":
            g.conn.execute("UPDATE orders SET trade_state = 'SUCCESS', success_time = ? WHERE out_trade_no = ?",
                           (orders.iso(now), out_trade_no))
            orders.log(g.conn, out_trade_no, now, "paid: the phone scanned the Native code")
            row = orders.load(g.conn, out_trade_no=out_trade_no)
    if row is None:
        raise WeChatError("ORDER_NOT_EXIST")
    return order_record(g.conn, row)
