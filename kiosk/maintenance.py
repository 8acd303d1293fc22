"""Entry to maintenance mode: the hidden corner gesture, the technician PIN (a salted scrypt hash) and
the lockout after wrong PINs. Also the command that sets the PIN in the secrets file.

The PIN itself is never stored, logged or compared in the clear: the secrets file holds
``scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`` (hashlib.scrypt, 16-byte random salt, constant-time compare).
Five wrong PINs in a row lock entry for `lockout_s`; every further wrong PIN doubles it, up to
`max_lockout_s`. Time is injected, so the lockout is tested without waiting.

    gate = PinGate(secrets.maintenance_pin_hash, clock=time.monotonic)
    gate.check(pin)        # None, or raises PinRejected / EntryLocked / NoPinConfigured
    gesture = CornerGesture(taps=5, window_s=3.0)
    if gesture.tap(in_corner=True, now=time.monotonic()): open_pin_pad()

    python -m kiosk.maintenance set-pin --secrets /etc/gov-kiosk/secrets.toml   # asks twice, no echo
    echo 482916 | python -m kiosk.maintenance set-pin --secrets secrets.toml     # for scripts
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import secrets as random_secrets
import sys
from collections import deque
from pathlib import Path
from typing import Callable, TextIO

__all__ = ["hash_pin", "verify_pin", "check_pin_rules", "PinGate", "CornerGesture", "in_top_left",
           "MaintenanceError", "PinRejected", "EntryLocked", "NoPinConfigured", "BadPin", "set_pin", "main"]

PIN_MIN, PIN_MAX = 6, 12
# scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB and ~0.1 s per try on a kiosk board; slow for a guesser.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
_MAXMEM = 128 * 1024 * 1024
FREE_ATTEMPTS = 5


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


class PinGate:
    """Counts wrong PINs and locks entry for a growing time. Not thread-safe: one caller (the app)."""

    def __init__(self, pin_hash: str, *, clock: Callable[[], float], lockout_s: float = 60.0,
                 max_lockout_s: float = 3600.0) -> None:
        self._pin_hash = pin_hash
        self._clock = clock
        self._lockout_s = lockout_s
        self._max_lockout_s = max_lockout_s
        self.failures = 0
        self._locked_until = 0.0

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
            self.failures = 0
            return
        self.failures += 1
        if self.failures >= FREE_ATTEMPTS:
            doublings = self.failures - FREE_ATTEMPTS
            lock = min(self._max_lockout_s, self._lockout_s * 2 ** doublings)
            self._locked_until = self._clock() + lock
            raise EntryLocked(lock)
        raise PinRejected(FREE_ATTEMPTS - self.failures)


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
    import tomlkit

    existing = secrets_file.stat() if secrets_file.exists() else None
    document = tomlkit.parse(secrets_file.read_text(encoding="utf-8")) if existing else tomlkit.document()
    document["maintenance_pin_hash"] = hash_pin(pin)
    temporary = secrets_file.with_name(secrets_file.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(tomlkit.dumps(document))
        file.flush()
        os.fsync(file.fileno())
    os.chmod(temporary, 0o600)
    if existing is not None and (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
        # Run as root on a kiosk user's file: the file stays the kiosk user's, or the kiosk could not read it.
        os.chown(temporary, existing.st_uid, existing.st_gid)
    os.replace(temporary, secrets_file)


def _read_pin(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("New maintenance PIN: ")
        if getpass.getpass("Repeat the PIN: ") != first:
            raise BadPin("the two PINs differ")
        return first
    return stdin.readline().strip()


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.maintenance", description="Kiosk maintenance tools")
    commands = parser.add_subparsers(dest="command", required=True)
    set_pin_parser = commands.add_parser("set-pin", help="set the technician PIN (read twice without echo, "
                                                         "or one line from stdin)")
    set_pin_parser.add_argument("--secrets", required=True, type=Path, help="the secrets file the profile names")
    args = parser.parse_args(argv)
    try:
        pin = _read_pin(stdin or sys.stdin)
        check_pin_rules(pin)
        set_pin(args.secrets, pin)
    except BadPin as error:
        print(f"PIN not set: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"PIN not set: {args.secrets}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"maintenance PIN set in {args.secrets} (mode 600); restart the kiosk to use it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
