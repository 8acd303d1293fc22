"""The gas API's refusals as RFC 9457 problem details, with a stable code and a Chinese and an English message.

Every refusal is a `Problem` raised from a handler; `install` turns it (and Flask's own 404/405/413/415, and
anything unexpected) into `application/problem+json`:

    {"type": "https://gas-api.invalid/problems/account_in_arrears", "title": "Account in arrears",
     "status": 409, "code": "account_in_arrears", "message_zh": "...", "message_en": "..."}

The table below is the one place where codes and messages live; docs/gas-api.md lists the same codes (a
test keeps them equal). Messages never hold personal data: fixed sentences, filled only with counts,
amounts, states and codes.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

__all__ = ["Problem", "PROBLEMS", "install", "problem_response", "server_failure"]

log = logging.getLogger("gas_server")

PROBLEM_TYPE_BASE = "https://gas-api.invalid/problems/"

_COUNTER = "请到燃气营业厅办理。"

# code: (HTTP status, English title, Chinese message, English message)
PROBLEMS: dict[str, tuple[int, str, str, str]] = {
    # -- the request itself ------------------------------------------------------------------------
    "invalid_request": (422, "Invalid request", "请求内容不正确，请重新操作。", "The request body is invalid."),
    "malformed_json": (400, "Malformed JSON", "请求格式错误，请重新操作。", "The request body is not a JSON object."),
    "unsupported_media_type": (415, "Unsupported media type", "请求格式错误，请重新操作。",
                               "POST bodies must be application/json."),
    "payload_too_large": (413, "Payload too large", "请求内容过大。", "Request bodies are limited to 16 KiB."),
    "missing_signature": (401, "Missing signature", "终端认证失败，请联系燃气公司。",
                          "The request lacks the X-Gas-* signature headers."),
    "unknown_terminal": (401, "Unknown terminal", "终端未在燃气公司登记，请联系燃气公司。",
                         "This terminal id is not registered with the utility."),
    "bad_signature": (401, "Bad signature", "终端认证失败，请联系燃气公司。",
                      "The request signature does not match; check the terminal key and clock."),
    "stale_timestamp": (401, "Stale timestamp", "终端时间不准确，请联系工作人员。",
                        "The request timestamp is outside the accepted window; check the terminal clock (NTP)."),
    "replayed_request": (401, "Replayed request", "重复的请求已被拒绝。",
                         "This nonce was already used; every request must carry a fresh nonce."),
    "idempotency_key_missing": (400, "Idempotency key missing", "请求格式错误，请重新操作。",
                                "Every POST must carry an Idempotency-Key header (8-128 characters)."),
    "idempotency_key_reused": (422, "Idempotency key reused", "请求冲突，请重新操作。",
                               "This Idempotency-Key was used with a different request body."),
    "request_in_flight": (409, "Request in flight", "上一个请求正在处理，请稍候。",
                          "A request with this Idempotency-Key is still being processed; retry later."),
    "not_found": (404, "Not found", "未找到相关信息。", "No such resource."),
    "method_not_allowed": (405, "Method not allowed", "请求方式错误。", "This method is not allowed here."),
    # -- accounts and cards ------------------------------------------------------------------------
    "card_not_found": (404, "Card not found", "未找到该燃气卡的用户信息，" + _COUNTER,
                       "No account holds this card number."),
    "purchase_count_mismatch": (409, "Purchase count mismatch", "燃气卡购气次数与系统记录不符，" + _COUNTER,
                                "The card's purchase count does not match the utility's."),
    "account_in_arrears": (409, "Account in arrears", "您的账户有欠费，请先到燃气营业厅缴清欠费后再购气。",
                           "The account owes money; it cannot buy gas until the arrears are paid."),
    "rewrite_pending": (409, "Rewrite pending", "您有一笔已付款的购气尚未写入燃气卡，请先补写卡。",
                        "A paid purchase is not yet confirmed on the card; write (补写卡) or confirm it first."),
    # -- quotes and limits -------------------------------------------------------------------------
    "below_minimum_purchase": (409, "Below minimum purchase", "购气量低于单次最低购气量，请增加购气金额。",
                               "The purchase is below the tariff's minimum volume."),
    "purchase_limit_exceeded": (409, "Purchase limit exceeded", "超出单次购气上限，请减少购气量。",
                                "The purchase is over the tariff's per-purchase limit."),
    "yearly_limit_exceeded": (409, "Yearly limit exceeded", "超出本年度购气上限，" + _COUNTER,
                              "The purchase would take the account over its yearly limit."),
    "quote_changed": (409, "Quote changed", "气价已变化，请重新确认购气金额。",
                      "The amount and volume are not a quote at the tariff now; quote again."),
    # -- orders ------------------------------------------------------------------------------------
    "order_exists": (409, "Order exists", "该卡已有一笔未完成的订单，请稍后再试。",
                     "Another order holds this card and purchase count."),
    "order_not_found": (404, "Order not found", "未找到该订单。", "No order with this id."),
    "order_state_conflict": (409, "Order state conflict", "订单状态已变化，无法执行该操作。",
                             "The order is not in a state that allows this step."),
    "order_cancelled": (409, "Order cancelled", "订单已取消，本次付款将原路退回。",
                        "The order was cancelled; a payment for it must be reversed or refunded."),
    "payment_conflict": (409, "Payment conflict", "该订单已有另一笔付款，本次付款将原路退回。",
                         "Another payment is already recorded for this order; reverse or refund this one."),
    "payment_amount_mismatch": (422, "Payment amount mismatch", "付款金额与订单金额不符。",
                                "The payment's amount differs from the order's."),
    "write_reserved_elsewhere": (409, "Write reserved elsewhere", "该笔购气正在其他终端写卡，请稍后再试。",
                                 "Another terminal holds a live write reservation for this order."),
    "reservation_mismatch": (409, "Reservation mismatch", "写卡凭据已失效，请重新操作。",
                             "The reservation id is not the order's current reservation."),
    "read_back_mismatch": (422, "Read-back mismatch", "写卡结果与订单不符，请重新读卡。",
                           "What was read back from the card contradicts the reported outcome."),
    "already_written": (409, "Already written", "该笔购气已写入燃气卡。",
                        "The order's gas is confirmed on the card; it cannot be written again or refunded."),
    "write_unverified": (409, "Write unverified", "未能确认燃气卡上的购气状态，请重新插卡读卡后再办理退款。",
                         "The failed write was never read back: the card may carry the gas. Read the card again"
                         " (reserve, then confirm what it holds) before a refund."),
    # -- the server --------------------------------------------------------------------------------
    "internal_error": (500, "Internal error", "系统繁忙，请稍后再试。", "The gas utility server failed; see its log."),
    "database_busy": (503, "Database busy", "系统繁忙，请稍后再试。",
                      "The utility's database stayed locked too long; nothing was done, retry."),
}


class Problem(Exception):
    """A refusal with a stable code from PROBLEMS; `detail` adds non-personal specifics."""

    def __init__(self, code: str, *, detail: str | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        status, title, zh, en = PROBLEMS[code]
        self.code = code
        self.status = status
        self.title = title
        self.message_zh = zh
        self.message_en = en if detail is None else f"{en} {detail}"
        self.errors = errors
        super().__init__(f"{code}: {self.message_en}")

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + self.code, "title": self.title, "status": self.status,
                               "code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}
        if self.errors:
            doc["errors"] = self.errors
        return doc


def problem_response(problem: Problem) -> Response:
    return Response(json.dumps(problem.document(), ensure_ascii=False), status=problem.status,
                    mimetype="application/problem+json")


def server_failure(error: Exception) -> Problem:
    """The 5xx problem an unexpected exception becomes: busy for a locked database, else internal."""
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return Problem("database_busy")
    log.error("unexpected %s while serving a request", type(error).__name__)   # the type only: never a body
    return Problem("internal_error")


def install(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
                415: "unsupported_media_type"}.get(status, "invalid_request" if status < 500 else "internal_error")
        return problem_response(Problem(code))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return problem_response(server_failure(error))
