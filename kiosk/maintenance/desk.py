"""The technician's desk in the running kiosk, without Kivy: the way in (corner gesture, then the PIN
checked on a worker), the visit's own inactivity timeout, and the audit of every action.

    desk = MaintenanceDesk(settings, secrets, worker, outbox=..., monotonic=time.monotonic)
    desk.corner_tap(in_corner=True, now=t)          # True on the fifth quick tap: open the PIN pad
    desk.check_pin("246810", on_entered=..., on_refused=...)   # on_refused(PinRefusal)
    desk.begin_visit(); desk.touched(now); desk.visit_expired(now)   # maintenance mode's own timeout
    desk.audit("test_page", "printed")              # on disk and to the hall, off the UI thread

A refused PIN comes back as a `PinRefusal`: the catalogue text to show and the audit entry to write,
so the pad only displays it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.background import BackgroundWorker
from kiosk.config import Secrets, Settings
from kiosk.maintenance.access import CornerGesture, EntryLocked, NoPinConfigured, PinGate, PinRejected
from kiosk.maintenance.audit import AuditLog

__all__ = ["MaintenanceDesk", "PinRefusal", "pin_refusal"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinRefusal:
    message_key: str                # what the pad says
    values: dict[str, Any] = field(default_factory=dict)
    audit_action: str = ""          # what the audit log records
    severity: str = "warning"
    detail: str = ""                # the technician's words, for the audit log


def pin_refusal(error: BaseException) -> PinRefusal:
    """The pad's message and the audit entry for a refused PIN; any other error is a bug and raised."""
    if isinstance(error, PinRejected):
        return PinRefusal("maintenance.pin_wrong", {"left": error.attempts_left}, "pin_failed", "warning", str(error))
    if isinstance(error, EntryLocked):
        return PinRefusal("maintenance.pin_locked", {"seconds": round(error.seconds_left)}, "entry_locked", "error",
                          str(error))
    if isinstance(error, NoPinConfigured):
        return PinRefusal("maintenance.pin_not_set", {}, "pin_not_set", "warning", str(error))
    raise error


class MaintenanceDesk:
    def __init__(self, settings: Settings, secrets: Secrets | None, worker: BackgroundWorker, *,
                 outbox: Callable[[], Any], monotonic: Callable[[], float]) -> None:
        self._worker = worker
        self._monotonic = monotonic
        self._timeout_s = settings.maintenance.timeout_s
        self.audit_log = AuditLog(settings.data_dir / "audit", outbox=outbox)
        self.pin_gate = PinGate(secrets.maintenance_pin_hash if secrets else "", clock=monotonic,
                                state_path=settings.data_dir / "maintenance_lockout.json")
        self.gesture = CornerGesture(settings.maintenance.gesture_taps, settings.maintenance.gesture_window_s)
        self.active = False
        self._touched = 0.0

    def corner_tap(self, *, in_corner: bool, now: float) -> bool:
        """Count a touch; True when the gesture is complete and no visit is under way (open the pad)."""
        return self.gesture.tap(in_corner=in_corner, now=now) and not self.active

    def check_pin(self, pin: str, *, on_entered: Callable[[], None],
                  on_refused: Callable[[PinRefusal], None]) -> None:
        """Check the PIN on a worker (scrypt takes a tenth of a second by design); the refusal is audited."""
        def refused(error: BaseException) -> None:
            refusal = pin_refusal(error)
            self.audit(refusal.audit_action, refusal.detail, refusal.severity)
            on_refused(refusal)

        self._worker.run(lambda: self.pin_gate.check(pin), on_result=lambda _none: on_entered(), on_error=refused)

    def begin_visit(self) -> None:
        self.active = True
        self._touched = self._monotonic()
        self.audit("entry", "maintenance mode entered with the PIN")

    def end_visit(self, reason: str) -> None:
        self.active = False
        self.audit("exit", f"maintenance mode ended: {reason}")

    def touched(self, now: float) -> None:
        self._touched = now

    def visit_expired(self, now: float) -> bool:
        return self.active and now - self._touched >= self._timeout_s

    def audit(self, action: str, detail: str = "", severity: str = "info") -> None:
        """Record a technician's action (masked) on disk and to the hall, off the UI thread."""
        self._worker.run(lambda: self.audit_log.record(action, detail, severity=severity),
                         on_error=lambda error: log.error("audit record failed: %s", error))
