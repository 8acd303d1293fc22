"""Errors as RFC 9457 problem details, with a stable code and a Chinese and an English message.

Every refusal of the API is a `Problem` raised from a handler; `install` turns it (and Flask's own
404/405, and anything unexpected) into `application/problem+json`:

    {"type": "https://kiosk-api.invalid/problems/queue_closed", "title": "Queue closed",
     "status": 409, "code": "queue_closed", "message_zh": "...", "message_en": "..."}

The table below is the one place where codes and messages live; the API guide lists the same codes.
Messages never contain personal data: they are fixed sentences, filled only with codes and times.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from hall_server import db

__all__ = ["Problem", "PROBLEMS", "install", "problem_response", "server_failure"]

log = logging.getLogger("hall_server")

PROBLEM_TYPE_BASE = "https://kiosk-api.invalid/problems/"

# code: (HTTP status, English title, Chinese message, English message)
PROBLEMS: dict[str, tuple[int, str, str, str]] = {
    "invalid_request": (422, "Invalid request", "请求内容不正确，请重新操作。", "The request body is invalid."),
    "malformed_json": (400, "Malformed JSON", "请求格式错误，请重新操作。", "The request body is not a JSON object."),
    "unsupported_media_type": (415, "Unsupported media type", "请求格式错误，请重新操作。",
                               "POST bodies must be application/json."),
    "payload_too_large": (413, "Payload too large", "请求内容过大。",
                          "Request bodies are limited to 64 KiB (a batch to 1 MiB)."),
    "missing_signature": (401, "Missing signature", "终端认证失败，请联系工作人员。",
                          "The request lacks the X-Kiosk-* signature headers."),
    "unknown_kiosk": (401, "Unknown kiosk", "终端未登记，请联系工作人员。", "This kiosk id is not registered."),
    "bad_signature": (401, "Bad signature", "终端认证失败，请联系工作人员。",
                      "The request signature does not match; check the kiosk secret and clock."),
    "stale_timestamp": (401, "Stale timestamp", "终端时间不准确，请联系工作人员。",
                        "The request timestamp is outside the accepted window; check the kiosk clock (NTP)."),
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
    "matter_not_found": (404, "Matter not found", "未找到该事项。", "No matter with this code."),
    "package_not_found": (404, "Package not found", "未找到该一件事套餐。", "No package with this code."),
    "queue_not_found": (404, "Queue not found", "未找到该业务队列。", "No queue with this code."),
    "queue_closed": (409, "Queue closed", "该业务当前不在办理时间，请在办公时间内取号。",
                     "The queue is outside its business hours."),
    "ticket_not_found": (404, "Ticket not found", "未找到该排队号。", "No ticket with this id."),
    "appointment_not_found": (404, "Appointment not found", "未找到您的预约信息。",
                              "No appointment with this id for this identity number."),
    "appointment_not_today": (409, "Appointment not today", "该预约不是今天的，无法签到。",
                              "Only today's appointments can be checked in."),
    "appointment_past": (409, "Appointment past", "该预约日期已过，无法取消。",
                         "An appointment of a past day cannot be cancelled."),
    "appointment_cancelled": (409, "Appointment cancelled", "该预约已取消。", "The appointment was cancelled."),
    "already_checked_in": (409, "Already checked in", "该预约已签到，请勿重复签到。",
                           "The appointment was already checked in."),
    "slot_not_available": (409, "Slot not available", "该时段不可预约，请选择其他时段。",
                           "This slot does not exist, is in the past or the hall is closed then."),
    "slot_full": (409, "Slot full", "该时段已约满，请选择其他时段。", "This slot is fully booked."),
    "already_booked": (409, "Already booked", "您当天已预约该事项。",
                       "This person already holds an appointment for this matter on that day."),
    "matter_not_appointable": (409, "Matter not appointable", "该事项无需预约，请直接取号。",
                               "This matter takes no appointments."),
    "case_not_found": (404, "Case not found", "未找到办件信息。", "No case with this number."),
    "proof_not_available": (409, "Proof not available", "暂无可出具的证明。",
                            "No record backs this proof for this person."),
    "not_yet_served": (409, "Not yet served", "办理完成后才能评价。", "Only a served ticket can be reviewed."),
    "already_reviewed": (409, "Already reviewed", "您已评价过，感谢您的参与。",
                         "This ticket or case was already reviewed."),
    "reasons_required": (422, "Reasons required", "请选择不满意的原因。",
                         "An unsatisfied review must name at least one reason."),
    "rate_limited": (429, "Too many lookups", "查询过于频繁，请稍后再试。",
                     "Too many identity lookups from this kiosk or for this person; retry after Retry-After seconds."),
    "internal_error": (500, "Internal error", "系统繁忙，请稍后再试。",
                       "The hall server failed; see its log."),
    "database_busy": (503, "Database busy", "系统繁忙，请稍后再试。",
                      "The hall database stayed locked too long; retry."),
}


class Problem(Exception):
    """A refusal with a stable code from PROBLEMS; `detail` adds non-personal specifics."""

    def __init__(self, code: str, *, detail: str | None = None, errors: list[dict[str, Any]] | None = None,
                 message_zh: str | None = None, headers: dict[str, str] | None = None) -> None:
        status, title, zh, en = PROBLEMS[code]
        self.headers = headers or {}
        self.code = code
        self.status = status
        self.title = title
        self.message_zh = message_zh or zh
        self.message_en = en if detail is None else f"{en} {detail}"
        self.errors = errors
        super().__init__(f"{code}: {self.message_en}")

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.errors:
            doc["errors"] = self.errors
        return doc


def problem_response(problem: Problem) -> Response:
    return Response(json.dumps(problem.document(), ensure_ascii=False), status=problem.status,
                    mimetype="application/problem+json", headers=problem.headers)


def server_failure(error: Exception) -> Problem:
    """The 5xx problem that an unexpected exception becomes: busy for a locked database, else internal."""
    if db.is_busy(error):
        return Problem("database_busy")
    # The type only: an exception text may quote a body, and bodies hold personal data.
    log.error("unexpected %s while serving a request", type(error).__name__)
    return Problem("internal_error")


def install(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
                415: "unsupported_media_type"}.get(
            error.code or 500, "invalid_request" if (error.code or 500) < 500 else "internal_error")
        response = problem_response(Problem(code))
        valid_methods = getattr(error, "valid_methods", None)
        if error.code == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(sorted(valid_methods))       # RFC 9110: a 405 names them
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return problem_response(server_failure(error))
