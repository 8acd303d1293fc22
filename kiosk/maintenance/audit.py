"""The maintenance audit log: every entry, failed PIN and technician action, kept on the kiosk and told to the hall.

Each record is one JSON line in `<data_dir>/audit/audit.log` (appended, flushed and synced: an action the
technician saw confirmed is on disk) and a device event in the outbox (``maintenance.<action>``), so the hall
keeps its own copy. Details pass through `domain.privacy.redact` first: a card test's result, a path or a
setting never carries an unmasked identity number or name. A full outbox or a missing hall connection never
loses the local line; the line says it was not queued.

    audit = AuditLog(settings.data_dir / "audit", outbox=lambda: app.hall and app.hall.outbox)
    audit.record("entry", "PIN accepted")
    audit.record("pin_failed", "wrong PIN (2 of 5)", severity="warning")
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from domain.privacy import redact
from kiosk.outbox.errors import OutboxError

__all__ = ["AuditLog", "AuditRecord", "mask_personal"]

_ACTION = re.compile(r"^[a-z0-9_]+$")   # becomes part of the hall's event type (^[a-z0-9_.]+$)
_ID_LIKE = re.compile(r"\b(\d{6})\d{8}(\d{3}[\dXx])\b")  # an 18-character ID number that slipped through


@dataclass(frozen=True)
class AuditRecord:
    at: str
    action: str
    severity: str
    detail: str
    queued: bool


def mask_personal(text: str) -> str:
    """`redact` (the values registered as sensitive), and any 18-character ID number left over."""
    return _ID_LIKE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), redact(text))


class AuditLog:
    def __init__(self, folder: str | os.PathLike[str], *, outbox: Callable[[], Any] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(folder) / "audit.log"   # the folder is made at the first record
        self._outbox = outbox or (lambda: None)
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, action: str, detail: str = "", *, severity: str = "info") -> AuditRecord:
        """Write one masked line and queue it to the hall. Blocking (disk sync): call from a worker thread."""
        if not _ACTION.match(action):
            raise ValueError(f"audit action {action!r}: expected lower-case letters, digits and _")
        if severity not in ("info", "warning", "error"):
            raise ValueError(f"audit severity {severity!r}: expected info, warning or error")
        detail = mask_personal(detail)[:400]
        at = datetime.fromtimestamp(self._clock(), timezone.utc).isoformat(timespec="seconds")
        queued = False
        outbox = self._outbox()
        if outbox is not None:
            try:
                outbox.enqueue_event(f"maintenance.{action}", severity, detail, occurred_at=at)
                queued = True
            except OutboxError:
                queued = False  # the local line below still records it, and says so
        entry = AuditRecord(at, action, severity, detail, queued)
        line = json.dumps(entry.__dict__, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())
        return entry

    def recent(self, count: int = 50) -> list[AuditRecord]:
        """The last `count` records, newest last (for the maintenance page and the diagnostics bundle)."""
        if not self.path.exists():
            return []
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-count:]
        return [AuditRecord(**json.loads(line)) for line in lines if line.strip()]
