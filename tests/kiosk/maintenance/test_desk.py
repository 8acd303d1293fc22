"""The way into maintenance without Kivy: the corner gesture, the PIN checked on a worker, each refusal
worded from the catalogue and audited, and the visit's own timeout."""

from __future__ import annotations

import pytest

from kiosk.background import BackgroundWorker
from kiosk.config import PROFILE_DIR, Secrets, load_settings
from kiosk.maintenance.access import EntryLocked, NoPinConfigured, PinRejected, hash_pin
from kiosk.maintenance.desk import MaintenanceDesk, PinRefusal, pin_refusal

PIN = "482916"


@pytest.fixture
def worker():
    """One worker thread, results handed back at once: tasks run in the order they were started."""
    worker = BackgroundWorker(deliver=lambda callback: callback(), max_workers=1)
    yield worker
    worker.shutdown()


def settled(worker) -> None:
    """Wait until the work started so far, and the work its results started, is done."""
    for _ in range(2):
        worker.run(lambda: None).result(timeout=10)


@pytest.fixture
def desk(worker, tmp_path):
    demo = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    secrets = Secrets(kiosk_secret="x" * 16, maintenance_pin_hash=hash_pin(PIN, log2_n=4))
    return MaintenanceDesk(demo, secrets, worker, outbox=lambda: None, monotonic=lambda: 100.0)


def test_five_quick_corner_taps_open_the_pad_but_not_during_a_visit(desk):
    assert [desk.corner_tap(in_corner=True, now=t) for t in (0.0, 0.5, 1.0, 1.5, 2.0)] == [False] * 4 + [True]
    desk.begin_visit()
    assert not any(desk.corner_tap(in_corner=True, now=t) for t in (10.0, 10.5, 11.0, 11.5, 12.0))


def test_the_right_pin_enters_and_a_wrong_one_is_refused_worded_and_audited(desk, worker):
    entered, refused = [], []
    desk.check_pin("000000", on_entered=lambda: entered.append(True), on_refused=refused.append)
    desk.check_pin(PIN, on_entered=lambda: entered.append(True), on_refused=refused.append)
    settled(worker)
    assert entered == [True]
    assert refused == [PinRefusal("maintenance.pin_wrong", {"left": 4}, "pin_failed", "warning",
                                  "wrong PIN; 4 attempt(s) left before entry is locked")]
    assert [record.action for record in desk.audit_log.recent()] == ["pin_failed"]


def test_every_refusal_has_its_words_and_anything_else_is_a_bug():
    assert pin_refusal(EntryLocked(59.6)).values == {"seconds": 60}
    assert pin_refusal(EntryLocked(59.6)).audit_action == "entry_locked"
    assert pin_refusal(NoPinConfigured()).message_key == "maintenance.pin_not_set"
    assert pin_refusal(PinRejected(1)).severity == "warning"
    with pytest.raises(RuntimeError):
        pin_refusal(RuntimeError("a bug"))


def test_a_visit_ends_by_itself_after_its_own_timeout_of_no_touch(desk, worker):
    desk.begin_visit()
    timeout = load_settings(PROFILE_DIR / "demo.toml").maintenance.timeout_s
    desk.touched(100.0 + timeout - 1)
    assert not desk.visit_expired(100.0 + 2 * timeout - 2)
    assert desk.visit_expired(100.0 + 2 * timeout - 1)
    desk.end_visit("timeout")
    assert not desk.visit_expired(100.0 + 10 * timeout)
    settled(worker)
    assert [r.action for r in desk.audit_log.recent()] == ["entry", "exit"]
