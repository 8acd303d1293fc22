"""The gas terminal's client of the gas utility's API (gas_server/openapi.yaml, docs/gas-api.md): signed,
bounded, typed.

One pooled `requests.Session`; every request is signed with this terminal's own key (domain.request_signing,
the gas scheme: X-Gas-* headers) and bounded by a connect and a read timeout. urllib3 retries, with
backoff, only what cannot have taken effect: a connection that could not be made, or a 503 the utility sent
before doing anything. Nothing that may have acted is repeated behind the caller's back: every write
takes an `idempotency_key` that the caller (the top-up saga) has journaled before the call, and after
`GasUtilityUnavailable` or `GasUtilityProtocolError` the caller repeats the call with the same key; the
utility answers the repeat with the first outcome. Lookups and quotes have no effect.

Answers are frozen dataclasses (kiosk.gas.utility_models); failures `GasUtilityUnavailable`,
`GasUtilityRejected` (with the API's stable `code`) or `GasUtilityProtocolError` (kiosk.gas.utility_errors).
Calls block: run them on a worker thread. Logs carry method, path, status and time only; card numbers
travel in JSON bodies, never in paths.

    utility = GasUtilityClient("https://gas.example.cn/terminal-api", "gt-0001", key, retries=2)
    account = utility.account(card.card_number, card.purchase_count)       # or 409 purchase_count_mismatch
    quote = utility.quote(card.card_number, amount_fen=10000)               # 99.86 元 for 37.4 m³
    order = utility.create_order(card.card_number, card.purchase_count + 1, quote, idempotency_key=k1)
    order = utility.record_payment(order.order_id, "wechat_code", "4200...", order.amount_fen,
                                   paid_at, idempotency_key=k2)
    order = utility.reserve_write(order.order_id, idempotency_key=k3)
    ...write the card, read it back...
    order = utility.confirm_written(order.order_id, order.reservation.reservation_id, card_after,
                                    idempotency_key=k4)
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from datetime import date
from typing import Any, Mapping, TypeVar
from urllib.parse import unquote, urlsplit

import requests
from pydantic import TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from domain.gas_card import GasCard
from domain.gas_signing import GAS_SIGNING
from kiosk.gas.utility_errors import (GasUtilityError, GasUtilityProtocolError, GasUtilityRejected,
                                      GasUtilityUnavailable)
from kiosk.gas.utility_models import GasAccount, GasOrder, GasQuote, Reconciliation, ReadBack, UtilityInfo

__all__ = ["GasUtilityClient", "GasUtilityError", "GasUtilityUnavailable", "GasUtilityRejected",
           "GasUtilityProtocolError"]

log = logging.getLogger("kiosk.gas.utility")

T = TypeVar("T")



class _TerminalSignature(requests.auth.AuthBase):
    """Signs each prepared request with the terminal's id and key (requests calls it per request)."""

    def __init__(self, terminal_id: str, key: bytes) -> None:
        self._terminal_id = terminal_id
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        path = unquote(parts.path) + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        request.headers.update(GAS_SIGNING.sign(self._terminal_id, self._key, request.method or "GET", path, body))
        return request


class GasUtilityClient:
    """One terminal's connection to the gas utility, shared by the app's worker threads (no state between
    calls; urllib3's pool hands each thread its own connection)."""

    def __init__(self, base_url: str, terminal_id: str, key: bytes | str, *, connect_timeout: float = 3.0,
                 read_timeout: float = 8.0, retries: int = 2, backoff_factor: float = 0.2,
                 ca_bundle: str | None = None, pool_size: int = 4) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("gas utility base_url must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.auth = _TerminalSignature(terminal_id, key.encode("utf-8") if isinstance(key, str) else key)
        self.session.headers.update({"Accept": "application/json", "User-Agent": f"gas-terminal/{terminal_id}"})
        # connect: the request never left; status 503: the utility refused before acting (and forgets the
        # nonce, so the identical signed request may come again). Read timeouts are never retried here.
        retry = Retry(total=retries, connect=retries, read=False, status=retries, other=0, redirect=0,
                      allowed_methods=frozenset({"GET", "POST"}), status_forcelist=(503,),
                      backoff_factor=backoff_factor, respect_retry_after_header=True, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Passed with every request: a session attribute would lose to REQUESTS_CA_BUNDLE in the environment.
        self._verify: str | bool = ca_bundle if ca_bundle else True

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "GasUtilityClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the utility, accounts, quotes ---------------------------------------------------------------

    def utility_info(self) -> UtilityInfo:
        """Name, hotline, counter (for vouchers), tariffs and the utility's clock; also a reachability probe."""
        return self._typed(UtilityInfo, self._send("GET", "/v1/utility"), "GET /v1/utility")

    def account(self, card_number: str, purchase_count: int) -> GasAccount:
        """The card's account, checked against the count the card carries: `card_status` ok, rewrite_pending
        (write `pending_orders[0]`) or confirm_pending (the card carries it: reserve and confirm). Raises
        GasUtilityRejected card_not_found or purchase_count_mismatch."""
        return self._lookup(GasAccount, "/v1/accounts/lookup",
                            {"card_number": card_number, "purchase_count": purchase_count})

    def account_for(self, card: GasCard) -> GasAccount:
        return self.account(card.card_number, card.purchase_count)

    def pending_rewrites(self, card_number: str) -> tuple[GasOrder, ...]:
        """Orders of this card that hold money whose gas is not confirmed on the card (补写卡), oldest first."""
        document = self._send("POST", "/v1/rewrites/lookup", body={"card_number": card_number},
                              idempotency_key=_fresh_key())
        return self._typed(tuple[GasOrder, ...], _field(document, "/v1/rewrites/lookup", "rewrites"),
                           "POST /v1/rewrites/lookup")

    def quote(self, card_number: str, *, amount_fen: int | None = None,
              volume_tenths_m3: int | None = None) -> GasQuote:
        """What `amount_fen` buys, or what `volume_tenths_m3` costs, for this card now. Raises GasUtilityRejected
        account_in_arrears, below_minimum_purchase, purchase_limit_exceeded, yearly_limit_exceeded."""
        if (amount_fen is None) == (volume_tenths_m3 is None):
            raise ValueError("give exactly one of amount_fen and volume_tenths_m3")
        body: dict[str, Any] = {"card_number": card_number}
        body.update({"amount_fen": amount_fen} if amount_fen is not None else {"volume_tenths_m3": volume_tenths_m3})
        return self._lookup(GasQuote, "/v1/quotes", body)

    # -- orders ----------------------------------------------------------------------------------------

    def create_order(self, card_number: str, purchase_count: int, quote: GasQuote, *,
                     idempotency_key: str) -> GasOrder:
        """The order for purchase `purchase_count` (the card's count + 1) at `quote`'s terms: new, or this
        terminal's existing one for the same purchase. Raises GasUtilityRejected purchase_count_mismatch,
        rewrite_pending, account_in_arrears, quote_changed (quote again), order_exists, the limits."""
        return self._write("/v1/orders", {"card_number": card_number, "purchase_count": purchase_count,
                                          "amount_fen": quote.amount_fen,
                                          "volume_tenths_m3": quote.volume_tenths_m3}, idempotency_key)

    def order(self, order_id: str) -> GasOrder:
        return self._typed(GasOrder, self._send("GET", f"/v1/orders/{_order_id(order_id)}"), "GET /v1/orders/{id}")

    def record_payment(self, order_id: str, method: str, transaction_id: str, amount_fen: int, paid_at: str, *,
                       idempotency_key: str) -> GasOrder:
        """The payment succeeded: created → paid. Raises GasUtilityRejected order_cancelled or payment_conflict
        (this payment must be reversed: the order cannot take it), payment_amount_mismatch."""
        return self._write(f"/v1/orders/{_order_id(order_id)}/payment",
                           {"outcome": "paid", "method": method, "transaction_id": transaction_id,
                            "amount_fen": amount_fen, "paid_at": paid_at}, idempotency_key)

    def record_not_paid(self, order_id: str, method: str, reason: str, *, transaction_id: str | None = None,
                        idempotency_key: str) -> GasOrder:
        """The payment ended without money (reason closed, revoked, failed or abandoned): created → cancelled."""
        body: dict[str, Any] = {"outcome": "not_paid", "method": method, "reason": reason}
        if transaction_id is not None:
            body["transaction_id"] = transaction_id
        return self._write(f"/v1/orders/{_order_id(order_id)}/payment", body, idempotency_key)

    def reserve_write(self, order_id: str, *, idempotency_key: str) -> GasOrder:
        """Become the writer: paid or write_failed → write_reserved; `order.reservation.reservation_id` goes
        with the confirmation. Raises GasUtilityRejected already_written (do not write: it is on the card),
        write_reserved_elsewhere, order_state_conflict."""
        return self._write(f"/v1/orders/{_order_id(order_id)}/write/reserve", {}, idempotency_key)

    def confirm_written(self, order_id: str, reservation_id: str, read_back: GasCard | ReadBack, *,
                        idempotency_key: str) -> GasOrder:
        """The card, read back, carries the purchase: write_reserved → written. Raises GasUtilityRejected
        read_back_mismatch (it does not), reservation_mismatch (another terminal took the write over)."""
        return self._write(f"/v1/orders/{_order_id(order_id)}/write/confirm",
                           {"reservation_id": reservation_id, "outcome": "written",
                            "read_back": _read_back(read_back)}, idempotency_key)

    def report_write_failed(self, order_id: str, reservation_id: str, read_back: GasCard | ReadBack | None,
                            error_code: str, *, idempotency_key: str) -> GasOrder:
        """The write failed (`error_code`, the card driver's stable code); `read_back` is what the card holds
        now, or None when it could not be read: write_reserved → write_failed. Money stays held for 补写卡
        or a refund. Raises GasUtilityRejected read_back_mismatch when the read-back shows the purchase."""
        return self._write(f"/v1/orders/{_order_id(order_id)}/write/confirm",
                           {"reservation_id": reservation_id, "outcome": "failed",
                            "read_back": None if read_back is None else _read_back(read_back),
                            "error_code": error_code}, idempotency_key)

    def refund(self, order_id: str, reason: str, method: str, reference: str, *, idempotency_key: str) -> GasOrder:
        """The money went back (method reversal or refund, with the payment channel's `reference`): paid or
        write_failed → refunded. Raises GasUtilityRejected already_written, write_unverified (the failed write
        was reported without a read-back: read the card again first), order_state_conflict. Ask before the
        payment channel moves the money: a refusal here means the purchase may be on the card."""
        return self._write(f"/v1/orders/{_order_id(order_id)}/refund",
                           {"reason": reason, "method": method, "reference": reference}, idempotency_key)

    def reconciliation(self, day: date) -> Reconciliation:
        """This terminal's orders created on the utility's `day` (对账), by state and one by one."""
        return self._typed(Reconciliation, self._send("GET", "/v1/reconciliation", params={"date": day.isoformat()}),
                           "GET /v1/reconciliation")

    # -- transport -------------------------------------------------------------------------------------

    def _lookup(self, model: Any, path: str, body: Mapping[str, Any]) -> Any:
        return self._typed(model, self._send("POST", path, body=body, idempotency_key=_fresh_key()), f"POST {path}")

    def _write(self, path: str, body: Mapping[str, Any], idempotency_key: str) -> GasOrder:
        if not (8 <= len(idempotency_key) <= 128 and idempotency_key.isascii() and idempotency_key.isprintable()):
            raise ValueError("an idempotency key is 8-128 printable ASCII characters")
        return self._typed(GasOrder, self._send("POST", path, body=body, idempotency_key=idempotency_key),
                           f"POST {path}")

    def _send(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
              body: Mapping[str, Any] | None = None, idempotency_key: str | None = None) -> Any:
        headers, data = {}, None
        if method == "POST":
            headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key or _fresh_key()}
            data = json.dumps(body or {}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base_url + path, params=params, data=data, headers=headers,
                                            timeout=self.timeout, allow_redirects=False, verify=self._verify)
        except requests.Timeout as error:
            limit = (f"{self.timeout[0]} s (connect timeout)" if isinstance(error, requests.ConnectTimeout)
                     else f"{self.timeout[1]} s (read timeout)")
            raise GasUtilityUnavailable(f"gas utility did not answer {method} {path} within {limit}") from None
        except requests.exceptions.SSLError:
            raise GasUtilityUnavailable(f"TLS handshake with the gas utility failed for {method} {path}: check"
                                        " gas_utility.ca_bundle and the server name") from None
        except requests.exceptions.ChunkedEncodingError:
            raise GasUtilityUnavailable(f"gas utility connection broke while answering {method} {path}") from None
        except requests.ConnectionError:
            raise GasUtilityUnavailable(f"cannot connect to the gas utility at {self.base_url} for {method} {path}"
                                        " (refused, unreachable, DNS, or the connection dropped)") from None
        except requests.RequestException as error:
            raise GasUtilityUnavailable(f"gas utility request {method} {path} failed: {type(error).__name__}") from None
        log.debug("%s %s -> %d in %.0f ms", method, path, response.status_code, (time.perf_counter() - started) * 1000)
        return self._answer(method, path, response)

    @staticmethod
    def _answer(method: str, path: str, response: requests.Response) -> Any:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            document = response.json() if content_type.endswith("json") else None
        except (ValueError, requests.exceptions.RequestException):
            raise GasUtilityProtocolError(f"gas utility answered {method} {path} with HTTP {status} and malformed"
                                          f" or truncated JSON ({len(response.content)} bytes)") from None
        if 200 <= status < 300:
            if not isinstance(document, dict):
                raise GasUtilityProtocolError(f"gas utility answered {method} {path} with HTTP {status} but"
                                              f" {content_type or 'no content type'}, not a JSON object")
            return document
        problem = document if isinstance(document, dict) and isinstance(document.get("code"), str) else None
        if status >= 500:
            code = problem["code"] if problem else None
            raise GasUtilityUnavailable(f"gas utility failed: HTTP {status}{f' ({code})' if code else ''} for"
                                        f" {method} {path}", status=status, code=code)
        if problem is None:
            raise GasUtilityProtocolError(f"gas utility answered {method} {path} with HTTP {status} and"
                                          f" {content_type or 'no content type'}, not a problem document")
        raise GasUtilityRejected(status, problem["code"], str(problem.get("message_zh", "")),
                                 str(problem.get("message_en", "")))

    @staticmethod
    def _typed(model: type[T] | Any, document: Any, what: str) -> T:
        try:
            return _adapter(model).validate_python(document)
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors(include_input=False))
            raise GasUtilityProtocolError(f"gas utility's answer to {what} does not match the API: {fields}") from None


@functools.lru_cache(maxsize=None)
def _adapter(model: Any) -> TypeAdapter:
    return TypeAdapter(model)


def _fresh_key() -> str:
    return uuid.uuid4().hex


def _field(document: dict[str, Any], path: str, key: str) -> Any:
    if key not in document:
        raise GasUtilityProtocolError(f"gas utility's answer to {path} lacks '{key}'")
    return document[key]


def _read_back(read_back: GasCard | ReadBack) -> dict[str, Any]:
    return {"purchase_count": read_back.purchase_count,
            "gas": {"measure": read_back.gas.measure.value, "value": read_back.gas.value},
            "awaiting_meter": read_back.awaiting_meter}


def _order_id(order_id: str) -> str:
    """An order id as a path segment; refuses anything that could change the path."""
    if not (order_id.isascii() and order_id.isalnum() and 1 <= len(order_id) <= 32):
        raise ValueError("gas order ids are ASCII letters and digits")
    return order_id
