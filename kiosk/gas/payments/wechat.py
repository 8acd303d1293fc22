"""WeChat Pay by payment code (付款码) at an unattended terminal, through the `wechatpayv3` SDK.

The terminal scans the code on the citizen's phone and asks WeChat Pay to take the amount. WeChat's rules for
unattended terminals are followed to the letter, and every order is brought to SUCCESS, CLOSED or REVOKED:

    codepay ──200 SUCCESS──────────────────────────────────────────────────────────▶ paid
       │ 202 USERPAYING, or no answer (500, timeout, an answer that fails verification)
       ▼
    query every 5 s (the clock's waits) ──SUCCESS──▶ paid      CLOSED / REVOKED ──▶ not paid
       │ 30 s after codepay, still not paid (or the citizen cancelled)
       ▼
    reverse (撤销) ──200──▶ query ──▶ REVOKED (the money back, if it landed meanwhile) or CLOSED
       │ refused (403)
       ▼
    query ──SUCCESS──▶ refund (退款) ──▶ REFUNDED       unpaid ──▶ query until WeChat closes it (45 s)

A refusal (insufficient balance, ...) is ended the same way, by reverse. A payment that lands while the
reverse is under way is handled by the reverse itself (WeChat returns the money: REVOKED) or, when the
reverse is refused, by the query that follows (paid: refunded). Retries of reverse, query and refund are
bounded; when no final answer can be had the call raises `PaymentUnresolved`, and the caller settles it
later with `reverse` (safe to repeat).

Every answer the SDK accepts is signed by the platform key it was given (answers that fail verification
count as no answer: never as a payment) and must name this merchant, this order and this amount. The SDK
is pointed at the gateway's base URL (the reference gateway on loopback in the demo and the tests) and
given the platform public key and its id, so that it never downloads certificates.

Idempotency: out_trade_no is the caller's order id. `pay` first asks whether the order exists and, if so,
continues it instead of asking for a new scan; a codepay repeated with the same code is answered with the
order as it stands; reverse and the refund (out_refund_no = order id + "R") are safe to repeat.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from domain.payment import (
    NotPaidReason, Payer, PaymentCode, PaymentMethod, PaymentOutcome, PaymentProgress, PaymentRequest, PaymentState,
    PaymentStep,
)
from drivers.scanner.errors import NotAPaymentCode, ScannerError
from kiosk.gas.payments.interface import (
    CodeSource, MerchantRejected, PaymentClock, PaymentMethodUnavailable, PaymentUnresolved, ProgressCallback,
    SystemPaymentClock, no_progress,
)

__all__ = ["WeChatPayBackend", "wechat_client", "QUERY_INTERVAL_S", "USER_CONFIRM_LIMIT_S"]

log = logging.getLogger(__name__)

# WeChat Pay's rules for payment codes at unattended terminals.
QUERY_INTERVAL_S = 5.0
USER_CONFIRM_LIMIT_S = 30.0
# After a refused reverse, an unpaid order is closed by WeChat itself after about 45 s: wait that out.
SETTLE_LIMIT_S = 60.0
RETRIES = 3
RETRY_WAIT_S = 1.0

_STATES = {"SUCCESS": PaymentState.SUCCESS, "CLOSED": PaymentState.CLOSED, "REVOKED": PaymentState.REVOKED,
           "REFUND": PaymentState.REFUNDED}
_MERCHANT_CODES = {"SIGN_ERROR", "APPID_MCHID_NOT_MATCH", "PARAM_ERROR", "INVALID_REQUEST", "MCH_NOT_EXISTS",
                   "NO_AUTH", "RULE_LIMIT"}
_CODE_REFUSED = {"AUTH_CODE_INVALID", "AUTH_CODE_EXPIRE", "AUTHCODEEXPIRE", "AUTH_CODE_ERROR", "BUYER_MISMATCH"}


def wechat_client(*, mchid: str, appid: str, merchant_serial_no: str, merchant_private_key: str,
                  platform_public_key: str, platform_public_key_id: str, base_url: str,
                  connect_timeout_s: float = 3.0, read_timeout_s: float = 10.0) -> WeChatPay:
    """The SDK, set for payment codes and pointed at `base_url` (WeChat's https://api.mch.weixin.qq.com, or the
    reference gateway). The platform public key and its id spare it downloading certificates. The APIv3 key
    only decrypts callbacks and certificates, which payment codes never use."""
    client = WeChatPay(wechatpay_type=WeChatPayType.CODEPAY, mchid=mchid, private_key=merchant_private_key,
                       cert_serial_no=merchant_serial_no, appid=appid, apiv3_key="",
                       public_key=platform_public_key, public_key_id=platform_public_key_id,
                       timeout=(connect_timeout_s, read_timeout_s))
    client._core._gate_way = base_url.rstrip("/")
    return client


@dataclass(frozen=True)
class _Answer:
    status: int
    data: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.data.get("code", ""))


class _NoAnswer(Exception):
    """No answer that can be believed: the call's effect is unknown."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class WeChatPayBackend:
    method = PaymentMethod.WECHAT

    def __init__(self, client: WeChatPay, scanner: CodeSource | None, *, device_id: str,
                 clock: PaymentClock | None = None, scan_timeout_s: float = 60.0,
                 query_interval_s: float = QUERY_INTERVAL_S, confirm_limit_s: float = USER_CONFIRM_LIMIT_S,
                 settle_limit_s: float = SETTLE_LIMIT_S, retries: int = RETRIES,
                 retry_wait_s: float = RETRY_WAIT_S, on_close: Callable[[], None] | None = None) -> None:
        self.client = client
        self.scanner = scanner
        self.device_id = device_id[:32]
        self.clock: PaymentClock = clock or SystemPaymentClock()
        self.scan_timeout_s = scan_timeout_s
        self.query_interval_s = query_interval_s
        self.confirm_limit_s = confirm_limit_s
        self.settle_limit_s = settle_limit_s
        self.retries = retries
        self.retry_wait_s = retry_wait_s
        self._on_close = on_close
        self._mchid = client._mchid

    # -- the SDK, with every answer checked --

    def _call(self, function: Callable[..., Any], **arguments: Any) -> _Answer:
        try:
            status, text = function(**arguments)
        except requests.Timeout:
            raise _NoAnswer("timeout") from None
        except requests.RequestException:
            raise _NoAnswer("unreachable") from None
        except Exception as error:   # the SDK raises bare Exceptions; a failed verification is one of them
            if "signature" in str(error) or "algorithm" in str(error):
                log.warning("a WeChat Pay answer failed its signature check and was ignored")
                raise _NoAnswer("answer_not_verified") from None
            raise
        if status >= 500:
            raise _NoAnswer("provider_error")
        try:
            data = json.loads(text.decode() if isinstance(text, bytes) else text) if text else {}
        except ValueError:
            raise _NoAnswer("answer_mismatch") from None
        return _Answer(status, data if isinstance(data, dict) else {})

    def _transaction(self, answer: _Answer, order_id: str, amount_fen: int | None = None) -> dict[str, Any]:
        """The order in a 200 answer, if it is this merchant's, this order's, and (when known) this amount's."""
        data = answer.data
        total = (data.get("amount") or {}).get("total")
        if (data.get("out_trade_no") != order_id or data.get("mchid") != self._mchid or
                data.get("trade_state") is None or (amount_fen is not None and total != amount_fen)):
            log.warning("a WeChat Pay answer for order %s names another order, merchant or amount", order_id)
            raise _NoAnswer("answer_mismatch")
        return data

    def _query(self, order_id: str, amount_fen: int | None = None) -> dict[str, Any] | None:
        """The order (None: WeChat knows no such order); _NoAnswer when that cannot be known now."""
        answer = self._call(self.client.query, out_trade_no=order_id)
        if answer.status == 404 or answer.code == "ORDER_NOT_EXIST":
            return None
        if answer.status != 200:
            raise _NoAnswer("provider_error")
        return self._transaction(answer, order_id, amount_fen)

    def _retrying(self, step: Callable[[], Any], cancel: threading.Event | None = None) -> Any:
        cause = "unreachable"
        for attempt in range(self.retries):
            try:
                return step()
            except _NoAnswer as unknown:
                cause = unknown.cause
                if attempt + 1 < self.retries:
                    self.clock.wait(self.retry_wait_s)
        raise _NoAnswer(cause)

    def _outcome(self, data: dict[str, Any], reason: NotPaidReason | None = None,
                 response_code: str = "") -> PaymentOutcome:
        trade_state = data["trade_state"]
        state = _STATES.get(trade_state, PaymentState.PENDING)
        amount = data.get("amount") or {}
        details = [("trade_state", str(trade_state))]
        if state is PaymentState.REVOKED and amount.get("payer_total"):
            details.append(("money_returned", "yes"))
        openid = (data.get("payer") or {}).get("openid", "")
        return PaymentOutcome(
            order_id=data["out_trade_no"], method=self.method, state=state, amount_fen=int(amount.get("total", 0)),
            transaction_id=str(data.get("transaction_id", "")), payer=Payer.wechat(openid) if openid else None,
            reason=None if state in (PaymentState.SUCCESS, PaymentState.PENDING) else reason,
            response_code=response_code, paid_at=str(data.get("success_time", "")), details=tuple(details))

    def _closed(self, order_id: str, reason: NotPaidReason, amount_fen: int = 0,
                response_code: str = "") -> PaymentOutcome:
        """Nothing at WeChat Pay for this order: nothing was taken."""
        return PaymentOutcome(order_id, self.method, PaymentState.CLOSED, amount_fen, reason=reason,
                              response_code=response_code, details=(("trade_state", "NONE"),))

    def _unresolved(self, order_id: str, cause: str, doing: str) -> PaymentUnresolved:
        log.error("WeChat Pay order %s: no final answer while %s (%s)", order_id, doing, cause)
        return PaymentUnresolved(f"order {order_id}: no final answer from WeChat Pay while {doing} ({cause})",
                                 order_id=order_id, method=self.method, cause=cause)

    # -- paying --

    def pay(self, request: PaymentRequest, *, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> PaymentOutcome:
        """Scan, pay, and bring the order to a final state by WeChat's rules (module docstring)."""
        if request.method is not self.method:
            raise ValueError(f"this backend takes WeChat payments, not {request.method.value}")
        try:
            existing = self._query(request.order_id, request.amount_fen)
        except _NoAnswer:
            existing = None         # unknown: a new codepay with another code would be refused as OUT_TRADE_NO_USED
        if existing is not None:
            log.info("WeChat Pay order %s already exists (%s): continuing it", request.order_id,
                     existing["trade_state"])
            return self._continue(request, existing, self.clock.monotonic(), progress, cancel)
        code = self._scan(progress, cancel)
        if code is None:
            return self._closed(request.order_id,
                                NotPaidReason.CANCELLED if cancel and cancel.is_set() else NotPaidReason.NO_CODE)
        progress(PaymentProgress(PaymentStep.PROCESSING, self.method))
        started = self.clock.monotonic()
        try:
            answer: _Answer | None = self._codepay(request, code)
        except _NoAnswer as unknown:
            log.warning("WeChat Pay order %s: codepay gave no answer (%s): querying", request.order_id, unknown.cause)
            answer = None
        return self._after_codepay(request, code, answer, started, progress, cancel)

    def _scan(self, progress: ProgressCallback, cancel: threading.Event | None) -> PaymentCode | None:
        if self.scanner is None:
            raise PaymentMethodUnavailable("no code scanner is configured", method=self.method)
        try:
            self.scanner.drain()
            deadline = self.clock.monotonic() + self.scan_timeout_s
            notice = ""
            while True:
                left = deadline - self.clock.monotonic()
                if left <= 0 or (cancel is not None and cancel.is_set()):
                    return None
                progress(PaymentProgress(PaymentStep.SCAN_CODE, self.method, math.ceil(left), notice))
                try:
                    return self.scanner.read_payment_code(left, cancel)
                except NotAPaymentCode as other:
                    notice = other.code
        except ScannerError as error:
            raise PaymentMethodUnavailable(f"the code scanner cannot be used: {error}", method=self.method) from None

    def _codepay(self, request: PaymentRequest, code: PaymentCode) -> _Answer:
        return self._call(self.client.pay, description=request.description, out_trade_no=request.order_id,
                          amount={"total": request.amount_fen, "currency": "CNY"}, payer={"auth_code": code.digits},
                          scene_info={"device_id": self.device_id, "store_info": {"out_id": self.device_id}},
                          pay_type=WeChatPayType.CODEPAY)

    def _after_codepay(self, request: PaymentRequest, code: PaymentCode, answer: _Answer | None, started: float,
                       progress: ProgressCallback, cancel: threading.Event | None) -> PaymentOutcome:
        order_id = request.order_id
        if answer is not None and answer.status == 200:
            try:
                data = self._transaction(answer, order_id, request.amount_fen)
            except _NoAnswer:
                answer = None
            else:
                if data["trade_state"] == "SUCCESS":
                    return self._outcome(data)
                answer = None           # a 200 that is not SUCCESS: ask again
        if answer is not None and answer.status != 202:
            refusal = answer.code
            log.info("WeChat Pay order %s: codepay refused (%s %s)", order_id, answer.status, refusal)
            if answer.status == 401 or refusal in _MERCHANT_CODES:
                raise MerchantRejected(f"WeChat Pay refused the merchant's request ({refusal}): check mchid, appid, "
                                       "the merchant key and its serial number", order_id=order_id, method=self.method)
            if refusal == "OUT_TRADE_NO_USED":
                return self._settle_existing(request, started, progress, cancel)
            reason = (NotPaidReason.INSUFFICIENT_BALANCE if refusal == "NOTENOUGH" else
                      NotPaidReason.CODE_REFUSED if refusal in _CODE_REFUSED else NotPaidReason.PAYMENT_FAILED)
            return self._end(order_id, reason, progress, response_code=refusal, amount_fen=request.amount_fen)
        return self._poll(request, code, started, progress, cancel, resend=answer is None)

    def _settle_existing(self, request: PaymentRequest, started: float, progress: ProgressCallback,
                         cancel: threading.Event | None) -> PaymentOutcome:
        try:
            existing = self._retrying(lambda: self._query(request.order_id, request.amount_fen))
        except _NoAnswer as unknown:
            raise self._unresolved(request.order_id, unknown.cause, "asking about an earlier attempt") from None
        if existing is None:
            raise self._unresolved(request.order_id, "answer_mismatch", "asking about an earlier attempt")
        return self._continue(request, existing, started, progress, cancel)

    def _continue(self, request: PaymentRequest, data: dict[str, Any], started: float, progress: ProgressCallback,
                  cancel: threading.Event | None) -> PaymentOutcome:
        """An order that already exists: final states stand, an unpaid one gets the usual wait, then reverse."""
        state = data["trade_state"]
        if state in _STATES:
            return self._outcome(data, NotPaidReason.PAYMENT_FAILED)
        if state == "PAYERROR":
            return self._end(request.order_id, NotPaidReason.PAYMENT_FAILED, progress, amount_fen=request.amount_fen)
        return self._poll(request, None, started, progress, cancel, resend=False)

    def _poll(self, request: PaymentRequest, code: PaymentCode | None, started: float, progress: ProgressCallback,
              cancel: threading.Event | None, *, resend: bool) -> PaymentOutcome:
        order_id, reason = request.order_id, NotPaidReason.NOT_CONFIRMED
        while True:
            elapsed = self.clock.monotonic() - started
            if elapsed >= self.confirm_limit_s:
                break
            progress(PaymentProgress(PaymentStep.WAITING_FOR_USER, self.method,
                                     math.ceil(self.confirm_limit_s - elapsed)))
            if self.clock.wait(min(self.query_interval_s, self.confirm_limit_s - elapsed), cancel):
                reason = NotPaidReason.CANCELLED
                break
            try:
                data = self._query(order_id, request.amount_fen)
            except _NoAnswer as unknown:
                log.info("WeChat Pay order %s: query gave no answer (%s)", order_id, unknown.cause)
                continue
            if data is None:
                if resend and code is not None:     # codepay may never have arrived: the same request again
                    try:
                        answer = self._codepay(request, code)
                    except _NoAnswer:
                        continue
                    if answer.status == 200 or answer.status >= 400:
                        return self._after_codepay(request, code, answer, started, progress, cancel)
                continue
            state = data["trade_state"]
            if state in _STATES:
                return self._outcome(data, NotPaidReason.PAYMENT_FAILED)
            if state == "PAYERROR":
                reason = NotPaidReason.PAYMENT_FAILED
                break
        log.info("WeChat Pay order %s: not paid after %.0f s (%s): reversing", order_id,
                 self.clock.monotonic() - started, reason.value)
        return self._end(order_id, reason, progress, amount_fen=request.amount_fen)

    # -- ending an order that is not (or no longer to be) paid --

    def _end(self, order_id: str, reason: NotPaidReason, progress: ProgressCallback = no_progress, *,
             response_code: str = "", amount_fen: int | None = None) -> PaymentOutcome:
        """Reverse the order, and whatever that leaves, end it: REVOKED, CLOSED, or (paid) REFUNDED."""
        progress(PaymentProgress(PaymentStep.REVERSING, self.method))
        try:
            answer = self._retrying(lambda: self._call(self.client.codepay_reverse, out_trade_no=order_id))
        except _NoAnswer as unknown:
            raise self._unresolved(order_id, unknown.cause, "reversing") from None
        if answer.status == 200:
            log.info("WeChat Pay order %s reversed", order_id)
        elif answer.status == 404 or answer.code == "ORDER_NOT_EXIST":
            log.info("WeChat Pay order %s: nothing to reverse", order_id)
        else:
            log.warning("WeChat Pay order %s: reverse refused (%s): querying", order_id, answer.code)
        return self._settle(order_id, reason, progress, response_code=response_code, amount_fen=amount_fen,
                            reversed_=answer.status == 200)

    def _settle(self, order_id: str, reason: NotPaidReason, progress: ProgressCallback, *, response_code: str,
                amount_fen: int | None, reversed_: bool) -> PaymentOutcome:
        deadline = self.clock.monotonic() + self.settle_limit_s
        while True:
            try:
                data = self._retrying(lambda: self._query(order_id, amount_fen))
            except _NoAnswer as unknown:
                if reversed_:       # WeChat accepted the reverse (a signed answer): the money is not kept
                    return PaymentOutcome(order_id, self.method, PaymentState.REVOKED, amount_fen or 0,
                                          reason=reason, response_code=response_code)
                raise self._unresolved(order_id, unknown.cause, "confirming the end of the order") from None
            if data is None:
                return self._closed(order_id, reason, amount_fen or 0, response_code)
            state = data["trade_state"]
            if state == "SUCCESS":
                return self._refund_paid(order_id, data, reason, progress)
            if state in _STATES:
                return self._outcome(data, reason, response_code)
            if self.clock.monotonic() >= deadline:
                raise self._unresolved(order_id, "not_final", f"waiting for WeChat to close the order ({state})")
            self.clock.wait(self.query_interval_s)

    def _refund_paid(self, order_id: str, data: dict[str, Any], reason: NotPaidReason,
                     progress: ProgressCallback) -> PaymentOutcome:
        progress(PaymentProgress(PaymentStep.REFUNDING, self.method))
        total = int(data["amount"]["total"])
        out_refund_no = f"{order_id}R"

        def refund() -> _Answer:
            return self._call(self.client.refund, out_refund_no=out_refund_no, out_trade_no=order_id,
                              amount={"refund": total, "total": total, "currency": "CNY"}, reason="终端撤销")

        try:
            answer = self._retrying(refund)
        except _NoAnswer as unknown:
            raise self._unresolved(order_id, unknown.cause, "refunding") from None
        if answer.status == 200 and answer.data.get("out_trade_no") == order_id:
            log.info("WeChat Pay order %s refunded (%s)", order_id, answer.data.get("status"))
            return PaymentOutcome(order_id, self.method, PaymentState.REFUNDED, total,
                                  transaction_id=str(data.get("transaction_id", "")),
                                  reason=NotPaidReason.REFUNDED if reason is NotPaidReason.REVERSED else reason,
                                  refund_id=str(answer.data.get("refund_id", "")),
                                  paid_at=str(data.get("success_time", "")),
                                  details=(("refund_status", str(answer.data.get("status", ""))),
                                           ("trade_state", "REFUND")))
        try:
            again = self._retrying(lambda: self._query(order_id, total))
        except _NoAnswer as unknown:
            raise self._unresolved(order_id, unknown.cause, "refunding") from None
        if again is not None and again["trade_state"] == "REFUND":
            return self._outcome(again, reason)
        raise self._unresolved(order_id, "provider_refused", f"refunding ({answer.code})")

    # -- recovery --

    def query(self, order_id: str) -> PaymentOutcome | None:
        try:
            data = self._retrying(lambda: self._query(order_id))
        except _NoAnswer as unknown:
            raise self._unresolved(order_id, unknown.cause, "querying") from None
        return None if data is None else self._outcome(data, NotPaidReason.PAYMENT_FAILED)

    def reverse(self, order_id: str) -> PaymentOutcome:
        return self._end(order_id, NotPaidReason.REVERSED)

    def refund(self, order_id: str) -> PaymentOutcome:
        try:
            data = self._retrying(lambda: self._query(order_id))
        except _NoAnswer as unknown:
            raise self._unresolved(order_id, unknown.cause, "querying before a refund") from None
        if data is None:
            return self._closed(order_id, NotPaidReason.REFUNDED)
        if data["trade_state"] == "SUCCESS":
            return self._refund_paid(order_id, data, NotPaidReason.REFUNDED, no_progress)
        if data["trade_state"] in _STATES:
            return self._outcome(data, NotPaidReason.REFUNDED)
        return self._end(order_id, NotPaidReason.REVERSED)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
