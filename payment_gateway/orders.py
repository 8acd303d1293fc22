"""Orders as WeChat Pay keeps them: trade states, the gateway's clock moving them, and their JSON answers.

Trade states (trade_state) of a payment-code order, and what moves it here:

    USERPAYING  the user must confirm on the phone; becomes SUCCESS at its confirm time, or CLOSED once
                `unpaid_close_seconds` (45 s) have passed without it
    SUCCESS     paid; a reverse takes the money back (REVOKED), a full refund makes it REFUND
    PAYERROR    refused (insufficient balance, ...); a reverse ends it (REVOKED)
    NOTPAY      a Native order waiting for the phone to pay
    CLOSED      ended unpaid (WeChat closed it, or the merchant closed a Native order)
    REVOKED     reversed (撤销); `money_returned` tells whether it had been paid
    REFUND      refunded (转入退款)

A state is brought up to date (`advance`) whenever an order is read, so the clock alone moves it, as
WeChat's own would. Every change is logged in `events`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from payment_gateway.behaviours import DEMO_CODES, Behaviour
from payment_gateway.context import GatewayConfig

__all__ = ["TRADE_STATE_DESC", "FINAL_STATES", "advance", "load", "log", "transaction_view", "code_hash",
           "new_transaction_id", "behaviour_for", "save_behaviour", "iso"]

TRADE_STATE_DESC = {
    "SUCCESS": "支付成功", "REFUND": "转入退款", "NOTPAY": "未支付", "CLOSED": "已关闭", "REVOKED": "已撤销",
    "USERPAYING": "用户支付中", "PAYERROR": "支付失败",
}
FINAL_STATES = frozenset({"SUCCESS", "CLOSED", "REVOKED", "REFUND"})


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def code_hash(auth_code: str) -> str:
    return hashlib.sha256(auth_code.encode()).hexdigest()


def new_transaction_id(conn: sqlite3.Connection, now: datetime) -> str:
    count = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] + 1
    return f"42000{now:%Y%m%d}{count:015d}"


def log(conn: sqlite3.Connection, out_trade_no: str, now: datetime, event: str) -> None:
    conn.execute("INSERT INTO events (out_trade_no, at, event) VALUES (?, ?, ?)", (out_trade_no, iso(now), event))


def load(conn: sqlite3.Connection, *, out_trade_no: str | None = None,
         transaction_id: str | None = None) -> sqlite3.Row | None:
    if out_trade_no is not None:
        return conn.execute("SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)).fetchone()
    return conn.execute("SELECT * FROM orders WHERE transaction_id = ?", (transaction_id,)).fetchone()


def advance(conn: sqlite3.Connection, config: GatewayConfig, row: sqlite3.Row, now: datetime) -> sqlite3.Row:
    """Bring the order's state up to `now` (inside a write); returns the row as it now stands."""
    if row["trade_state"] != "USERPAYING":
        return row
    now_s = now.timestamp()
    close_s = row["created_s"] + config.unpaid_close_seconds
    confirm_s = row["confirm_s"]
    if confirm_s is not None and confirm_s <= now_s and confirm_s < close_s:
        paid_at = now - timedelta(seconds=now_s - confirm_s)
        conn.execute("UPDATE orders SET trade_state = 'SUCCESS', success_time = ? WHERE out_trade_no = ?",
                     (iso(paid_at), row["out_trade_no"]))
        log(conn, row["out_trade_no"], paid_at, "paid: the user confirmed")
    elif now_s >= close_s:
        conn.execute("UPDATE orders SET trade_state = 'CLOSED' WHERE out_trade_no = ?", (row["out_trade_no"],))
        log(conn, row["out_trade_no"], now, "closed: not confirmed in time")
    else:
        return row
    return load(conn, out_trade_no=row["out_trade_no"])  # type: ignore[return-value]


def transaction_view(row: sqlite3.Row) -> dict[str, Any]:
    """The order as the query API answers it."""
    paid = row["trade_state"] in ("SUCCESS", "REFUND") or (row["trade_state"] == "REVOKED" and row["money_returned"])
    view: dict[str, Any] = {
        "appid": row["appid"],
        "mchid": row["mchid"],
        "out_trade_no": row["out_trade_no"],
        "transaction_id": row["transaction_id"],
        "trade_type": row["trade_type"],
        "trade_state": row["trade_state"],
        "trade_state_desc": TRADE_STATE_DESC[row["trade_state"]],
        "bank_type": "OTHERS",
        "attach": "",
        "payer": {"openid": row["payer_openid"]},
        "amount": {"total": row["total"], "payer_total": row["total"] if paid else 0, "currency": "CNY",
                   "payer_currency": "CNY"},
    }
    if row["success_time"]:
        view["success_time"] = row["success_time"]
    if row["device_id"]:
        view["scene_info"] = {"device_id": row["device_id"]}
    return view


def behaviour_for(conn: sqlite3.Connection, *, out_trade_no: str,
                  auth_code: str | None = None) -> tuple[str | None, dict[str, Any]]:
    """The behaviour that applies to a new order: the order's own, else its payment code's, else a demo
    code's, else the default; with the key it is stored under (None when it is not stored)."""
    keys = [f"order:{out_trade_no}"] + ([f"code:{auth_code}"] if auth_code else [])
    for key in keys:
        row = conn.execute("SELECT behaviour FROM behaviours WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return key, json.loads(row["behaviour"])
    if auth_code in DEMO_CODES:
        return None, DEMO_CODES[auth_code][1].to_dict()
    return None, Behaviour().to_dict()


def save_behaviour(conn: sqlite3.Connection, behaviour: Behaviour, *, auth_code: str | None = None,
                   out_trade_no: str | None = None) -> None:
    if (auth_code is None) == (out_trade_no is None):
        raise ValueError("a behaviour is for one payment code or for one order")
    key = f"code:{auth_code}" if auth_code is not None else f"order:{out_trade_no}"
    conn.execute("INSERT OR REPLACE INTO behaviours (key, behaviour) VALUES (?, ?)",
                 (key, json.dumps(behaviour.to_dict())))
    if out_trade_no is not None:       # an order that already exists takes it from now on
        conn.execute("UPDATE orders SET behaviour = ? WHERE out_trade_no = ?",
                     (json.dumps(behaviour.to_dict()), out_trade_no))
