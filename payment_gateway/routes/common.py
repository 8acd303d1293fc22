"""What every route needs: the JSON body, the merchant's own fields, and the behaviour's effects on one call."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from flask import g, request

from payment_gateway import orders
from payment_gateway.behaviours import take
from payment_gateway.context import gateway_config
from payment_gateway.problems import WeChatError

__all__ = ["json_body", "text_field", "check_merchant", "effects", "apply_effects"]


def json_body() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        raise WeChatError("PARAM_ERROR", "请求体不是合法的JSON") from None
    if not isinstance(body, dict):
        raise WeChatError("PARAM_ERROR", "请求体应为JSON对象")
    return body


def text_field(body: dict[str, Any], name: str, *, low: int = 1, high: int = 128) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise WeChatError("PARAM_ERROR", f"{name} 缺失或长度不符", detail={"field": name})
    return value


def check_merchant(mchid: str, appid: str | None = None) -> None:
    """The body's mchid (and appid) must be the signing merchant's own."""
    if mchid != g.mchid:
        raise WeChatError("PARAM_ERROR", "mchid 与签名商户不一致", detail={"field": "mchid"})
    if appid is not None and appid != gateway_config().merchants[g.mchid].appid:
        raise WeChatError("APPID_MCHID_NOT_MATCH")


def effects(conn: sqlite3.Connection, operation: str, out_trade_no: str) -> bool:
    """Spend the order's behaviour counters for one call of `operation` (inside a write): whether to answer 500.
    The hold and the tampering are left in `g` for the answer."""
    row = orders.load(conn, out_trade_no=out_trade_no)
    if row is not None:
        state = json.loads(row["behaviour"])
        fail, hold, tamper = take(state, operation)
        conn.execute("UPDATE orders SET behaviour = ? WHERE out_trade_no = ?", (json.dumps(state), out_trade_no))
    else:
        stored = conn.execute("SELECT behaviour FROM behaviours WHERE key = ?", (f"order:{out_trade_no}",)).fetchone()
        if stored is None:
            return False
        state = json.loads(stored["behaviour"])
        fail, hold, tamper = take(state, operation)
        conn.execute("UPDATE behaviours SET behaviour = ? WHERE key = ?", (json.dumps(state), f"order:{out_trade_no}"))
    apply_effects(hold, tamper)
    return fail


def apply_effects(hold: float, tamper: bool) -> None:
    g.hold_s = max(g.get("hold_s", 0.0), hold)
    g.tamper = g.get("tamper", False) or tamper
