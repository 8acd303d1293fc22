"""How often a kiosk, and how often one identity number, may be looked up: enumeration is refused and alerted.

An identity number is the only credential for appointments, records and proofs, and identity numbers of one
district and birth date are few: 1,000 guesses took 1.4 s. Two token buckets stand in the way of every
lookup that answers by identity number (appointments, cases, records, proofs, check-in, cancelling):

* per kiosk: `KIOSK_BURST` lookups at once, then one every `KIOSK_INTERVAL_S` seconds. A citizen at a kiosk
  makes a handful; a script makes hundreds.
* per identity number (kept as a keyed digest, never the number): `IDENTITY_BURST`, then one every
  `IDENTITY_INTERVAL_S`, from any kiosk: guessing one person's number from many kiosks is slowed too.

A refused lookup is 429 `rate_limited` with Retry-After. When a kiosk runs into its limit the hall logs a
warning (kiosk id only) and files an error event for that kiosk (`security.lookups_limited`), once per
episode, so the fleet page shows it to hall staff. The buckets live in memory: a restart empties them, which
costs an attacker a restart of the hall.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["LookupLimits", "LookupLimiter", "Refusal"]

log = logging.getLogger("hall_server.security")


@dataclass(frozen=True)
class LookupLimits:
    kiosk_burst: int = 60
    kiosk_interval_s: float = 5.0
    identity_burst: int = 20
    identity_interval_s: float = 30.0


@dataclass(frozen=True)
class Refusal:
    retry_after_s: int
    by_kiosk: bool
    first_of_episode: bool        # the kiosk has just run into its limit: alert once


@dataclass
class _Bucket:
    tokens: float
    updated: float
    limited: bool = False


@dataclass
class LookupLimiter:
    limits: LookupLimits = LookupLimits()
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, kiosk_id: str, id_number: str) -> Refusal | None:
        """Take one lookup from both buckets; a Refusal when either is empty (then neither is charged)."""
        now = self.clock()
        identity = hmac.new(self._key, id_number.encode(), hashlib.sha256).hexdigest()
        with self._lock:
            self._forget_full(now)
            kiosk = self._bucket(("kiosk", kiosk_id), self.limits.kiosk_burst, self.limits.kiosk_interval_s, now)
            person = self._bucket(("identity", identity), self.limits.identity_burst,
                                  self.limits.identity_interval_s, now)
            if kiosk.tokens < 1:
                first = not kiosk.limited
                kiosk.limited = True
                return Refusal(_wait(kiosk, self.limits.kiosk_interval_s), True, first)
            if person.tokens < 1:
                return Refusal(_wait(person, self.limits.identity_interval_s), False, False)
            kiosk.tokens -= 1
            person.tokens -= 1
            if kiosk.tokens >= 1:
                kiosk.limited = False
            return None

    def _bucket(self, key: tuple[str, str], burst: int, interval: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) / interval)
        bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """Buckets that have refilled completely say nothing: drop them, so memory follows recent callers."""
        if len(self._buckets) < 10_000:
            return
        longest = max(self.limits.kiosk_burst * self.limits.kiosk_interval_s,
                      self.limits.identity_burst * self.limits.identity_interval_s)
        self._buckets = {key: bucket for key, bucket in self._buckets.items() if now - bucket.updated < longest}


def _wait(bucket: _Bucket, interval: float) -> int:
    return max(1, int((1 - bucket.tokens) * interval + 0.999))
