"""The terminal's gas utility client: against the live reference utility over loopback HTTP (real HTTP, no
mocks; every answer checked against gas_server/openapi.yaml), and against backends that answer 500,
garbage or nothing — each failure a typed error, and nothing lost: a write whose answer was lost is repeated
with the same idempotency key and acts once."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
import requests

from domain.gas_card import GasMeasure, GasQuantity
from kiosk.gas.utility import (GasUtilityClient, GasUtilityError, GasUtilityProtocolError, GasUtilityRejected,
                               GasUtilityUnavailable)
from kiosk.gas.utility_models import OrderState, ReadBack
from tests.fixtures.gas_utility import card_as_read, new_key

CARD = "3101002468"
PAID_AT = "2026-11-23T10:00:20+08:00"


# -- against the live utility ---------------------------------------------------------------------------

def test_a_whole_purchase_with_typed_answers(gas_client):
    card = card_as_read(CARD, 3)
    account = gas_client.account_for(card)
    assert (account.measure, account.card_status, account.can_buy) == (GasMeasure.VOLUME, "ok", True)
    quote = gas_client.quote(CARD, amount_fen=10000)
    assert (quote.amount_fen, quote.card_gas) == (9986, GasQuantity.volume(374))
    order = gas_client.create_order(CARD, card.purchase_count + 1, quote, idempotency_key=new_key())
    assert order.state is OrderState.CREATED and not order.state.holds_money
    order = gas_client.record_payment(order.order_id, "wechat_code", "4200002611230001", order.amount_fen, PAID_AT,
                                      idempotency_key=new_key())
    assert order.state.holds_money and order.state.awaits_write
    order = gas_client.reserve_write(order.order_id, idempotency_key=new_key())
    after = card.with_purchase(card.next_purchase(order.card_gas))          # what the driver would read back
    assert order.carried_by(after)
    order = gas_client.confirm_written(order.order_id, order.reservation.reservation_id, after,
                                       idempotency_key=new_key())
    assert order.state is OrderState.WRITTEN and order.write.read_back == ReadBack.of(after)
    assert gas_client.account_for(after).purchase_count == 4
    assert "3101002468" not in repr(order) and "31****2468" in repr(order)


def test_a_pending_rewrite_is_found_and_written_without_a_new_order(gas_client):
    card = card_as_read("3101002471", 5)
    account = gas_client.account_for(card)
    assert account.card_status == "rewrite_pending"
    (pending,) = account.pending_orders
    assert pending.state.awaits_write and gas_client.pending_rewrites(card.card_number) == (pending,)
    reserved = gas_client.reserve_write(pending.order_id, idempotency_key=new_key())
    after = card.with_purchase(card.next_purchase(pending.card_gas))
    done = gas_client.confirm_written(reserved.order_id, reserved.reservation.reservation_id, after,
                                      idempotency_key=new_key())
    assert done.state is OrderState.WRITTEN and gas_client.pending_rewrites(card.card_number) == ()


def test_a_failed_write_with_an_unreadable_card_is_refunded_only_once_the_card_is_read(gas_client):
    quote = gas_client.quote(CARD, volume_tenths_m3=100)
    order = gas_client.create_order(CARD, 4, quote, idempotency_key=new_key())
    order = gas_client.record_payment(order.order_id, "bank_card", "UP0001", order.amount_fen, PAID_AT,
                                      idempotency_key=new_key())
    order = gas_client.reserve_write(order.order_id, idempotency_key=new_key())
    failed = gas_client.report_write_failed(order.order_id, order.reservation.reservation_id, None, "card_removed",
                                            idempotency_key=new_key())
    assert failed.state is OrderState.WRITE_FAILED and failed.write.read_back is None
    with pytest.raises(GasUtilityRejected) as unverified:        # the card may carry the gas: no refund yet
        gas_client.refund(order.order_id, "card_unavailable", "refund", "UPRF0001", idempotency_key=new_key())
    assert unverified.value.code == "write_unverified"
    again = gas_client.reserve_write(order.order_id, idempotency_key=new_key())     # the card is back: read it
    gas_client.report_write_failed(order.order_id, again.reservation.reservation_id, card_as_read(CARD, 3),
                                   "write_failed", idempotency_key=new_key())
    refunded = gas_client.refund(order.order_id, "write_failed", "refund", "UPRF0001", idempotency_key=new_key())
    assert refunded.state is OrderState.REFUNDED and refunded.refund.reference == "UPRF0001"


def test_a_refusal_is_typed_with_its_stable_code_and_the_citizens_sentence(gas_client):
    with pytest.raises(GasUtilityRejected) as refused:
        gas_client.quote("3101002470", amount_fen=5000)
    error = refused.value
    assert (error.status, error.code) == (409, "account_in_arrears")
    assert "欠费" in error.message_zh and "3101002470" not in str(error)
    assert isinstance(error, GasUtilityError)


def test_the_days_reconciliation_is_typed(gas_client):
    order = gas_client.create_order(CARD, 4, gas_client.quote(CARD, volume_tenths_m3=100), idempotency_key=new_key())
    day = gas_client.reconciliation(date(2026, 11, 23))
    assert day.by_state[OrderState.CREATED].amount_fen == order.amount_fen
    assert [line.order_id for line in day.orders] == [order.order_id] and day.totals.paid_fen == 0


def test_every_write_carries_the_callers_key_and_every_lookup_a_fresh_one(gas_utility):
    sent: list[requests.PreparedRequest] = []
    client = gas_utility.client()
    client.session.hooks["response"].append(lambda response, *a, **k: sent.append(response.request))
    quote = client.quote(CARD, volume_tenths_m3=100)
    client.account(CARD, 3)
    client.create_order(CARD, 4, quote, idempotency_key="saga-journal-0001")
    lookup_keys = [r.headers["Idempotency-Key"] for r in sent[:2]]
    assert len(set(lookup_keys)) == 2 and all(len(k) == 32 for k in lookup_keys)
    assert sent[2].headers["Idempotency-Key"] == "saga-journal-0001"
    assert all(r.headers["X-Gas-Terminal"] == "gas-test-01" and "X-Gas-Signature" in r.headers for r in sent)
    for bad in ("short", "x" * 129, "schlüssel-0001"):
        with pytest.raises(ValueError):
            client.reserve_write("GO20261123000001", idempotency_key=bad)
    with pytest.raises(ValueError):
        client.order("../admin")
    client.close()


# -- a write whose answer is lost is repeated with its key, and acts once -----------------------------------

class LosingProxy:
    """Forwards each request to the live utility, then loses the answer: `drop` closes the connection, `html`
    answers a 502 page, `garbage` a 200 that is not JSON. The utility has acted every time."""

    def __init__(self, target: str, mode: str) -> None:
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                requests.post(target + self.path, data=body, headers=headers, timeout=10)
                proxy.forwarded += 1
                if mode == "drop":
                    self.close_connection = True
                    return
                status, content_type, text = {"html": (502, "text/html", b"<html>Bad Gateway</html>"),
                                              "garbage": (200, "application/json", b'{"order_id": "GO2026')}[mode]
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("mode, error", [("drop", GasUtilityUnavailable), ("html", GasUtilityUnavailable),
                                         ("garbage", GasUtilityProtocolError)])
def test_a_lost_answer_is_a_typed_error_and_the_repeat_with_the_same_key_acts_once(gas_utility, gas_client,
                                                                                    mode, error):
    proxy = LosingProxy(gas_utility.base_url, mode)
    lossy = GasUtilityClient(proxy.base_url, "gas-test-01", b"gas-test-key-one-not-for-production",
                             connect_timeout=2, read_timeout=5, retries=2, backoff_factor=0)
    try:
        quote = gas_client.quote(CARD, volume_tenths_m3=100)
        create_key, pay_key = new_key(), new_key()
        with pytest.raises(error):
            lossy.create_order(CARD, 4, quote, idempotency_key=create_key)
        order = gas_client.create_order(CARD, 4, quote, idempotency_key=create_key)        # the saga repeats
        with pytest.raises(error):
            lossy.record_payment(order.order_id, "wechat_code", "4200001", order.amount_fen, PAID_AT,
                                 idempotency_key=pay_key)
        paid = gas_client.record_payment(order.order_id, "wechat_code", "4200001", order.amount_fen, PAID_AT,
                                         idempotency_key=pay_key)
        assert paid.state is OrderState.PAID and proxy.forwarded == 2          # never repeated behind our back
        assert [e.state for e in paid.history] == [OrderState.CREATED, OrderState.PAID]
        assert gas_utility.rows("SELECT COUNT(*) FROM orders WHERE terminal_id = 'gas-test-01'") == [(1,)]
    finally:
        lossy.close()
        proxy.stop()


# -- a broken utility ------------------------------------------------------------------------------------

class StubUtility:
    """A loopback HTTP server playing canned answers, one per request, the last repeated; `hold` makes it keep
    every request waiting until the test ends (a utility that never answers)."""

    def __init__(self, answers: list[tuple[int, str, bytes]], hold: bool = False) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.requests.append((self.command, self.path, dict(self.headers)))
                if hold:
                    stub.release.wait(timeout=30)
                    return
                status, content_type, body = answers[min(len(stub.requests), len(answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_utility() -> Iterator:
    stubs: list[StubUtility] = []

    def start(*answers: tuple[int, str, bytes], hold: bool = False) -> StubUtility:
        stubs.append(StubUtility(list(answers), hold))
        return stubs[-1]

    yield start
    for stub in stubs:
        stub.stop()


def _client(base_url: str, **options) -> GasUtilityClient:
    settings = {"connect_timeout": 0.5, "read_timeout": 0.5, "retries": 2, "backoff_factor": 0.0}
    settings.update(options)
    return GasUtilityClient(base_url, "gas-test-01", b"key", **settings)


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


PROBLEM_500 = {"type": "x", "title": "Internal error", "status": 500, "code": "internal_error",
               "message_zh": "系统繁忙，请稍后再试。", "message_en": "The gas utility server failed; see its log."}
UTILITY = {"name": "燃气", "name_en": "Gas", "hotline": "1", "counter": "营业厅", "counter_hours": "8-17",
           "timezone": "Asia/Shanghai", "tariffs": [], "server_time": "2026-11-23T10:00:00+08:00"}


def test_a_refused_connection_is_unavailable():
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        with pytest.raises(GasUtilityUnavailable) as failure:
            _client(f"http://127.0.0.1:{closed_port.getsockname()[1]}").account(CARD, 3)
    assert "cannot connect to the gas utility" in str(failure.value) and CARD not in str(failure.value)


def test_a_utility_that_never_answers_times_out_and_a_write_is_sent_once(stub_utility):
    stub = stub_utility(hold=True)
    with pytest.raises(GasUtilityUnavailable) as failure:
        _client(stub.base_url, read_timeout=0.2).reserve_write("GO20261123000001", idempotency_key=new_key())
    assert "read timeout" in str(failure.value)
    assert len(stub.requests) == 1                   # it may have acted: the caller repeats, with its key


def test_a_500_problem_is_unavailable_with_its_code(stub_utility):
    stub = stub_utility((500, "application/problem+json", _json(PROBLEM_500)))
    with pytest.raises(GasUtilityUnavailable) as failure:
        _client(stub.base_url).refund("GO20261123000001", "write_failed", "reversal", "R1", idempotency_key=new_key())
    assert (failure.value.status, failure.value.code) == (500, "internal_error") and len(stub.requests) == 1


def test_a_500_page_is_unavailable(stub_utility):
    stub = stub_utility((500, "text/html", b"<html><body>Internal Server Error</body></html>"))
    with pytest.raises(GasUtilityUnavailable) as failure:
        _client(stub.base_url).utility_info()
    assert failure.value.status == 500 and failure.value.code is None


@pytest.mark.parametrize("answer, words", [
    ((200, "text/html", b"<html>login</html>"), "not a JSON object"),
    ((200, "application/json", b"[1, 2, 3]"), "not a JSON object"),
    ((200, "application/json", b'{"order_id": "GO2026'), "malformed or truncated JSON"),
    ((200, "application/json", _json({"order_id": "GO20261123000001", "state": "created"})), "does not match the API"),
    ((200, "application/json", _json({"rewrites": [{"order_id": 1}]})), "does not match the API"),
    ((403, "text/html", b"<html>Forbidden</html>"), "not a problem document"),
    ((200, "application/json", b"\xff\xfe garbage"), "malformed or truncated JSON"),
])
def test_an_answer_that_is_not_the_api_is_a_protocol_error(stub_utility, answer, words):
    stub = stub_utility(answer)
    client = _client(stub.base_url)
    call = (lambda: client.pending_rewrites(CARD)) if b"rewrites" in answer[2] else (
        lambda: client.order("GO20261123000001"))
    with pytest.raises(GasUtilityProtocolError) as failure:
        call()
    assert words in str(failure.value) and CARD not in str(failure.value)


def test_a_503_is_retried_with_the_same_request_and_then_served(stub_utility):
    busy = {**PROBLEM_500, "status": 503, "code": "database_busy"}
    stub = stub_utility((503, "application/problem+json", _json(busy)), (200, "application/json", _json(UTILITY)))
    assert _client(stub.base_url).utility_info().counter == "营业厅"
    assert len(stub.requests) == 2
    (_, _, first), (_, _, second) = stub.requests
    assert first["X-Gas-Nonce"] == second["X-Gas-Nonce"]      # the utility forgot it: it did nothing


def test_a_503_that_stays_is_unavailable_after_the_retries(stub_utility):
    busy = {**PROBLEM_500, "status": 503, "code": "database_busy"}
    stub = stub_utility((503, "application/problem+json", _json(busy)))
    with pytest.raises(GasUtilityUnavailable) as failure:
        _client(stub.base_url, retries=2).reserve_write("GO20261123000001", idempotency_key="saga-key-0001")
    assert failure.value.code == "database_busy" and len(stub.requests) == 3
    assert {headers["Idempotency-Key"] for _, _, headers in stub.requests} == {"saga-key-0001"}


def test_a_4xx_problem_from_a_vendor_adapter_is_rejected_with_its_code_and_redacted(stub_utility):
    problem = {"type": "x", "title": "t", "status": 409, "code": "account_in_arrears",
               "message_zh": "用户13812345678欠费", "message_en": "owner 13812345678 owes"}
    stub = stub_utility((409, "application/problem+json", _json(problem)))
    with pytest.raises(GasUtilityRejected) as refused:
        _client(stub.base_url).quote(CARD, amount_fen=100)
    assert refused.value.code == "account_in_arrears" and "13812345678" not in str(refused.value)
    assert "13812345678" not in refused.value.message_zh
