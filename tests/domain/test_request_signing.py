"""The request-signing scheme shared by the hall's and the gas utility's APIs: the hall's wire format is what
deployed kiosks sign, and a signature made for one API never verifies for the other."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from domain.gas_signing import GAS_SIGNING
from domain.hall_signing import HALL_SIGNING, sign_request
from domain.request_signing import NonceCache, SignatureRefused

NOW = 1_795_406_400


def test_the_hall_signs_its_five_lines_then_host_and_idempotency_key():
    headers = sign_request("kiosk-01", b"s3cret", "post", "/v1/tickets", b"{}", now=NOW, nonce="ab" * 16,
                           host="hall.example:8700", idempotency_key="key-0001")
    canonical = "\n".join(("POST", "/v1/tickets", str(NOW), "ab" * 16, hashlib.sha256(b"{}").hexdigest(),
                           "hall.example:8700", "key-0001"))
    assert headers["X-Kiosk-Signature"] == hmac.new(b"s3cret", canonical.encode(), hashlib.sha256).hexdigest()


def test_the_gas_scheme_puts_its_label_first_and_uses_its_own_headers():
    headers = GAS_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=NOW, nonce="cd" * 16)
    canonical = "\n".join(("GAS-HMAC-SHA256", "GET", "/v1/utility", str(NOW), "cd" * 16,
                           hashlib.sha256(b"").hexdigest()))
    assert headers == {"X-Gas-Terminal": "gt-01", "X-Gas-Timestamp": str(NOW), "X-Gas-Nonce": "cd" * 16,
                       "X-Gas-Signature": hmac.new(b"key", canonical.encode(), hashlib.sha256).hexdigest()}


def _verify(scheme, headers, *, secret=b"key", now=NOW, nonces=None, body=b""):
    return scheme.verify(headers.get, {"gt-01": secret}.get, "GET", "/v1/utility", body, now=now,
                         window_seconds=300, nonces=nonces or NonceCache(300))


def test_a_signature_for_one_api_never_verifies_for_the_other_with_the_same_secret():
    hall = HALL_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=NOW)
    as_gas = {name.replace("X-Kiosk-Id", "X-Gas-Terminal").replace("X-Kiosk-", "X-Gas-"): v for name, v in hall.items()}
    with pytest.raises(SignatureRefused) as refused:
        _verify(GAS_SIGNING, as_gas)
    assert refused.value.reason == "bad_signature"
    assert _verify(GAS_SIGNING, GAS_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=NOW)) == "gt-01"


@pytest.mark.parametrize("change, reason", [
    (lambda h: {k: v for k, v in h.items() if k != "X-Gas-Nonce"}, "missing_signature"),
    (lambda h: {**h, "X-Gas-Terminal": "gt-99"}, "unknown_caller"),
    (lambda h: {**h, "X-Gas-Signature": "0" * 64}, "bad_signature"),
])
def test_each_refusal_has_its_reason(change, reason):
    headers = change(GAS_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=NOW))
    with pytest.raises(SignatureRefused) as refused:
        _verify(GAS_SIGNING, headers)
    assert refused.value.reason == reason


def test_a_stale_timestamp_and_a_replayed_nonce_are_refused_and_a_forgotten_nonce_passes_again():
    headers = GAS_SIGNING.sign("gt-01", b"key", "GET", "/v1/utility", b"", now=NOW)
    with pytest.raises(SignatureRefused) as stale:
        _verify(GAS_SIGNING, headers, now=NOW + 301)
    assert (stale.value.reason, stale.value.detail) == ("stale_timestamp", "Skew 301 s, window 300 s.")
    nonces = NonceCache(300)
    _verify(GAS_SIGNING, headers, nonces=nonces)
    with pytest.raises(SignatureRefused) as replayed:
        _verify(GAS_SIGNING, headers, nonces=nonces)
    assert replayed.value.reason == "replayed_request"
    nonces.forget("gt-01", headers["X-Gas-Nonce"])
    assert _verify(GAS_SIGNING, headers, nonces=nonces) == "gt-01"


def test_nonces_are_forgotten_after_twice_the_window():
    nonces = NonceCache(300)
    assert nonces.first_use("gt-01", "n1", NOW)
    assert not nonces.first_use("gt-01", "n1", NOW + 600)
    assert nonces.first_use("gt-01", "n2", NOW + 601) and nonces.first_use("gt-01", "n1", NOW + 602)
