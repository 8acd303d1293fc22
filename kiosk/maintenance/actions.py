"""What a technician does from the maintenance page, without Kivy: the test page, the reader test's
masked result, the last printout kept for a preview, and the masked diagnostics bundle for a USB stick.

    test_page(settings, clock.now())                    # a TestPage for the configured printer
    reader_test_result(event)                           # "读卡成功 张* 1101**********0012" (and wipes the card)
    export_bundle(settings, lines, audit, usb_targets()[0], clock.now())  # → Path of the .zip

Nothing here writes a secret or an unmasked identity: the bundle holds the diagnostics lines, the
profile as loaded (secrets live in their own file, which is never read here), the audit log and the
kiosk's logs — the logs already redacted when they were written, and masked again on the way out.
"""

from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Iterable

from domain.printouts import TestPage
from kiosk.config import Settings
from kiosk.devices.events import CardEvent, CardPlaced, CardUnreadable
from kiosk.maintenance.audit import AuditLog, mask_personal
from kiosk.maintenance.diagnostics import DiagnosticLine, report_text

__all__ = ["test_page", "reader_test_result", "export_bundle", "usb_targets",
           "ExportFailed"]

USB_ROOTS = ("/media", "/run/media")


class ExportFailed(Exception):
    """The bundle could not be written (stick full, read-only, pulled out); the text names the place."""


def test_page(settings: Settings, now: datetime) -> TestPage:
    printer = settings.devices.printer
    return TestPage(printer=printer.url, profile=printer.profile, paper_width_mm=printer.paper_width, printed_at=now)


def reader_test_result(event: CardEvent) -> tuple[bool, str] | None:
    """The reader test's outcome from a card event, masked (a card read is wiped at once); None for an
    event that is no result (the card taken away, the reader's state)."""
    if isinstance(event, CardPlaced):
        identity = event.identity
        try:
            return True, f"{identity.masked_name} {identity.masked_id_number}"
        finally:
            identity.wipe()
    if isinstance(event, CardUnreadable):
        return False, mask_personal(str(event.error))
    return None


def usb_targets(roots: Iterable[str] = USB_ROOTS) -> list[Path]:
    """Mounted removable media the kiosk user may write to (/media/<user>/<label>, /run/media/...)."""
    found = []
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        for candidate in sorted(root.glob("*/*")) + sorted(root.glob("*")):
            if candidate.is_dir() and os.path.ismount(candidate) and os.access(candidate, os.W_OK):
                found.append(candidate)
    return found


def export_bundle(settings: Settings, lines: list[DiagnosticLine], audit: AuditLog, target: Path,
                  now: datetime) -> Path:
    """Write `kiosk-<id>-<site time>.zip` into `target`: diagnostics, profile, audit log, logs — all masked."""
    name = f"kiosk-{settings.hall.kiosk_id}-{now:%Y%m%d-%H%M%S}.zip"
    path = target / name
    profile = settings.model_dump(mode="json")
    try:
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("diagnostics.txt", report_text(lines) + "\n")
            bundle.writestr("profile.json", json.dumps(profile, ensure_ascii=False, indent=2))
            if audit.path.exists():
                bundle.writestr("audit.log", _masked_file(audit.path))
            for log_file in sorted((settings.data_dir / "logs").glob("*.log*")):
                bundle.writestr(f"logs/{log_file.name}", _masked_file(log_file))
    except OSError as error:
        path.unlink(missing_ok=True)
        raise ExportFailed(f"cannot write the bundle to {target}: {error.strerror or error}") from None
    return path


def _masked_file(path: Path) -> str:
    return "\n".join(mask_personal(line) for line in path.read_text(encoding="utf-8", errors="replace").splitlines()) + "\n"
