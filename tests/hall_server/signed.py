"""Signed raw HTTP for tests that must shape a request by hand (odd headers, odd bodies, odd hosts)."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests

from domain.hall_signing import sign_request


def host_of(hall: Any) -> str:
    return urlsplit(hall.base_url).netloc


_FRESH = object()


def signed_headers(hall: Any, method: str, path: str, raw: bytes = b"", *, key: Any = _FRESH,
                   **options: Any) -> dict[str, str]:
    """The signature headers (and Host; for a POST Content-Type and an Idempotency-Key: a fresh one, `key`,
    or none for key=None) of one request to `hall`."""
    headers = {"Host": host_of(hall)}
    if method == "POST":
        headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = uuid.uuid4().hex if key is _FRESH else key
    headers.update(sign_request(hall.kiosk_id, hall.secret, method, path, raw, host=headers["Host"],
                                idempotency_key=headers.get("Idempotency-Key", ""), **options))
    return headers


def signed_post(hall: Any, path: str, body: Any, *, key: Any = _FRESH, headers: dict[str, str] | None = None,
                **options: Any) -> requests.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    sent = signed_headers(hall, "POST", path, raw, key=key, **options)
    sent.update(headers or {})
    return requests.post(hall.base_url + path, data=raw, headers=sent, timeout=10)


def signed_get(hall: Any, path: str, **options: Any) -> requests.Response:
    return requests.get(hall.base_url + path, headers=signed_headers(hall, "GET", path, **options), timeout=10)
