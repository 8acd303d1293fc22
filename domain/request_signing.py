"""HMAC request signatures for the kiosk's backends, one scheme per API: both sides sign and check with it.

A caller (a hall kiosk, a gas terminal) has an id and a shared secret. A request carries four headers —
the caller's id, the Unix time in whole seconds, a nonce of 32 random hex characters, and the hex
HMAC-SHA256 with the secret over the canonical string. The canonical string is the upper-case method,
the percent-decoded path (with "?query", as sent, when there is one), the timestamp, the nonce and the hex
SHA-256 of the body, joined by "\\n"; then one line per header the scheme binds (`bound_headers`, e.g.
Host and Idempotency-Key: a request cannot be moved to another host name or given another key), its
value as sent or "" when absent. A scheme with a `label` puts it first, as its own line, so that a
signature made for one API can never be accepted by another even where a site gave both the same secret.

    GAS = SigningScheme("X-Gas-Terminal", "X-Gas-Timestamp", "X-Gas-Nonce", "X-Gas-Signature",
                        label="GAS-HMAC-SHA256")
    headers = GAS.sign("gt-01", b"s3cret", "POST", "/v1/orders", body)
    caller = GAS.verify(headers.get, secrets.get, "POST", "/v1/orders", body,
                        now=time.time(), window_seconds=300, nonces=cache)   # or SignatureRefused

The server refuses a timestamp outside its window and a nonce it has seen within that window, so a
captured request cannot be replayed; `NonceCache` remembers nonces for twice the window. Nothing here
does I/O: the servers map a `SignatureRefused.reason` onto their own problem codes.

    ===================  ==========================================================================
    reason               why
    ===================  ==========================================================================
    missing_signature    one of the four headers is absent or empty
    unknown_caller       the id names no registered caller
    bad_signature        the signature does not match (wrong secret, or method/path/body changed)
    stale_timestamp      the timestamp is not a number, or further from the server's time than the window
    replayed_request     the nonce was already used within the window
    ===================  ==========================================================================
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

__all__ = ["SigningScheme", "SignatureRefused", "NonceRecord", "NonceCache", "signatures_match"]


class SignatureRefused(Exception):
    """A request the server must refuse; `reason` is one of the codes in the module docstring."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(reason if detail is None else f"{reason}: {detail}")


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison, so the signature cannot be guessed byte by byte."""
    return hmac.compare_digest(expected.encode("ascii", "replace"), given.encode("ascii", "replace"))


class NonceRecord(Protocol):
    """Where a server remembers the nonces it accepted: NonceCache in memory, or a table that outlives a restart."""

    def first_use(self, caller_id: str, nonce: str, now: float) -> bool: ...

    def forget(self, caller_id: str, nonce: str) -> None: ...


class NonceCache:
    """Nonces seen within the signature window, per caller, in memory (bounded by the window): forgotten at a
    restart, so a server that restarts within the window keeps its record elsewhere (hall_server.security)."""

    def __init__(self, window_seconds: float) -> None:
        self._window = window_seconds
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, caller_id: str, nonce: str, now: float) -> bool:
        """Record the nonce; False when it was already used within the window."""
        with self._lock:
            while self._seen:
                oldest_key, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= 2 * self._window:
                    break
                del self._seen[oldest_key]
            key = (caller_id, nonce)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def forget(self, caller_id: str, nonce: str) -> None:
        """Let a nonce be used again: its request was refused as "busy" before it took effect."""
        with self._lock:
            self._seen.pop((caller_id, nonce), None)


def _one_line(value: str) -> str:
    """A header value as one line of the canonical string: a line break in it cannot forge another line."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class SigningScheme:
    """One API's header names and canonical-string label."""

    caller_header: str
    timestamp_header: str
    nonce_header: str
    signature_header: str
    label: str = ""
    bound_headers: tuple[str, ...] = ()     # request headers whose values are signed too

    @property
    def headers(self) -> tuple[str, str, str, str]:
        return (self.caller_header, self.timestamp_header, self.nonce_header, self.signature_header)

    def canonical_string(self, method: str, path: str, timestamp: str, nonce: str, body: bytes,
                         bound: Mapping[str, str] | None = None) -> bytes:
        """The exact bytes both sides sign; any change to method, path, time, nonce, body or a bound header
        (`bound`: header name -> value, looked up case-insensitively) breaks it."""
        values = {name.lower(): value for name, value in (bound or {}).items()}
        lines = (method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest(),
                 *(_one_line(values.get(name.lower()) or "") for name in self.bound_headers))
        return "\n".join((self.label, *lines) if self.label else lines).encode("utf-8", "surrogateescape")

    def signature(self, secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes,
                  bound: Mapping[str, str] | None = None) -> str:
        return hmac.new(secret, self.canonical_string(method, path, timestamp, nonce, body, bound),
                        hashlib.sha256).hexdigest()

    def sign(self, caller_id: str, secret: bytes, method: str, path: str, body: bytes,
             *, now: float | None = None, nonce: str | None = None,
             bound: Mapping[str, str] | None = None) -> dict[str, str]:
        """The four signature headers for one request; `bound` gives the values of the bound headers, which
        the caller must send exactly so."""
        timestamp = str(int(time.time() if now is None else now))
        nonce = nonce or secrets.token_hex(16)
        return {
            self.caller_header: caller_id,
            self.timestamp_header: timestamp,
            self.nonce_header: nonce,
            self.signature_header: self.signature(secret, method, path, timestamp, nonce, body, bound),
        }

    def verify(self, header: Callable[[str], str | None], secret_of: Callable[[str], bytes | None],
               method: str, path: str, body: bytes, *, now: float, window_seconds: float,
               nonces: NonceRecord) -> str:
        """The caller's id when the request is signed, fresh and new; SignatureRefused otherwise.

        `header(name)` reads a request header, `secret_of(caller_id)` the caller's secret (None: unknown).
        The checks run in the order of the table above, and the nonce is recorded only when all others pass.
        """
        caller_id, timestamp, nonce, given = (header(name) for name in self.headers)
        if not (caller_id and timestamp and nonce and given):
            raise SignatureRefused("missing_signature")
        secret = secret_of(caller_id)
        if secret is None:
            raise SignatureRefused("unknown_caller")
        bound = {name: header(name) or "" for name in self.bound_headers}
        if not signatures_match(self.signature(secret, method, path, timestamp, nonce, body, bound), given):
            raise SignatureRefused("bad_signature")
        try:
            skew = abs(now - int(timestamp))
        except ValueError:
            raise SignatureRefused("stale_timestamp") from None
        if skew > window_seconds:
            raise SignatureRefused("stale_timestamp", f"Skew {int(skew)} s, window {int(window_seconds)} s.")
        if not nonces.first_use(caller_id, nonce, now):
            raise SignatureRefused("replayed_request")
        return caller_id
