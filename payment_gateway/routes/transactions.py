"""Payment-code (付款码) and Native orders: create, query, reverse, close.

    POST /v3/pay/transactions/codepay                          200 SUCCESS, 202 USERPAYING, 403 NOTENOUGH ...
    POST /v3/pay/transactions/native                           200 {"code_url": ...}
    GET  /v3/pay/transactions/out-trade-no/{out_trade_no}      the order (404 ORDER_NOT_EXIST)
    GET  /v3/pay/transactions/id/{transaction_id}              the same, by WeChat's id
    POST /v3/pay/transactions/out-trade-no/{out_trade_no}/reverse   200: REVOKED (the money back if it was paid)
    POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close     204: a Native order CLOSED

A payment-code request repeated with the same out_trade_no, code and amount answers the order as it stands
now (WeChat's "call again with the same parameters"); with anything different, 400 OUT_TRADE_NO_USED.
"""

from __future__ import annotations

import json
import re
import secrets

from flask import Blueprint, Response, g, request

from domain.payment import PaymentCode
from payment_gateway import db, orders
from payment_gateway.behaviours import Behaviour, take, take_dropped
from payment_gateway.context import gateway_config, gateway_now
from payment_gateway.problems import WeChatError
from payment_gateway.routes.common import apply_effects, check_merchant, effects, json_body, text_field

blueprint = Blueprint("transactions", __name__)

_OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
_PAYMENT_CODE = re.compile(r"^1[0-5]\d{16}$")


def _order_fields(body: dict) -> tuple[str, str, str, int]:
    out_trade_no = text_field(body, "out_trade_no", low=6, high=32)
    if not _OUT_TRADE_NO.match(out_trade_no):
        raise WeChatError("PARAM_ERROR", "out_trade_no 格式错误", detail={"field": "out_trade_no"})
    description = text_field(body, "description", high=127)
    amount = body.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    if isinstance(total, bool) or not isinstance(total, int) or total <= 0:
        raise WeChatError("PARAM_ERROR", "amount.total 应为正整数（分）", detail={"field": "amount.total"})
    if amount.get("currency", "CNY") != "CNY":  # type: ignore[union-attr]
        raise WeChatError("PARAM_ERROR", "仅支持人民币", detail={"field": "amount.currency"})
    mchid, appid = text_field(body, "mchid"), text_field(body, "appid")
    check_merchant(mchid, appid)
    return out_trade_no, description, appid, total


def _codepay_answer(row) -> tuple[dict, int]:
    state = row["trade_state"]
    if state == "SUCCESS":
        return orders.transaction_view(row), 200
    if state == "USERPAYING":
        raise WeChatError("USERPAYING")
    if state == "PAYERROR":
        raise WeChatError(row["failure_code"] or "TRADE_ERROR")
    if state == "CLOSED":
        raise WeChatError("ORDER_CLOSED")
    raise WeChatError("TRADE_ERROR", "订单已撤销" if state == "REVOKED" else "订单已退款")


@blueprint.post("/v3/pay/transactions/codepay")
def codepay() -> tuple[dict, int]:
    body = json_body()
    out_trade_no, description, appid, total = _order_fields(body)
    payer = body.get("payer")
    auth_code = payer.get("auth_code") if isinstance(payer, dict) else None
    if not isinstance(auth_code, str) or not _PAYMENT_CODE.match(auth_code):
        raise WeChatError("AUTH_CODE_INVALID")
    config, now = gateway_config(), gateway_now()
    scene = body.get("scene_info") if isinstance(body.get("scene_info"), dict) else {}
    device_id = str((scene or {}).get("device_id", ""))[:32]
    with db.write(g.conn):
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if row is not None:
            if row["auth_code_hash"] != orders.code_hash(auth_code) or row["total"] != total:
                refused = WeChatError("OUT_TRADE_NO_USED")
            else:
                refused = None
                fail = effects(g.conn, "codepay", out_trade_no)
                row = orders.advance(g.conn, config, orders.load(g.conn, out_trade_no=out_trade_no), now)
        else:
            key, state = orders.behaviour_for(g.conn, out_trade_no=out_trade_no, auth_code=auth_code)
            if take_dropped(state):
                if key is not None:
                    g.conn.execute("UPDATE behaviours SET behaviour = ? WHERE key = ?", (json.dumps(state), key))
                refused = WeChatError("SYSTEM_ERROR")
            else:
                fail, hold, tamper = take(state, "codepay")
                apply_effects(hold, tamper)
                behaviour = Behaviour.from_dict(state)
                refused = WeChatError("AUTH_CODE_EXPIRE") if behaviour.refusal == "AUTH_CODE_EXPIRE" else None
                if refused is None:
                    row = _create(out_trade_no, appid, description, total, auth_code, device_id, behaviour, state,
                                  now)
    if refused is not None:
        raise refused
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    return _codepay_answer(row)


def _create(out_trade_no: str, appid: str, description: str, total: int, auth_code: str, device_id: str,
            behaviour: Behaviour, state: dict, now):
    openid = behaviour.openid or "o" + orders.code_hash(auth_code)[:27]
    if behaviour.refusal == "NOTENOUGH":
        trade_state, confirm_s, failure = "PAYERROR", None, "NOTENOUGH"
    elif behaviour.confirm_after_s == 0:
        trade_state, confirm_s, failure = "SUCCESS", None, None
    else:
        trade_state, failure = "USERPAYING", None
        confirm_s = None if behaviour.confirm_after_s is None else now.timestamp() + behaviour.confirm_after_s
    g.conn.execute(
        "INSERT INTO orders (out_trade_no, mchid, appid, trade_type, description, total, auth_code_hash, "
        "auth_code_masked, transaction_id, trade_state, failure_code, created_at, created_s, confirm_s, "
        "success_time, payer_openid, device_id, behaviour) VALUES (?, ?, ?, 'MICROPAY', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?)",
        (out_trade_no, g.mchid, appid, description, total, orders.code_hash(auth_code),
         PaymentCode.masked_text(auth_code), orders.new_transaction_id(g.conn, now), trade_state, failure,
         orders.iso(now), now.timestamp(), confirm_s, orders.iso(now) if trade_state == "SUCCESS" else None,
         openid, device_id, json.dumps(state)))
    orders.log(g.conn, out_trade_no, now, f"codepay: {trade_state}" + (f" ({failure})" if failure else ""))
    return orders.load(g.conn, out_trade_no=out_trade_no)


@blueprint.post("/v3/pay/transactions/native")
def native() -> tuple[dict, int]:
    body = json_body()
    out_trade_no, description, appid, total = _order_fields(body)
    now = gateway_now()
    with db.write(g.conn):
        fail = effects(g.conn, "native", out_trade_no)
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if row is None and not fail:
            g.conn.execute(
                "INSERT INTO orders (out_trade_no, mchid, appid, trade_type, description, total, transaction_id, "
                "trade_state, created_at, created_s, payer_openid) VALUES (?, ?, ?, 'NATIVE', ?, ?, ?, 'NOTPAY', "
                "?, ?, ?)",
                (out_trade_no, g.mchid, appid, description, total, orders.new_transaction_id(g.conn, now),
                 orders.iso(now), now.timestamp(), "o" + secrets.token_hex(14)))
            orders.log(g.conn, out_trade_no, now, "native: NOTPAY")
            row = orders.load(g.conn, out_trade_no=out_trade_no)
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    if row["trade_type"] != "NATIVE" or row["total"] != total:
        raise WeChatError("OUT_TRADE_NO_USED")
    return {"code_url": f"weixin://wxpay/bizpayurl?pr={orders.code_hash(row['transaction_id'])[:10]}"}, 200


def _query(row_finder) -> tuple[dict, int]:
    if request.args.get("mchid") != g.mchid:
        raise WeChatError("PARAM_ERROR", "mchid 与签名商户不一致", detail={"field": "mchid"})
    config, now = gateway_config(), gateway_now()
    with db.write(g.conn):
        row = row_finder()
        fail = effects(g.conn, "query", row["out_trade_no"] if row is not None else request.view_args["key"])
        if row is not None and not fail:
            row = orders.advance(g.conn, config, row, now)
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    if row is None or row["mchid"] != g.mchid:
        raise WeChatError("ORDER_NOT_EXIST")
    return orders.transaction_view(row), 200


@blueprint.get("/v3/pay/transactions/out-trade-no/<key>")
def query_by_out_trade_no(key: str) -> tuple[dict, int]:
    return _query(lambda: orders.load(g.conn, out_trade_no=key))


@blueprint.get("/v3/pay/transactions/id/<key>")
def query_by_transaction_id(key: str) -> tuple[dict, int]:
    return _query(lambda: orders.load(g.conn, transaction_id=key))


@blueprint.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/reverse")
def reverse(out_trade_no: str) -> tuple[dict, int]:
    body = json_body()
    check_merchant(text_field(body, "mchid"), text_field(body, "appid"))
    config, now = gateway_config(), gateway_now()
    refused = None
    with db.write(g.conn):
        fail = effects(g.conn, "reverse", out_trade_no)
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if not fail and row is not None and row["mchid"] == g.mchid:
            refused = _reverse(row, config, now)
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    if row is None or row["mchid"] != g.mchid:
        raise WeChatError("ORDER_NOT_EXIST")
    if refused is not None:
        raise refused
    return {"appid": row["appid"], "mchid": row["mchid"], "out_trade_no": out_trade_no}, 200


def _reverse(row, config, now) -> WeChatError | None:
    behaviour = Behaviour.from_dict(json.loads(row["behaviour"]))
    out_trade_no = row["out_trade_no"]
    if behaviour.lands_during_reverse and row["trade_state"] == "USERPAYING":
        g.conn.execute("UPDATE orders SET trade_state = 'SUCCESS', success_time = ? WHERE out_trade_no = ?",
                       (orders.iso(now), out_trade_no))
        orders.log(g.conn, out_trade_no, now, "paid: the user confirmed as the reverse arrived")
    row = orders.advance(g.conn, config, orders.load(g.conn, out_trade_no=out_trade_no), now)
    state = row["trade_state"]
    if behaviour.reverse_refused:
        orders.log(g.conn, out_trade_no, now, f"reverse refused ({state})")
        return WeChatError("TRADE_ERROR", "当前订单不允许撤销")
    if row["trade_type"] != "MICROPAY":
        return WeChatError("TRADE_ERROR", "非付款码订单请调用关单")
    if state == "REFUND":
        return WeChatError("TRADE_ERROR", "订单已退款")
    if state in ("REVOKED", "CLOSED"):
        return None
    returned = 1 if state == "SUCCESS" else 0
    g.conn.execute("UPDATE orders SET trade_state = 'REVOKED', money_returned = ? WHERE out_trade_no = ?",
                   (returned, out_trade_no))
    orders.log(g.conn, out_trade_no, now, "reversed" + (": the money went back to the user" if returned else ""))
    return None


@blueprint.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
def close(out_trade_no: str) -> Response:
    body = json_body()
    check_merchant(text_field(body, "mchid"))
    config, now = gateway_config(), gateway_now()
    refused = None
    with db.write(g.conn):
        fail = effects(g.conn, "close", out_trade_no)
        row = orders.load(g.conn, out_trade_no=out_trade_no)
        if not fail and row is not None and row["mchid"] == g.mchid:
            row = orders.advance(g.conn, config, row, now)
            if row["trade_type"] != "NATIVE":
                refused = WeChatError("TRADE_ERROR", "付款码订单请调用撤销")
            elif row["trade_state"] == "SUCCESS":
                refused = WeChatError("TRADE_ERROR", "订单已支付")
            elif row["trade_state"] == "NOTPAY":
                g.conn.execute("UPDATE orders SET trade_state = 'CLOSED' WHERE out_trade_no = ?", (out_trade_no,))
                orders.log(g.conn, out_trade_no, now, "closed by the merchant")
    if fail:
        raise WeChatError("SYSTEM_ERROR")
    if row is None or row["mchid"] != g.mchid:
        raise WeChatError("ORDER_NOT_EXIST")
    if refused is not None:
        raise refused
    return Response(status=204)
