"""Maintenance entry: the PIN hash, the lockout (in memory and across restarts), the corner gesture, the
set-pin command, the audit log."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import tomllib
from pathlib import Path

import pytest

from domain.citizen_id import check_digit
from kiosk.maintenance.__main__ import main
from kiosk.maintenance.access import (FREE_ATTEMPTS, BadPin, CornerGesture, EntryLocked, NoPinConfigured, PinGate,
                                      PinRejected, hash_pin, in_top_left, verify_pin)
from kiosk.maintenance.audit import AuditLog
from kiosk.outbox.store import Outbox, derive_key

PIN = "482916"
CHEAP = 10  # scrypt cost 2^10 for hashes made only to test the gate; the stored form carries its cost


class Clock:
    def __init__(self, now: float = 500.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN, log2_n=CHEAP)


def test_the_stored_pin_is_a_salted_scrypt_hash_that_verifies_only_the_right_pin() -> None:
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first.startswith("scrypt$15$8$1$") and PIN not in first
    assert first != second  # a fresh salt each time
    assert verify_pin(PIN, first) and verify_pin(PIN, second)
    assert not verify_pin("482917", first)


@pytest.mark.parametrize("stored", ["", "plain482916", "scrypt$15$8$1$not base64!$abc", "bcrypt$1$2$3$4$5"])
def test_a_malformed_stored_hash_lets_nobody_in(stored: str) -> None:
    assert not verify_pin(PIN, stored)


@pytest.mark.parametrize("pin, problem", [("1234", "6 to 12 digits"), ("12345a", "digits only"),
                                          ("000000", "repeated digit"), ("123456", "a run"),
                                          ("1234567890123", "6 to 12 digits")])
def test_weak_pins_are_refused_with_the_reason(pin: str, problem: str) -> None:
    with pytest.raises(BadPin, match=problem):
        hash_pin(pin)


def test_the_right_pin_opens_and_resets_the_count(pin_hash: str) -> None:
    gate = PinGate(pin_hash, clock=Clock())
    with pytest.raises(PinRejected) as wrong:
        gate.check("111112")
    assert wrong.value.attempts_left == 4
    gate.check(PIN)
    assert gate.failures == 0


def test_five_wrong_pins_lock_entry_and_the_lock_grows_with_each_further_wrong_pin(pin_hash: str) -> None:
    clock = Clock()
    gate = PinGate(pin_hash, clock=clock, lockout_s=60, max_lockout_s=200)
    for left in (4, 3, 2, 1):
        with pytest.raises(PinRejected, match=f"{left} attempt"):
            gate.check("111112")
    with pytest.raises(EntryLocked) as locked:
        gate.check("111112")
    assert locked.value.seconds_left == 60
    clock.now += 30
    with pytest.raises(EntryLocked, match="30 s"):
        gate.check(PIN)  # even the right PIN waits out the lock
    clock.now += 30
    with pytest.raises(EntryLocked) as longer:
        gate.check("111112")
    assert longer.value.seconds_left == 120
    clock.now += 120
    with pytest.raises(EntryLocked) as capped:
        gate.check("111112")
    assert capped.value.seconds_left == 200
    clock.now += 200
    gate.check(PIN)
    assert gate.failures == 0 and gate.seconds_locked() == 0


# --- the lockout across restarts ----------------------------------------------------------------------

UNIX_NOW = 1_790_000_000.0


class Restarts:
    """One kiosk's lockout file and wall clock; each `gate()` is the PinGate of a fresh boot, whose
    monotonic clock starts again near zero."""

    def __init__(self, path: Path, pin_hash: str, max_lockout_s: float = 3600.0) -> None:
        self.path = path
        self.pin_hash = pin_hash
        self.max_lockout_s = max_lockout_s
        self.wall = Clock(UNIX_NOW)

    def gate(self, monotonic: Clock | None = None) -> PinGate:
        return PinGate(self.pin_hash, clock=monotonic or Clock(3.0), lockout_s=60,
                       max_lockout_s=self.max_lockout_s, state_path=self.path, wall_clock=self.wall)

    def state(self) -> dict:
        return json.loads(self.path.read_text(encoding="utf-8"))


@pytest.fixture
def kiosk_boots(tmp_path: Path, pin_hash: str) -> Restarts:
    return Restarts(tmp_path / "data" / "maintenance_lockout.json", pin_hash)


def wrong_pins(gate: PinGate, count: int) -> None:
    for _ in range(count):
        with pytest.raises((PinRejected, EntryLocked)):
            gate.check("111112")


def test_a_lock_survives_a_restart_with_the_time_that_was_left(kiosk_boots: Restarts) -> None:
    """GIVEN five wrong PINs  WHEN the kiosk restarts 20 s later  THEN entry is locked for the other 40 s."""
    wrong_pins(kiosk_boots.gate(), FREE_ATTEMPTS)
    assert kiosk_boots.state() == {"failures": 5, "locked_until": UNIX_NOW + 60}
    kiosk_boots.wall.now += 20
    after_restart = kiosk_boots.gate()
    assert after_restart.failures == 5 and after_restart.seconds_locked() == 40
    with pytest.raises(EntryLocked, match="40 s"):
        after_restart.check(PIN)


def test_wrong_pins_below_the_limit_count_across_a_restart(kiosk_boots: Restarts) -> None:
    wrong_pins(kiosk_boots.gate(), 3)
    with pytest.raises(PinRejected) as wrong:
        kiosk_boots.gate().check("111112")
    assert wrong.value.attempts_left == 1


def test_the_right_pin_resets_the_file(kiosk_boots: Restarts) -> None:
    gate = kiosk_boots.gate()
    wrong_pins(gate, 3)
    gate.check(PIN)
    assert kiosk_boots.state() == {"failures": 0, "locked_until": 0}
    with pytest.raises(PinRejected) as wrong:
        kiosk_boots.gate().check("111112")
    assert wrong.value.attempts_left == 4


def test_the_lock_keeps_doubling_across_restarts(kiosk_boots: Restarts) -> None:
    wrong_pins(kiosk_boots.gate(), FREE_ATTEMPTS)
    for expected in (120, 240, 480):
        kiosk_boots.wall.now += expected // 2  # the previous lock has run out
        with pytest.raises(EntryLocked) as locked:
            kiosk_boots.gate().check("111112")
        assert locked.value.seconds_left == expected
        assert kiosk_boots.state()["locked_until"] == kiosk_boots.wall.now + expected


@pytest.mark.parametrize("damage", [b"\xff\xfe\x00garbage{", b"[5, 1790000060]", b"",
                                    b'{"failures": -3, "locked_until": -1}',
                                    b'{"failures": 2, "locked_until": NaN}',
                                    b'{"failures": true, "locked_until": 0}'])
def test_a_damaged_file_locks_on_the_next_wrong_pin_says_so_and_is_overwritten(
        kiosk_boots: Restarts, damage: bytes, caplog) -> None:
    """GIVEN a damaged lockout file  WHEN the kiosk starts and a wrong PIN is typed
    THEN a warning names the file, entry locks at once, and the file holds a sound state again."""
    kiosk_boots.path.parent.mkdir(parents=True)
    kiosk_boots.path.write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="kiosk.maintenance.access"):
        gate = kiosk_boots.gate()
    assert str(kiosk_boots.path) in caplog.text and "unreadable" in caplog.text
    assert gate.failures == FREE_ATTEMPTS and gate.seconds_locked() == 0
    with pytest.raises(EntryLocked) as locked:
        gate.check("111112")
    assert locked.value.seconds_left == 120
    assert kiosk_boots.state() == {"failures": 6, "locked_until": UNIX_NOW + 120}


def test_a_damaged_file_does_not_keep_the_technician_out(kiosk_boots: Restarts) -> None:
    kiosk_boots.path.parent.mkdir(parents=True)
    kiosk_boots.path.write_bytes(b"\x00" * 100_000)
    kiosk_boots.gate().check(PIN)
    assert kiosk_boots.state() == {"failures": 0, "locked_until": 0}


def test_the_file_holds_neither_the_pin_nor_its_hash(kiosk_boots: Restarts) -> None:
    gate = kiosk_boots.gate()
    wrong_pins(gate, 2)
    gate.check(PIN)
    wrong_pins(gate, FREE_ATTEMPTS)
    written = kiosk_boots.path.read_text(encoding="utf-8")
    salt, digest = kiosk_boots.pin_hash.split("$")[-2:]
    assert not any(secret in written for secret in (PIN, "111112", kiosk_boots.pin_hash, salt, digest))
    assert set(json.loads(written)) == {"failures", "locked_until"}
    assert [path.name for path in kiosk_boots.path.parent.iterdir()] == [kiosk_boots.path.name]  # no temp left


def test_a_lock_far_in_the_future_is_capped_at_the_longest_lock(kiosk_boots: Restarts) -> None:
    """GIVEN a lock ten days ahead in the file  WHEN the kiosk starts  THEN it waits max_lockout_s, no more."""
    kiosk_boots.path.parent.mkdir(parents=True)
    kiosk_boots.path.write_text(json.dumps({"failures": 7, "locked_until": UNIX_NOW + 10 * 86_400}))
    monotonic = Clock(3.0)
    gate = kiosk_boots.gate(monotonic)
    assert gate.seconds_locked() == 3600
    monotonic.now += 3600
    gate.check(PIN)


def test_a_wall_clock_set_back_a_day_does_not_add_the_day_to_the_lock(kiosk_boots: Restarts) -> None:
    wrong_pins(kiosk_boots.gate(), FREE_ATTEMPTS)
    kiosk_boots.wall.now -= 86_400
    assert kiosk_boots.gate().seconds_locked() == 3600


def test_a_lockout_file_that_cannot_be_written_leaves_the_old_one_whole_and_the_count_in_memory(
        kiosk_boots: Restarts, monkeypatch, caplog) -> None:
    gate = kiosk_boots.gate()
    wrong_pins(gate, 2)
    before = kiosk_boots.path.read_bytes()

    def disk_full(source, target) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kiosk.maintenance.access.os.replace", disk_full)
    with caplog.at_level(logging.ERROR, logger="kiosk.maintenance.access"):
        with pytest.raises(PinRejected) as wrong:
            gate.check("111112")
    assert wrong.value.attempts_left == 2
    assert str(kiosk_boots.path) in caplog.text and "No space left" in caplog.text
    assert kiosk_boots.path.read_bytes() == before


def test_without_a_pin_hash_nobody_enters_and_the_message_says_how_to_set_one() -> None:
    with pytest.raises(NoPinConfigured, match="set-pin --secrets"):
        PinGate("", clock=Clock()).check(PIN)


def test_five_corner_taps_within_the_window_complete_the_gesture() -> None:
    gesture = CornerGesture(taps=5, window_s=3.0)
    assert [gesture.tap(in_corner=True, now=t) for t in (0.0, 0.5, 1.0, 1.5, 2.9)] == [False] * 4 + [True]


def test_slow_taps_or_a_tap_elsewhere_do_not_open_anything() -> None:
    slow = CornerGesture(taps=5, window_s=3.0)
    assert not any(slow.tap(in_corner=True, now=t) for t in (0.0, 1.0, 2.0, 3.0, 4.0))
    interrupted = CornerGesture(taps=5, window_s=3.0)
    results = [interrupted.tap(in_corner=corner, now=t)
               for t, corner in ((0, True), (0.2, True), (0.4, False), (0.6, True), (0.8, True), (1.0, True))]
    assert not any(results)
    # The window slides: the last five of six taps within 3 s count.
    sliding = CornerGesture(taps=5, window_s=3.0)
    assert [sliding.tap(in_corner=True, now=t) for t in (0.0, 3.5, 4.0, 4.5, 5.0, 5.5)][-1] is True


def test_the_corner_is_the_top_left_in_window_coordinates() -> None:
    assert in_top_left(10, 1900, 1080, 1920)
    assert not in_top_left(10, 10, 1080, 1920)      # bottom-left
    assert not in_top_left(1070, 1900, 1080, 1920)  # top-right


def test_set_pin_from_stdin_keeps_the_other_secrets_and_writes_mode_600(tmp_path: Path, capsys) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('# kiosk secrets\nkiosk_secret = "0123456789abcdef0123"\n', encoding="utf-8")
    os.chmod(secrets_file, 0o644)
    assert main(["set-pin", "--secrets", str(secrets_file)], stdin=io.StringIO(PIN + "\n")) == 0
    written = tomllib.loads(secrets_file.read_text(encoding="utf-8"))
    assert written["kiosk_secret"] == "0123456789abcdef0123"
    assert verify_pin(PIN, written["maintenance_pin_hash"])
    assert "# kiosk secrets" in secrets_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert PIN not in capsys.readouterr().out


def test_set_pin_refuses_a_weak_pin_and_leaves_the_file_alone(tmp_path: Path, capsys) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('kiosk_secret = "0123456789abcdef0123"\n', encoding="utf-8")
    before = secrets_file.read_bytes()
    assert main(["set-pin", "--secrets", str(secrets_file)], stdin=io.StringIO("1234\n")) == 2
    assert "PIN not set: the PIN must have 6 to 12 digits" in capsys.readouterr().err
    assert secrets_file.read_bytes() == before


# --- the audit log ------------------------------------------------------------------------------------

def fake_id_number() -> str:
    body = "11010519491231002"
    return body + check_digit(body)


def test_each_action_is_a_masked_line_on_disk_and_an_event_in_the_outbox(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3", derive_key("audit-test-key-0123456789"))
    audit = AuditLog(tmp_path / "audit", outbox=lambda: outbox, clock=lambda: 1_790_000_000.0)
    number = fake_id_number()
    audit.record("entry", "PIN accepted")
    audit.record("reader_test", f"card read: {number}")
    lines = [json.loads(line) for line in (tmp_path / "audit" / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert [line["action"] for line in lines] == ["entry", "reader_test"]
    assert number not in lines[1]["detail"] and "1101**********" + number[-4:] in lines[1]["detail"]
    assert all(line["queued"] for line in lines)
    events = outbox.pending("events", 10)
    assert [event.payload["type"] for event in events] == ["maintenance.entry", "maintenance.reader_test"]
    assert number not in json.dumps([event.payload for event in events])
    assert [record.action for record in audit.recent(1)] == ["reader_test"]
    outbox.close()


def test_without_an_outbox_the_local_line_is_kept_and_says_it_was_not_queued(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit")
    record = audit.record("pin_failed", "wrong PIN", severity="warning")
    assert record.queued is False
    assert audit.recent() == [record]


def test_an_action_name_the_hall_would_refuse_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lower-case"):
        AuditLog(tmp_path).record("Open Printer!", "")
