"""The hall client when the hall misbehaves: refused, hanging, broken or malformed answers.

The live reference server never answers HTML or truncated JSON, so a small stub HTTP server on
loopback plays a broken hall here; each case must end in the right typed error, quickly (short
timeouts), and without personal data in the error text.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from domain.demo_citizens import demo_citizen
from kiosk.hall.client import HallClient, HallError, HallProtocolError, HallRejected, HallUnavailable

RESIDENT = demo_citizen("resident").id_number


class StubHall:
    """A loopback HTTP server that plays back canned answers, one per request, the last one repeated."""

    def __init__(self, answers: list[tuple[int, str, bytes, dict[str, str]]]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                status, content_type, body, extra = stub.answers[min(len(stub.requests), len(stub.answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", extra.get("Content-Length", str(len(body))))
                self.end_headers()
                self.wfile.write(body)
                if "Content-Length" in extra:
                    self.close_connection = True

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_hall() -> Iterator:
    stubs: list[StubHall] = []

    def start(*answers: tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]) -> StubHall:
        stub = StubHall([(a[0], a[1], a[2], a[3] if len(a) > 3 else {}) for a in answers])  # type: ignore[misc]
        stubs.append(stub)
        return stub

    yield start
    for stub in stubs:
        stub.stop()


def _client(base_url: str, **options) -> HallClient:
    settings = {"connect_timeout": 0.5, "read_timeout": 0.5, "retries": 2, "backoff_factor": 0.0}
    settings.update(options)
    return HallClient(base_url, "kiosk-test-01", b"secret", **settings)


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_connection_refused_is_unavailable():
    # A bound socket that does not listen: the kernel refuses every connection to it.
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        port = closed_port.getsockname()[1]
        with pytest.raises(HallUnavailable) as failure:
            _client(f"http://127.0.0.1:{port}").queues()
    assert "cannot connect to the hall" in str(failure.value)


def test_hanging_server_times_out_as_unavailable():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)                         # accepts connections (backlog) but never answers
        port = silent.getsockname()[1]
        with pytest.raises(HallUnavailable) as failure:
            _client(f"http://127.0.0.1:{port}", read_timeout=0.2).issue_ticket("social", id_number=RESIDENT)
    assert "read timeout" in str(failure.value)
    assert RESIDENT not in str(failure.value)


def test_500_problem_document_is_a_rejection_with_its_code(stub_hall):
    problem = {"type": "x", "title": "Internal error", "status": 500, "code": "internal_error",
               "message_zh": "系统繁忙，请稍后再试。", "message_en": "The hall server failed; see its log."}
    stub = stub_hall((500, "application/problem+json", _json(problem)))
    with pytest.raises(HallRejected) as refused:
        _client(stub.base_url).queues()
    assert (refused.value.status, refused.value.code, refused.value.message_zh) == (500, "internal_error",
                                                                                     "系统繁忙，请稍后再试。")


def test_500_html_page_is_a_protocol_error(stub_hall):
    stub = stub_hall((500, "text/html", b"<html><body>Internal Server Error</body></html>"))
    with pytest.raises(HallProtocolError) as failure:
        _client(stub.base_url).queues()
    assert "HTTP 500" in str(failure.value) and "text/html" in str(failure.value)


def test_200_html_page_from_a_captive_portal_is_a_protocol_error(stub_hall):
    stub = stub_hall((200, "text/html", b"<html>login</html>"))
    with pytest.raises(HallProtocolError):
        _client(stub.base_url).queues()


def test_truncated_json_is_a_protocol_error(stub_hall):
    stub = stub_hall((200, "application/json", b'{"queues": [{"code": "social", "na'))
    with pytest.raises(HallProtocolError) as failure:
        _client(stub.base_url).queues()
    assert "malformed or truncated JSON" in str(failure.value)


def test_connection_cut_in_the_middle_of_the_answer_is_unavailable(stub_hall):
    body = b'{"queues": ['
    stub = stub_hall((200, "application/json", body, {"Content-Length": "4000"}))
    with pytest.raises(HallUnavailable) as failure:
        _client(stub.base_url).queues()
    assert "connection broke" in str(failure.value)


def test_answer_missing_fields_is_a_protocol_error_naming_them(stub_hall):
    stub = stub_hall((201, "application/json", _json({"ticket_id": "t1", "number": "A001"})))
    with pytest.raises(HallProtocolError) as failure:
        _client(stub.base_url).issue_ticket("social", id_number=RESIDENT)
    assert "queue" in str(failure.value) and "people_ahead" in str(failure.value)


def test_answer_with_wrong_types_is_a_protocol_error(stub_hall):
    stub = stub_hall((200, "application/json", _json({"queues": "none"})))
    with pytest.raises(HallProtocolError):
        _client(stub.base_url).queues()


def test_503_is_retried_as_a_request_signed_afresh_then_succeeds(stub_hall):
    busy = {"type": "x", "title": "Database busy", "status": 503, "code": "database_busy",
            "message_zh": "系统繁忙，请稍后再试。", "message_en": "retry"}
    stub = stub_hall((503, "application/problem+json", _json(busy)),
                     (200, "application/json", _json({"categories": []})))
    assert _client(stub.base_url).categories() == ()
    assert len(stub.requests) == 2
    assert stub.requests[0][2]["X-Kiosk-Nonce"] != stub.requests[1][2]["X-Kiosk-Nonce"]


def test_finding_18_a_503_after_the_hall_applied_a_post_is_retried_with_a_new_nonce_and_the_same_key(stub_hall):
    """GIVEN a proxy that answers 503 although the hall behind it applied the POST WHEN the client retries
    THEN the retry carries a fresh nonce and signature (a repeated nonce is a replay the hall refuses, which
    raised the kiosk's critical alert) and the same Idempotency-Key (so the hall answers it from its ledger)."""
    busy = {"type": "x", "title": "Database busy", "status": 503, "code": "database_busy",
            "message_zh": "系统繁忙，请稍后再试。", "message_en": "retry"}
    receipt = {"number": "TS202611230001", "kind": "suggestion", "created_at": "t", "reply_within_working_days": 5}
    stub = stub_hall((503, "application/problem+json", _json(busy)), (201, "application/json", _json(receipt)))
    _client(stub.base_url).submit_complaint("suggestion", "多设几个座位", idempotency_key="outbox-0001")
    first, second = (request[2] for request in stub.requests)
    assert first["Idempotency-Key"] == second["Idempotency-Key"] == "outbox-0001"
    assert first["X-Kiosk-Nonce"] != second["X-Kiosk-Nonce"]
    assert first["X-Kiosk-Signature"] != second["X-Kiosk-Signature"]


def test_503_that_persists_is_unavailable_after_the_retries(stub_hall):
    stub = stub_hall((503, "text/html", b"<html>maintenance</html>"))
    with pytest.raises(HallUnavailable) as failure:
        _client(stub.base_url, retries=2).queues()
    assert "HTTP 503" in str(failure.value)
    assert len(stub.requests) == 3


def test_a_post_that_reached_the_hall_is_not_resent_automatically(stub_hall):
    # A 500 may have taken effect: only the caller, with the same idempotency key, may repeat it.
    stub = stub_hall((500, "text/html", b"oops"))
    with pytest.raises(HallProtocolError):
        _client(stub.base_url).issue_ticket("social")
    assert len(stub.requests) == 1


def test_every_post_carries_an_idempotency_key_and_a_signature(stub_hall):
    stub = stub_hall((201, "application/json", _json({"number": "x", "kind": "suggestion", "created_at": "t",
                                                        "reply_within_working_days": 5})))
    client = _client(stub.base_url)
    client.submit_complaint("suggestion", "多设几个座位")
    client.submit_complaint("suggestion", "多设几个座位", idempotency_key="outbox-0001")
    first, second = (request[2] for request in stub.requests)
    assert len(first["Idempotency-Key"]) >= 16 and second["Idempotency-Key"] == "outbox-0001"
    assert first["X-Kiosk-Id"] == "kiosk-test-01" and len(first["X-Kiosk-Signature"]) == 64
    assert first["X-Kiosk-Nonce"] != second["X-Kiosk-Nonce"]


def test_identity_numbers_travel_in_bodies_never_in_urls(stub_hall):
    stub = stub_hall((200, "application/json", _json({"appointments": []})))
    _client(stub.base_url).todays_appointments(RESIDENT)
    method, path, _headers, body = stub.requests[0]
    assert (method, path) == ("POST", "/v1/appointments/lookup")
    assert json.loads(body) == {"id_number": RESIDENT}


def test_rejection_texts_never_carry_personal_data(stub_hall):
    careless = {"type": "x", "title": "t", "status": 404, "code": "appointment_not_found",
                "message_zh": f"证件号{RESIDENT}无预约，手机13800000001", "message_en": f"no appointment for {RESIDENT}"}
    stub = stub_hall((404, "application/problem+json", _json(careless)))
    with pytest.raises(HallRejected) as refused:
        _client(stub.base_url).todays_appointments(RESIDENT)
    text = f"{refused.value} {refused.value.message_zh} {refused.value.message_en}"
    assert RESIDENT not in text and "13800000001" not in text
    assert "6101**********0045" in text


def test_every_failure_is_a_hall_error():
    assert all(issubclass(kind, HallError) for kind in (HallUnavailable, HallRejected, HallProtocolError))


def test_tls_verification_failure_is_unavailable(stub_hall):
    # A plain-HTTP hall addressed as https: the TLS handshake fails.
    stub = stub_hall((200, "application/json", b"{}"))
    with pytest.raises(HallUnavailable):
        _client(stub.base_url.replace("http://", "https://"), retries=0).queues()
