"""Which hall the kiosk talks to: the reference server embedded in this process (demo profile), or a
remote hall system. Either way the kiosk uses the same signed HTTP client over a real socket.

Starting the embedded server imports Flask and builds a database: the app calls `connect_hall` from a
worker thread so the first frame is never delayed by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.config import Secrets, Settings
from kiosk.hall_client import HallClient

__all__ = ["HallConnection", "connect_hall"]


@dataclass
class HallConnection:
    client: HallClient
    embedded: Any = None  # hall_server.embedded.EmbeddedHall when the hall runs in this process

    def close(self) -> None:
        self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def connect_hall(settings: Settings, secrets: Secrets) -> HallConnection:
    hall = settings.hall
    embedded = None
    base_url = hall.base_url
    if hall.mode == "embedded":
        from hall_server.embedded import start_embedded  # the server's dependencies only when embedded

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        embedded = start_embedded(str(settings.data_dir / "embedded-hall.sqlite3"), hall.kiosk_id,
                                  secrets.kiosk_secret)
        base_url = embedded.base_url
    client = HallClient(base_url, hall.kiosk_id, secrets.kiosk_secret,
                        connect_timeout=hall.connect_timeout_s, read_timeout=hall.read_timeout_s,
                        retries=hall.retries, ca_bundle=hall.ca_bundle or None,
                        client_cert=hall.client_cert or None)
    return HallConnection(client, embedded)
