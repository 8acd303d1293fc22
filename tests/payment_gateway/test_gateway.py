"""The reference WeChat Pay gateway on its own: signatures both ways, trade states with its clock, refunds, Native,
the control panel, and its API document. Requests here are signed by a small client written from the API v3
rules (not the SDK), so the gateway is checked against the rules themselves; the SDK's side is in
tests/kiosk/gas/test_payments_wechat.py.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from importlib import resources

import pytest
import requests
import yaml
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jsonschema import Draft202012Validator

from payment_gateway.behaviours import Behaviour
from payment_gateway.keys import demo_keys, load_private_key, load_public_key
from payment_gateway.problems import ERRORS

CODE = "134567890123456789"


class Merchant:
    """Signs requests as API v3 says, checks answers' signatures, and validates answers against openapi.yaml."""

    def __init__(self, gateway, keys=None) -> None:
        self.gateway = gateway
        self.keys = keys or gateway.keys
        self.document = yaml.safe_load((resources.files("payment_gateway") / "openapi.yaml").read_text("utf-8"))

    def call(self, method: str, path: str, body: dict | None = None, *, timestamp: int | None = None,
             nonce: str | None = None, serial_no: str | None = None, signature: str | None = None,
             check: bool = True) -> requests.Response:
        text = json.dumps(body) if body is not None else ""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{text}\n"
        signed = base64.b64encode(load_private_key(self.keys.merchant.private_pem).sign(
            message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        authorization = (f'WECHATPAY2-SHA256-RSA2048 mchid="{self.keys.mchid}",nonce_str="{nonce}",'
                         f'signature="{signature or signed}",timestamp="{timestamp}",'
                         f'serial_no="{serial_no or self.keys.merchant_serial_no}"')
        response = requests.request(method, self.gateway.base_url + path, data=text.encode() or None, timeout=5,
                                    headers={"Authorization": authorization, "Content-Type": "application/json"})
        if check:
            self.verify(response)
            self.conforms(method, path, response)
        return response

    def verify(self, response: requests.Response) -> None:
        headers = response.headers
        assert headers["Wechatpay-Serial"] == self.gateway.keys.platform_public_key_id
        assert headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{response.text}\n"
        load_public_key(self.gateway.keys.platform.public_pem).verify(
            base64.b64decode(headers["Wechatpay-Signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())

    def conforms(self, method: str, path: str, response: requests.Response) -> None:
        bare = path.split("?")[0]
        for template, operations in self.document["paths"].items():
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), bare) and method.lower() in operations:
                documented = operations[method.lower()]["responses"]
                assert str(response.status_code) in documented, f"{method} {template}: {response.status_code}"
                answer = documented[str(response.status_code)]
                answer = self.document["components"]["responses"]["Error"] if "$ref" in answer else answer
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema:
                    wrapper = {**schema, "components": self.document["components"]}
                    errors = list(Draft202012Validator(wrapper).iter_errors(response.json()))
                    assert not errors, f"{method} {template}: {errors[0].message}"
                return
        raise AssertionError(f"{method} {bare} is not in openapi.yaml")

    def codepay(self, order: str, code: str = CODE, total: int = 100, **options) -> requests.Response:
        return self.call("POST", "/v3/pay/transactions/codepay", {
            "appid": self.keys.appid, "mchid": self.keys.mchid, "description": "燃气充值", "out_trade_no": order,
            "amount": {"total": total, "currency": "CNY"}, "payer": {"auth_code": code}}, **options)

    def query(self, order: str) -> requests.Response:
        return self.call("GET", f"/v3/pay/transactions/out-trade-no/{order}?mchid={self.keys.mchid}")

    def reverse(self, order: str) -> requests.Response:
        return self.call("POST", f"/v3/pay/transactions/out-trade-no/{order}/reverse",
                         {"appid": self.keys.appid, "mchid": self.keys.mchid})

    def refund(self, order: str, number: str, amount: int, total: int = 100) -> requests.Response:
        return self.call("POST", "/v3/refund/domestic/refunds", {
            "out_trade_no": order, "out_refund_no": number,
            "amount": {"refund": amount, "total": total, "currency": "CNY"}})


@pytest.fixture
def merchant(payment_gateway) -> Merchant:
    return Merchant(payment_gateway)


def test_a_paid_codepay_is_signed_by_the_platform_and_documented(merchant):
    answer = merchant.codepay("GT20261123000001")
    assert answer.status_code == 200 and answer.json()["trade_state"] == "SUCCESS"
    assert answer.json()["success_time"] == "2026-11-23T10:00:00+08:00"
    by_id = merchant.call("GET", f"/v3/pay/transactions/id/{answer.json()['transaction_id']}"
                                 f"?mchid={merchant.keys.mchid}")
    assert by_id.json()["out_trade_no"] == "GT20261123000001"


@pytest.mark.parametrize("fault", ["signature", "serial", "stale", "stranger"])
def test_requests_not_signed_by_the_merchant_are_refused(payment_gateway, merchant, fault):
    options = {"signature": base64.b64encode(b"x" * 256).decode()} if fault == "signature" else \
        {"serial_no": "0" * 40} if fault == "serial" else {"timestamp": int(time.time()) - 3600} if fault == "stale" \
        else {}
    caller = Merchant(payment_gateway, demo_keys(mchid=payment_gateway.keys.mchid)) if fault == "stranger" \
        else merchant
    if fault == "stranger":
        options["serial_no"] = payment_gateway.keys.merchant_serial_no
    answer = caller.codepay("GT20261123000002", **options)
    assert (answer.status_code, answer.json()["code"]) == (401, "SIGN_ERROR")
    assert payment_gateway.order("GT20261123000002") is None


def test_a_replayed_request_is_refused(merchant):
    nonce = secrets.token_hex(16)
    assert merchant.query("GT20261123000003").status_code == 404
    first = merchant.call("GET", f"/v3/pay/transactions/out-trade-no/X12345?mchid={merchant.keys.mchid}", nonce=nonce)
    again = merchant.call("GET", f"/v3/pay/transactions/out-trade-no/X12345?mchid={merchant.keys.mchid}", nonce=nonce)
    assert first.status_code == 404 and (again.status_code, again.json()["code"]) == (401, "SIGN_ERROR")


def test_the_same_codepay_again_answers_the_order_and_another_code_is_refused(merchant, payment_gateway):
    first = merchant.codepay("GT20261123000004")
    again = merchant.codepay("GT20261123000004")
    assert again.json()["transaction_id"] == first.json()["transaction_id"]
    other = merchant.codepay("GT20261123000004", code="104567890123456789")
    assert (other.status_code, other.json()["code"]) == (400, "OUT_TRADE_NO_USED")
    assert payment_gateway.order("GT20261123000004")["events"] == ["codepay: SUCCESS"]


def test_an_invalid_payment_code_makes_no_order(merchant, payment_gateway):
    answer = merchant.codepay("GT20261123000005", code="284567890123456789", check=False)
    assert (answer.status_code, answer.json()["code"]) == (400, "AUTH_CODE_INVALID")
    assert payment_gateway.order("GT20261123000005") is None


def test_the_gateways_clock_confirms_or_closes_a_waiting_order(merchant, payment_gateway):
    """GIVEN one user confirming after 12 s and one never WHEN the gateway's clock moves THEN the first is paid at
    12 s (success_time says so) and the second closed at 45 s, as WeChat closes unconfirmed orders."""
    payment_gateway.behave(Behaviour(confirm_after_s=12), out_trade_no="GT20261123000006")
    payment_gateway.behave(Behaviour(confirm_after_s=None), out_trade_no="GT20261123000007")
    assert merchant.codepay("GT20261123000006").status_code == 202
    assert merchant.codepay("GT20261123000007").status_code == 202
    payment_gateway.clock.advance(11)
    assert merchant.query("GT20261123000006").json()["trade_state"] == "USERPAYING"
    payment_gateway.clock.advance(1)
    paid = merchant.query("GT20261123000006").json()
    assert (paid["trade_state"], paid["success_time"]) == ("SUCCESS", "2026-11-23T10:00:12+08:00")
    payment_gateway.clock.advance(33)
    assert merchant.query("GT20261123000007").json()["trade_state"] == "CLOSED"


def test_reverse_returns_a_payment_and_is_safe_to_repeat(merchant, payment_gateway):
    merchant.codepay("GT20261123000008")
    assert merchant.reverse("GT20261123000008").status_code == 200
    assert merchant.reverse("GT20261123000008").status_code == 200
    order = payment_gateway.order("GT20261123000008")
    assert (order["trade_state"], order["money_returned"]) == ("REVOKED", 1)
    assert merchant.reverse("GT20261123000099").status_code == 404


def test_a_refused_reverse_changes_nothing(merchant, payment_gateway):
    payment_gateway.behave(Behaviour(reverse_refused=True), out_trade_no="GT20261123000009")
    merchant.codepay("GT20261123000009")
    answer = merchant.reverse("GT20261123000009")
    assert (answer.status_code, answer.json()["code"]) == (403, "TRADE_ERROR")
    assert payment_gateway.order("GT20261123000009")["trade_state"] == "SUCCESS"


def test_refunds_in_part_never_beyond_the_total_and_never_twice(merchant, payment_gateway):
    merchant.codepay("GT20261123000010")
    first = merchant.refund("GT20261123000010", "GT20261123000010R1", 30)
    assert (first.status_code, first.json()["status"]) == (200, "SUCCESS")
    assert merchant.refund("GT20261123000010", "GT20261123000010R1", 30).json()["refund_id"] == \
        first.json()["refund_id"]
    too_much = merchant.refund("GT20261123000010", "GT20261123000010R2", 80)
    assert (too_much.status_code, too_much.json()["code"]) == (403, "NOT_ENOUGH")
    assert merchant.refund("GT20261123000010", "GT20261123000010R3", 70).status_code == 200
    assert merchant.query("GT20261123000010").json()["trade_state"] == "REFUND"
    assert merchant.call("GET", "/v3/refund/domestic/refunds/GT20261123000010R3").json()["amount"]["refund"] == 70
    assert [refund["amount"] for refund in payment_gateway.order("GT20261123000010")["refunds"]] == [30, 70]


def test_an_unpaid_order_cannot_be_refunded(merchant, payment_gateway):
    payment_gateway.behave(Behaviour(refusal="NOTENOUGH"), out_trade_no="GT20261123000011")
    assert merchant.codepay("GT20261123000011").json()["code"] == "NOTENOUGH"
    assert merchant.refund("GT20261123000011", "GT20261123000011R", 100).json()["code"] == "TRADE_ERROR"
    assert merchant.reverse("GT20261123000011").status_code == 200
    assert payment_gateway.order("GT20261123000011")["trade_state"] == "REVOKED"


def test_a_native_order_is_paid_by_the_phone_or_closed(merchant, payment_gateway):
    def native(order: str) -> requests.Response:
        return merchant.call("POST", "/v3/pay/transactions/native", {
            "appid": merchant.keys.appid, "mchid": merchant.keys.mchid, "description": "燃气充值",
            "out_trade_no": order, "notify_url": "https://example.invalid/n", "amount": {"total": 100}})

    assert native("GT20261123000012").json()["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert merchant.query("GT20261123000012").json()["trade_state"] == "NOTPAY"
    requests.post(f"{payment_gateway.base_url}/_control/orders/GT20261123000012/pay", timeout=5).raise_for_status()
    assert merchant.query("GT20261123000012").json()["trade_state"] == "SUCCESS"
    native("GT20261123000013")
    close = merchant.call("POST", "/v3/pay/transactions/out-trade-no/GT20261123000013/close",
                          {"mchid": merchant.keys.mchid})
    assert close.status_code == 204 and merchant.query("GT20261123000013").json()["trade_state"] == "CLOSED"
    merchant.codepay("GT20261123000014")
    refused = merchant.call("POST", "/v3/pay/transactions/out-trade-no/GT20261123000014/close",
                            {"mchid": merchant.keys.mchid})
    assert refused.json()["code"] == "TRADE_ERROR"


def test_behaviours_can_be_injected_over_http(merchant, payment_gateway):
    stored = requests.post(f"{payment_gateway.base_url}/_control/behaviours", timeout=5, json={
        "auth_code": CODE, "behaviour": {"refusal": "NOTENOUGH"}})
    assert stored.status_code == 201
    assert merchant.codepay("GT20261123000015").json()["code"] == "NOTENOUGH"
    wrong = requests.post(f"{payment_gateway.base_url}/_control/behaviours", timeout=5, json={
        "auth_code": CODE, "behaviour": {"refusal": "MAYBE"}})
    assert wrong.status_code == 400
    listed = requests.get(f"{payment_gateway.base_url}/_control/orders", timeout=5).json()["orders"]
    assert [order["out_trade_no"] for order in listed] == ["GT20261123000015"]
    assert CODE not in json.dumps(listed)


def test_every_route_is_documented_and_every_documented_path_served(payment_gateway):
    document = yaml.safe_load((resources.files("payment_gateway") / "openapi.yaml").read_text("utf-8"))
    served = {re.sub(r"<[^>]+>", "{}", rule.rule) for rule in payment_gateway.server.app.url_map.iter_rules()
              if rule.endpoint != "static"}
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in document["paths"]}
    assert served == documented
    assert set(document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]) == set(ERRORS)
