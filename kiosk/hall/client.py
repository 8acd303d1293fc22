"""The kiosk's client of the hall API (hall_server/openapi.yaml): signed, bounded, typed.

One `requests.Session` with pooled keep-alive connections; every request is signed (see
domain.hall_signing, Host and Idempotency-Key included) and bounded by a connect and a read timeout.
urllib3's `Retry` retries a connection that could not be made (nothing was sent); a 503 is retried here,
with backoff, as a new request signed afresh: a 503 may come from a proxy after the hall applied the
request, and the same nonce again would be refused as a replay (the Idempotency-Key makes the repeat safe).
Every POST carries an Idempotency-Key, so a caller that got `HallUnavailable` may repeat the call with the
same `idempotency_key` and still get one ticket.

Answers come back as frozen dataclasses (kiosk.hall.models); failures as `HallUnavailable`,
`HallRejected` or `HallProtocolError` (kiosk.hall.errors). Calls block: run them on a worker
thread, never on the UI thread. Logs carry method, path, status and time only; paths never hold
identity numbers (lookups send them in the JSON body).

    client = HallClient("http://127.0.0.1:8700", "kiosk-01", b"secret", connect_timeout=2, read_timeout=5,
                        retries=2)
    ticket = client.issue_ticket("social", priority="elderly", id_number=card.id_number)
    print(ticket.number, ticket.people_ahead)          # A023 4
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from datetime import date
from typing import Any, Mapping, Sequence, TypeVar
from urllib.parse import unquote, urlsplit

import requests
from pydantic import TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from domain.hall_signing import sign_request
from kiosk.hall.errors import HallError, HallProtocolError, HallRejected, HallUnavailable
from kiosk.hall.models import (Appointment, Case, Category, CheckIn, CitizenRecords, ComplaintReceipt, EventsAck,
                               HallInfo, HeartbeatAck, Matter, MatterSummary, Proof, Queue, ReviewLink,
                               ReviewReceipt, ServicePackage, SlotList, Ticket, UpcomingAppointments)

__all__ = ["HallClient", "HallSignature", "HallError", "HallUnavailable", "HallRejected", "HallProtocolError"]

log = logging.getLogger("kiosk.hall.client")

T = TypeVar("T")
_UNAVAILABLE_STATUSES = (502, 503, 504)


class HallSignature(requests.auth.AuthBase):
    """Signs each prepared request with the kiosk's id and secret (requests calls it per request)."""

    def __init__(self, kiosk_id: str, secret: bytes) -> None:
        self._kiosk_id = kiosk_id
        self._secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        path = unquote(parts.path) + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        # Sent as signed: urllib3 keeps a Host header it is given.
        request.headers["Host"] = parts.netloc
        request.headers.update(sign_request(self._kiosk_id, self._secret, request.method or "GET", path, body,
                                            host=parts.netloc,
                                            idempotency_key=request.headers.get("Idempotency-Key", "")))
        return request


class HallClient:
    """One kiosk's connection to the hall, shared by the app's worker threads.

    Calls keep no state between them (no cookies, no redirects) and urllib3's pool hands each
    thread its own connection, so worker threads may call one client at once.
    """

    def __init__(self, base_url: str, kiosk_id: str, secret: bytes | str, *, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, retries: int = 2, backoff_factor: float = 0.2,
                 ca_bundle: str | None = None, client_cert: str | tuple[str, str] | None = None,
                 pool_size: int = 4) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("hall base_url must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.auth = HallSignature(kiosk_id, secret.encode("utf-8") if isinstance(secret, str) else secret)
        self.session.headers.update({"Accept": "application/json", "User-Agent": f"gov-service-kiosk/{kiosk_id}"})
        # Connections that could not be made only: a request that reached anything is retried by `_send`.
        retry = Retry(total=retries, connect=retries, read=False, status=0, other=0, redirect=0,
                      allowed_methods=frozenset({"GET", "POST"}), backoff_factor=backoff_factor,
                      raise_on_status=False)
        self._retries = retries
        self._backoff_factor = backoff_factor
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Passed with every request: a session attribute would lose to REQUESTS_CA_BUNDLE in the environment.
        self._verify: str | bool = ca_bundle if ca_bundle is not None else True
        self._cert = client_cert

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HallClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None, idempotency_key: str | None = None) -> Any:
        headers = {}
        data = None
        if method == "POST":
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
            data = json.dumps(body or {}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        started = time.perf_counter()
        for attempt in range(self._retries + 1):
            response = self._request(method, path, params, data, headers)
            if response.status_code != 503 or attempt == self._retries:
                break
            response.close()
            time.sleep(self._retry_delay(attempt, response))
        log.debug("%s %s -> %d in %.0f ms", method, path, response.status_code,
                  (time.perf_counter() - started) * 1000)
        return self._answer(method, path, response)

    def _retry_delay(self, attempt: int, response: requests.Response) -> float:
        """Seconds before retrying a 503: the hall's Retry-After (at most the read timeout), else backoff."""
        try:
            asked = float(response.headers.get("Retry-After", ""))
        except ValueError:
            asked = self._backoff_factor * 2 ** attempt
        return max(0.0, min(asked, self.timeout[1]))

    def _request(self, method: str, path: str, params: Mapping[str, Any] | None, data: bytes | None,
                 headers: dict[str, str]) -> requests.Response:
        """One signed request (requests signs every call afresh: a new nonce and timestamp)."""
        try:
            return self.session.request(method, self.base_url + path, params=params, data=data, headers=headers,
                                        timeout=self.timeout, allow_redirects=False, verify=self._verify,
                                        cert=self._cert)
        except requests.Timeout as error:
            raise HallUnavailable(f"hall did not answer {method} {path} within {self._limit(error)}") from None
        except requests.exceptions.SSLError:
            raise HallUnavailable(f"TLS handshake with the hall failed for {method} {path}: check the CA bundle,"
                                  " the client certificate and the server name") from None
        except requests.exceptions.ChunkedEncodingError:
            raise HallUnavailable(f"hall connection broke while answering {method} {path}") from None
        except requests.ConnectionError:
            raise HallUnavailable(f"cannot connect to the hall at {self.base_url} for {method} {path}"
                                  " (refused, unreachable or DNS): is the hall server running?") from None
        except requests.RequestException as error:
            raise HallUnavailable(f"hall request {method} {path} failed: {type(error).__name__}") from None

    def _limit(self, error: requests.Timeout) -> str:
        if isinstance(error, requests.ConnectTimeout):
            return f"{self.timeout[0]} s (connect timeout)"
        return f"{self.timeout[1]} s (read timeout)"

    def _answer(self, method: str, path: str, response: requests.Response) -> Any:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            document = response.json() if content_type.endswith("json") else None
        except (ValueError, requests.exceptions.RequestException):
            raise HallProtocolError(f"hall answered {method} {path} with HTTP {status} and malformed"
                                    f" or truncated JSON ({len(response.content)} bytes)") from None
        if 200 <= status < 300:
            if not isinstance(document, dict):
                raise HallProtocolError(f"hall answered {method} {path} with HTTP {status} but"
                                        f" {content_type or 'no content type'}, not a JSON object")
            return document
        problem = document if isinstance(document, dict) and isinstance(document.get("code"), str) else None
        if status in _UNAVAILABLE_STATUSES:
            code = f" ({problem['code']})" if problem else ""
            raise HallUnavailable(f"hall is temporarily unavailable: HTTP {status}{code} for {method} {path}")
        if problem is None:
            raise HallProtocolError(f"hall answered {method} {path} with HTTP {status} and"
                                    f" {content_type or 'no content type'}, not a problem document")
        raise HallRejected(status, problem["code"], str(problem.get("message_zh", "")),
                           str(problem.get("message_en", "")))

    def _typed(self, model: type[T] | Any, document: Any, what: str) -> T:
        try:
            return _adapter(model).validate_python(document)
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors(include_input=False))
            raise HallProtocolError(f"hall's answer to {what} does not match the API: {fields}") from None

    def _get(self, model: Any, path: str, params: Mapping[str, Any] | None = None, key: str | None = None) -> Any:
        document = self._send("GET", path, params=params)
        return self._typed(model, _field(document, path, key), f"GET {path}")

    def _post(self, model: Any, path: str, body: Mapping[str, Any], idempotency_key: str | None = None,
              key: str | None = None) -> Any:
        document = self._send("POST", path, body=body, idempotency_key=idempotency_key)
        return self._typed(model, _field(document, path, key), f"POST {path}")

    def post(self, path: str, body: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A signed POST of any JSON body, for the durable outbox (reviews, complaints, events, heartbeats).

        The outbox keeps `idempotency_key` with the stored message, so redelivering after a crash or a
        timeout is answered with the first result instead of storing the message twice.
        """
        if not path.startswith("/v1/"):
            raise ValueError("hall API paths start with /v1/")
        return self._send("POST", path, body=body, idempotency_key=idempotency_key)

    # -- catalogue -------------------------------------------------------------------------------

    def hall_info(self) -> HallInfo:
        return self._get(HallInfo, "/v1/hall")

    def categories(self) -> tuple[Category, ...]:
        return self._get(tuple[Category, ...], "/v1/matters/categories", key="categories")

    def matters(self, *, category: str | None = None, query: str | None = None, one_id: bool | None = None,
                cross_region: bool | None = None, appointable: bool | None = None) -> tuple[MatterSummary, ...]:
        params = {name: value for name, value in (("category", category), ("q", query)) if value}
        for name, flag in (("one_id", one_id), ("cross_region", cross_region), ("appointable", appointable)):
            if flag is not None:
                params[name] = "true" if flag else "false"
        return self._get(tuple[MatterSummary, ...], "/v1/matters", params, key="matters")

    def matter(self, code: str) -> Matter:
        """The full service guide (办事指南) of one matter."""
        return self._get(Matter, f"/v1/matters/{_segment(code)}")

    def packages(self) -> tuple[ServicePackage, ...]:
        return self._get(tuple[ServicePackage, ...], "/v1/packages", key="packages")

    def package(self, code: str) -> ServicePackage:
        return self._get(ServicePackage, f"/v1/packages/{_segment(code)}")

    # -- queues and tickets ----------------------------------------------------------------------

    def queues(self) -> tuple[Queue, ...]:
        return self._get(tuple[Queue, ...], "/v1/queues", key="queues")

    def issue_ticket(self, queue: str, *, priority: str = "none", id_number: str | None = None,
                     matter_code: str | None = None, idempotency_key: str | None = None) -> Ticket:
        body: dict[str, Any] = {"queue": queue, "priority": priority}
        if id_number is not None:
            body["citizen"] = {"id_number": id_number}
        if matter_code is not None:
            body["matter_code"] = matter_code
        return self._post(Ticket, "/v1/tickets", body, idempotency_key)

    def ticket(self, ticket_id: str) -> Ticket:
        return self._get(Ticket, f"/v1/tickets/{_segment(ticket_id)}")

    # -- appointments ----------------------------------------------------------------------------

    def todays_appointments(self, id_number: str) -> tuple[Appointment, ...]:
        return self._post(tuple[Appointment, ...], "/v1/appointments/lookup", {"id_number": id_number},
                          key="appointments")

    def upcoming_appointments(self, id_number: str) -> UpcomingAppointments:
        """Today's and the coming days' (up to the hall's booking horizon), by date and time; not cancelled;
        with the hall's date, which says which of them are today's."""
        return self._post(UpcomingAppointments, "/v1/appointments/lookup", {"id_number": id_number, "upcoming": True})

    def check_in(self, appointment_id: str, id_number: str, *, idempotency_key: str | None = None) -> CheckIn:
        return self._post(CheckIn, f"/v1/appointments/{_segment(appointment_id)}/check-in",
                          {"id_number": id_number}, idempotency_key)

    def free_slots(self, matter_code: str, day: date | str) -> SlotList:
        return self._get(SlotList, f"/v1/matters/{_segment(matter_code)}/slots", {"date": str(day)})

    def book_appointment(self, matter_code: str, day: date | str, start: str, id_number: str, *,
                         phone: str | None = None, idempotency_key: str | None = None) -> Appointment:
        body: dict[str, Any] = {"matter_code": matter_code, "date": str(day), "start": start, "id_number": id_number}
        if phone is not None:
            body["phone"] = phone
        return self._post(Appointment, "/v1/appointments", body, idempotency_key)

    def cancel_appointment(self, appointment_id: str, id_number: str, *,
                           idempotency_key: str | None = None) -> Appointment:
        return self._post(Appointment, f"/v1/appointments/{_segment(appointment_id)}/cancel",
                          {"id_number": id_number}, idempotency_key)

    # -- cases, records, proofs ------------------------------------------------------------------

    def cases_of(self, id_number: str) -> tuple[Case, ...]:
        """办件查询 by identity number: every case of this citizen, newest first."""
        return self._post(tuple[Case, ...], "/v1/cases/lookup", {"id_number": id_number}, key="cases")

    def case(self, case_number: str, *, query_code: str) -> Case:
        """办件查询 by case number and its 6-digit query code (查询密码), both on the acceptance receipt."""
        cases = self._post(tuple[Case, ...], "/v1/cases/lookup", {"case_number": case_number, "query_code": query_code},
                           key="cases")
        if len(cases) != 1:
            raise HallProtocolError(f"hall answered a case-number lookup with {len(cases)} cases, expected 1")
        return cases[0]

    def records(self, id_number: str) -> CitizenRecords:
        """一证通办 summaries of this citizen and the proofs that can be printed for them."""
        return self._post(CitizenRecords, "/v1/records/lookup", {"id_number": id_number})

    def issue_proof(self, id_number: str, kind: str, *, idempotency_key: str | None = None) -> Proof:
        return self._post(Proof, "/v1/proofs", {"id_number": id_number, "kind": kind}, idempotency_key)

    # -- reviews, complaints ---------------------------------------------------------------------

    def review_link(self, *, ticket_id: str | None = None, case_number: str | None = None,
                    id_number: str | None = None, query_code: str | None = None,
                    idempotency_key: str | None = None) -> ReviewLink:
        """A signed short URL for the QR code on a ticket or receipt, opened on the citizen's phone. A case is
        named with its proof: the applicant's `id_number` (from the card) or the receipt's `query_code`."""
        return self._post(ReviewLink, "/v1/reviews/token", _target(ticket_id, case_number, id_number, query_code),
                          idempotency_key)

    def submit_review(self, level: str, *, ticket_id: str | None = None, case_number: str | None = None,
                      id_number: str | None = None, query_code: str | None = None,
                      indicators: Mapping[str, str] | None = None, reasons: Sequence[str] = (), comment: str = "",
                      callback_phone: str | None = None, idempotency_key: str | None = None) -> ReviewReceipt:
        body: dict[str, Any] = {**_target(ticket_id, case_number, id_number, query_code), "level": level,
                                "indicators": dict(indicators or {}), "reasons": list(reasons), "comment": comment}
        if callback_phone is not None:
            body["callback_phone"] = callback_phone
        return self._post(ReviewReceipt, "/v1/reviews", body, idempotency_key)

    def submit_complaint(self, kind: str, content: str, *, matter_code: str | None = None,
                         ticket_id: str | None = None, contact_phone: str | None = None,
                         idempotency_key: str | None = None) -> ComplaintReceipt:
        body: dict[str, Any] = {"kind": kind, "content": content}
        for name, value in (("matter_code", matter_code), ("ticket_id", ticket_id), ("contact_phone", contact_phone)):
            if value is not None:
                body[name] = value
        return self._post(ComplaintReceipt, "/v1/complaints", body, idempotency_key)

    # -- device ----------------------------------------------------------------------------------

    def heartbeat(self, status: str, app_version: str, uptime_seconds: int, *,
                  components: Mapping[str, Mapping[str, str]] | None = None,
                  idempotency_key: str | None = None) -> HeartbeatAck:
        body = {"status": status, "app_version": app_version, "uptime_seconds": uptime_seconds,
                "components": {name: dict(value) for name, value in (components or {}).items()}}
        return self._post(HeartbeatAck, "/v1/devices/heartbeat", body, idempotency_key)

    def report_events(self, events: Sequence[Mapping[str, Any]], *, idempotency_key: str | None = None) -> EventsAck:
        return self._post(EventsAck, "/v1/devices/events", {"events": [dict(e) for e in events]}, idempotency_key)


@functools.lru_cache(maxsize=None)
def _adapter(model: Any) -> TypeAdapter:
    """One validator per answer type, built once (building one costs more than using it)."""
    return TypeAdapter(model)


def _field(document: dict[str, Any], path: str, key: str | None) -> Any:
    if key is None:
        return document
    if key not in document:
        raise HallProtocolError(f"hall's answer to {path} lacks '{key}'")
    return document[key]


def _target(ticket_id: str | None, case_number: str | None, id_number: str | None = None,
            query_code: str | None = None) -> dict[str, str]:
    if (ticket_id is None) == (case_number is None):
        raise ValueError("give exactly one of ticket_id and case_number")
    if ticket_id is not None:
        return {"ticket_id": ticket_id}
    if (id_number is None) == (query_code is None):
        raise ValueError("a case is named with exactly one proof: id_number or query_code")
    proof = {"id_number": id_number} if id_number is not None else {"query_code": query_code or ""}
    return {"case_number": case_number or "", **proof}


def _segment(value: str) -> str:
    """A path segment from an id or code; refuses anything that could change the path."""
    if not value or not all(ch.isascii() and (ch.isalnum() or ch in "_.:-") for ch in value):
        raise ValueError("hall ids and codes are ASCII letters, digits and _.:-")
    return value
