"""Refunds (退款) of paid orders: in full or in part, each keyed by the merchant's out_refund_no.

    POST /v3/refund/domestic/refunds                    200: the refund (SUCCESS at once here)
    GET  /v3/refund/domestic/refunds/{out_refund_no}    the refund (404 RESOURCE_NOT_EXISTS)

A refund repeated with the same out_refund_no answers the same refund: it is never applied twice. An order
refunded in full reads REFUND.
"""

from __future__ import annotations

from flask import Blueprint, g

from payment_gateway import db, orders
from payment_gateway.context import gateway_config, gateway_now
from payment_gateway.problems import WeChatError
from payment_gateway.routes.common import effects, json_body, text_field

blueprint = Blueprint("refunds", __name__)


def _view(refund, order) -> dict:
    return {
        "refund_id": refund["refund_id"],
        "out_refund_no": refund["out_refund_no"],
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": refund["created_at"],
        "success_time": refund["success_time"],
        "status": refund["status"],
        "funds_account": "AVAILABLE",
        "amount": {"total": order["total"], "refund": refund["amount"], "payer_total": order["total"],
                   "payer_refund": refund["amount"], "settlement_total": order["total"],
                   "settlement_refund": refund["amount"], "discount_refund": 0, "currency": "CNY"},
    }


@blueprint.post("/v3/refund/domestic/refunds")
def create_refund() -> tuple[dict, int]:
    body = json_body()
    out_refund_no = text_field(body, "out_refund_no", high=64)
    amount = body.get("amount") if isinstance(body.get("amount"), dict) else {}
    refund_fen, total = amount.get("refund"), amount.get("total")
    if not all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in (refund_fen, total)):
        raise WeChatError("PARAM_ERROR", "amount.refund 与 amount.total 应为正整数（分）", detail={"field": "amount"})
    config, now = gateway_config(), gateway_now()
    refused = None
    with db.write(g.conn):
        order = (orders.load(g.conn, out_trade_no=body["out_trade_no"]) if isinstance(body.get("out_trade_no"), str)
                 else orders.load(g.conn, transaction_id=str(body.get("transaction_id", ""))))
        if order is None or order["mchid"] != g.mchid:
            fail, refund = False, None
        else:
            fail = effects(g.conn, "refund", order["out_trade_no"])
            refund = g.conn.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
            if not fail and refund is None:
                order = orders.advance(g.conn, config, order, now)
                refused, refund = _refund(order, out_refund_no, refund_fen, total, str(body.get("reason", "")), now)
                order = orders.load(g.conn, out_trade_no=order["out_trade_no"])
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    if order is None or order["mchid"] != g.mchid:
        raise WeChatError("RESOURCE_NOT_EXISTS", "订单不存在")
    if refused is not None:
        raise refused
    if refund["out_trade_no"] != order["out_trade_no"]:
        raise WeChatError("INVALID_REQUEST", "退款单号已用于其他订单")
    return _view(refund, order), 200


def _refund(order, out_refund_no: str, amount: int, total: int, reason: str, now):
    if total != order["total"]:
        return WeChatError("PARAM_ERROR", "订单金额与原订单不一致", detail={"field": "amount.total"}), None
    if order["trade_state"] not in ("SUCCESS", "REFUND"):
        return WeChatError("TRADE_ERROR", f"订单状态为 {order['trade_state']}，不可退款"), None
    if order["refunded"] + amount > order["total"]:
        return WeChatError("NOT_ENOUGH"), None
    refund_id = f"50300{now:%Y%m%d}{g.conn.execute('SELECT COUNT(*) FROM refunds').fetchone()[0] + 1:015d}"
    g.conn.execute("INSERT INTO refunds (out_refund_no, refund_id, out_trade_no, amount, status, reason, created_at, "
                   "success_time) VALUES (?, ?, ?, ?, 'SUCCESS', ?, ?, ?)",
                   (out_refund_no, refund_id, order["out_trade_no"], amount, reason[:80], orders.iso(now),
                    orders.iso(now)))
    refunded = order["refunded"] + amount
    g.conn.execute("UPDATE orders SET refunded = ?, trade_state = ? WHERE out_trade_no = ?",
                   (refunded, "REFUND" if refunded == order["total"] else order["trade_state"], order["out_trade_no"]))
    orders.log(g.conn, order["out_trade_no"], now, f"refunded {amount} fen ({out_refund_no})")
    return None, g.conn.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()


@blueprint.get("/v3/refund/domestic/refunds/<out_refund_no>")
def query_refund(out_refund_no: str) -> tuple[dict, int]:
    refund = g.conn.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
    order = orders.load(g.conn, out_trade_no=refund["out_trade_no"]) if refund is not None else None
    if order is None or order["mchid"] != g.mchid:
        raise WeChatError("RESOURCE_NOT_EXISTS", "退款单不存在")
    with db.write(g.conn):
        fail = effects(g.conn, "refund_query", order["out_trade_no"])
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    return _view(refund, order), 200
