"""Setting fleet telemetry up from the profile: its event outbox, its publisher, and the events it is handed.

    publisher = connect_telemetry(settings, secrets, state=runtime.telemetry_state)    # not yet connected
    publisher.start()
    outbox = EventTee(hall_outbox, publisher)    # every device, maintenance or pause event also goes on the bus
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from kiosk.config import Secrets, Settings
from kiosk.outbox.store import OutboxError, derive_key
from kiosk.devices.telemetry.publisher import TelemetryPublisher, open_event_outbox

__all__ = ["connect_telemetry", "EventTee", "EVENT_OUTBOX_FILE"]

log = logging.getLogger("kiosk.devices.telemetry")

EVENT_OUTBOX_FILE = "telemetry-outbox.sqlite3"


def connect_telemetry(settings: Settings, secrets: Secrets, *,
                      state: Callable[[], dict[str, Any]]) -> TelemetryPublisher:
    telemetry = settings.telemetry
    folder = settings.source.resolve().parent

    def path(value: str) -> str | None:       # relative to the profile's folder, as every path of a profile
        return str(folder / value) if value else None

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.secrets_file:
        # No secrets file: the outbox key is new at every start, so what an earlier run left cannot be opened.
        for leftover in settings.data_dir.glob(EVENT_OUTBOX_FILE + "*"):
            leftover.unlink()
    events = open_event_outbox(Path(settings.data_dir) / EVENT_OUTBOX_FILE, derive_key(secrets.outbox_key))
    return TelemetryPublisher(broker_url=telemetry.broker_url, site=telemetry.site, kiosk_id=settings.hall.kiosk_id,
                              username=telemetry.username or settings.hall.kiosk_id,
                              password=secrets.telemetry_password, state=state, events=events,
                              ca_bundle=path(telemetry.ca_bundle), client_cert=path(telemetry.client_cert),
                              client_key=path(telemetry.client_key), state_interval_s=telemetry.state_interval_s,
                              keepalive_s=telemetry.keepalive_s)


class EventTee:
    """The hall's outbox, with every event it is given handed to fleet telemetry as well; all else is the hall
    outbox's own. Telemetry trouble (its disk) is logged and never stops the hall's copy."""

    def __init__(self, outbox: Any, telemetry: TelemetryPublisher) -> None:
        self._outbox = outbox
        self._telemetry = telemetry

    def enqueue_event(self, type: str, severity: str, message: str = "", *, occurred_at: str | None = None) -> str:
        item_id = self._outbox.enqueue_event(type, severity, message, occurred_at=occurred_at)
        try:
            self._telemetry.enqueue_event(type, severity, message, occurred_at=occurred_at)
        except OutboxError as error:
            log.warning("telemetry event not kept: %s", error)
        return item_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outbox, name)
