"""Entry to maintenance mode: the hidden corner gesture, the technician PIN (a salted scrypt hash) and
the lockout after wrong PINs. Also the command that sets the PIN in the secrets file.

The PIN itself is never stored, logged or compared in the clear: the secrets file holds
``scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`` (hashlib.scrypt, 16-byte random salt, constant-time compare).
Five wrong PINs in a row lock entry for `lockout_s`; every further wrong PIN doubles it, up to
`max_lockout_s`. Time is injected, so the lockout is tested without waiting.

Given a `state_path`, the count and the lock survive a restart, so cutting the power between rounds of
guesses gains nothing. The file holds only ``{"failures": <int>, "locked_until": <Unix time>}`` (never the
PIN or its hash), written atomically after every wrong PIN and after a success that resets it. The lock is
stored as wall-clock time because the monotonic clock restarts at boot; on reading it back, what is left is
capped at `max_lockout_s`, so a clock set backwards cannot lock a technician out for longer. A damaged file
counts as FREE_ATTEMPTS wrong PINs: the next wrong PIN locks, the right one still enters.

    gate = PinGate(secrets.maintenance_pin_hash, clock=time.monotonic,
                   state_path=settings.data_dir / "maintenance_lockout.json")
    gate.check(pin)        # None, or raises PinRejected / EntryLocked / NoPinConfigured
    gesture = CornerGesture(taps=5, window_s=3.0)
    if gesture.tap(in_corner=True, now=time.monotonic()): open_pin_pad()

    python -m kiosk.maintenance set-pin --secrets /etc/gov-kiosk/secrets.toml   # asks twice, no echo
    echo 482916 | python -m kiosk.maintenance set-pin --secrets secrets.toml     # for scripts
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import secrets as random_secrets
import time
from collections import deque
from pathlib import Path
from typing import Callable

__all__ = ["hash_pin", "verify_pin", "check_pin_rules", "PinGate", "CornerGesture", "in_top_left",
           "MaintenanceError", "PinRejected", "EntryLocked", "NoPinConfigured", "BadPin", "set_pin"]

PIN_MIN, PIN_MAX = 6, 12
# scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB and ~0.1 s per try on a kiosk board; slow for a guesser.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
_MAXMEM = 128 * 1024 * 1024
FREE_ATTEMPTS = 5
# Beyond 2^64 × lockout_s every lock is long past any cap; the bound keeps a huge count from a file cheap.
_MAX_DOUBLINGS = 64
_STATE_MAX_BYTES = 4096  # the lockout file is ~50 bytes; reading stays quick on the UI thread whatever is there

log = logging.getLogger(__name__)


class MaintenanceError(Exception):
    """Base of the maintenance entry errors; the text is for the technician."""


class BadPin(MaintenanceError):
    """A PIN that may not be set (too short, not digits, one repeated digit)."""


class NoPinConfigured(MaintenanceError):
    def __init__(self) -> None:
        super().__init__("no maintenance PIN is set: run `python -m kiosk.maintenance set-pin --secrets <file>`")


class PinRejected(MaintenanceError):
    def __init__(self, attempts_left: int) -> None:
        self.attempts_left = attempts_left
        super().__init__(f"wrong PIN; {attempts_left} attempt(s) left before entry is locked")


class EntryLocked(MaintenanceError):
    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        super().__init__(f"too many wrong PINs: entry is locked for {seconds_left:.0f} s more")


def check_pin_rules(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit()):
        raise BadPin("the PIN must be digits only")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise BadPin(f"the PIN must have {PIN_MIN} to {PIN_MAX} digits")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise BadPin("the PIN must not be one repeated digit or a run like 123456")


def _scrypt(pin: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2 ** log2_n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def hash_pin(pin: str, *, log2_n: int = SCRYPT_LOG2_N) -> str:
    """The stored form of a new PIN (checked against the PIN rules first)."""
    check_pin_rules(pin)
    salt = random_secrets.token_bytes(16)
    digest = _scrypt(pin, salt, log2_n, SCRYPT_R, SCRYPT_P)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${log2_n}${SCRYPT_R}${SCRYPT_P}${encode(salt)}${encode(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash; a malformed hash matches nothing."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(pin, base64.b64decode(salt, validate=True), int(log2_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _write_synced(target: Path, text: str) -> Path:
    """`text` in `<target>.new` (mode 600), flushed to disk: the caller renames it over `target`."""
    temporary = target.with_name(target.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def _sync_directory(directory: Path) -> None:
    """Make a rename in `directory` survive a power cut (the rename lives in the directory's entries)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _parse_lockout_state(raw: bytes) -> tuple[int, float]:
    """(failures, locked_until) from the lockout file's bytes; ValueError (or OverflowError) if damaged."""
    if len(raw) > _STATE_MAX_BYTES:
        raise ValueError(f"longer than {_STATE_MAX_BYTES} bytes")
    state = json.loads(raw)
    if not isinstance(state, dict):
        raise ValueError("not a JSON object")
    failures, locked_until = state.get("failures"), state.get("locked_until")
    if type(failures) is not int or failures < 0:
        raise ValueError("failures is not a count")
    if type(locked_until) not in (int, float) or not 0 <= float(locked_until) < math.inf:
        raise ValueError("locked_until is not a Unix time")
    return failures, float(locked_until)


class PinGate:
    """Counts wrong PINs and locks entry for a growing time. Not thread-safe: one caller (the app).

    With `state_path` the count and the lock are read from that file here and written to it on every
    change; without it they live in memory only. Runtime checks use the monotonic `clock`; `wall_clock`
    (Unix time) only translates the lock to and from the file.
    """

    def __init__(self, pin_hash: str, *, clock: Callable[[], float], lockout_s: float = 60.0,
                 max_lockout_s: float = 3600.0, state_path: Path | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._pin_hash = pin_hash
        self._clock = clock
        self._lockout_s = lockout_s
        self._max_lockout_s = max_lockout_s
        self._state_path = state_path
        self._wall_clock = wall_clock
        self.failures = 0
        self._locked_until = 0.0
        if state_path is not None:
            self._load(state_path)

    def seconds_locked(self) -> float:
        return max(0.0, self._locked_until - self._clock())

    def check(self, pin: str) -> None:
        """Accept or refuse one attempt. While locked, the PIN is not even hashed."""
        if not self._pin_hash:
            raise NoPinConfigured()
        left = self.seconds_locked()
        if left > 0:
            raise EntryLocked(left)
        if verify_pin(pin, self._pin_hash):
            if self.failures:
                self.failures = 0
                self._save()
            return
        self.failures += 1
        if self.failures >= FREE_ATTEMPTS:
            doublings = min(self.failures - FREE_ATTEMPTS, _MAX_DOUBLINGS)
            lock = min(self._max_lockout_s, self._lockout_s * 2 ** doublings)
            self._locked_until = self._clock() + lock
            self._save()
            raise EntryLocked(lock)
        self._save()
        raise PinRejected(FREE_ATTEMPTS - self.failures)

    def _load(self, path: Path) -> None:
        try:
            with path.open("rb") as file:
                failures, locked_until = _parse_lockout_state(file.read(_STATE_MAX_BYTES + 1))
        except FileNotFoundError:
            return
        except (OSError, ValueError, OverflowError, RecursionError) as error:
            self._distrust(path, str(error))
            return
        self.failures = failures
        left = min(self._max_lockout_s, max(0.0, locked_until - self._wall_clock()))
        self._locked_until = self._clock() + left

    def _distrust(self, path: Path, reason: str) -> None:
        # Neither easier for a guesser (the next wrong PIN locks) nor a lock a technician cannot wait out.
        log.warning("%s: maintenance lockout state unreadable (%s); counted as %d wrong PINs, "
                    "rewritten on the next attempt", path, reason, FREE_ATTEMPTS)
        self.failures = FREE_ATTEMPTS

    def _save(self) -> None:
        if self._state_path is None:
            return
        left = self.seconds_locked()
        state = {"failures": self.failures, "locked_until": self._wall_clock() + left if left > 0 else 0}
        try:
            self._state_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(_write_synced(self._state_path, json.dumps(state) + "\n"), self._state_path)
            _sync_directory(self._state_path.parent)
        except OSError as error:
            # The in-memory count still holds until a restart; refusing the technician for a disk fault would not.
            log.error("%s: maintenance lockout state not saved: %s", self._state_path, error.strerror or error)


def in_top_left(x: float, y: float, width: float, height: float, fraction: float = 0.08) -> bool:
    """Kivy window coordinates (y grows upwards): is the touch in the top-left corner square?"""
    side = fraction * min(width, height)
    return x <= side and y >= height - side


class CornerGesture:
    """`taps` touches in the corner within `window_s` seconds; a touch elsewhere starts over."""

    def __init__(self, taps: int = 5, window_s: float = 3.0) -> None:
        self._taps = taps
        self._window_s = window_s
        self._times: deque[float] = deque(maxlen=taps)

    def tap(self, *, in_corner: bool, now: float) -> bool:
        if not in_corner:
            self._times.clear()
            return False
        self._times.append(now)
        if len(self._times) == self._taps and now - self._times[0] <= self._window_s:
            self._times.clear()
            return True
        return False


# --- the command line ---------------------------------------------------------------------------------

def set_pin(secrets_file: Path, pin: str) -> None:
    """Write the PIN's hash into the secrets file (created if missing), mode 600, atomically."""
    import tomlkit  # deferred: only a technician's edit needs the comment-keeping TOML writer

    existing = secrets_file.stat() if secrets_file.exists() else None
    document = tomlkit.parse(secrets_file.read_text(encoding="utf-8")) if existing else tomlkit.document()
    document["maintenance_pin_hash"] = hash_pin(pin)
    temporary = _write_synced(secrets_file, tomlkit.dumps(document))
    os.chmod(temporary, 0o600)
    if existing is not None and (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
        # Run as root on a kiosk user's file: the file stays the kiosk user's, or the kiosk could not read it.
        os.chown(temporary, existing.st_uid, existing.st_gid)
    os.replace(temporary, secrets_file)
