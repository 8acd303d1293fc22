"""Everything the kiosk keeps with its hall: the signed HTTP client, the durable outbox and its sender,
the reachability watch, and the cached service guides — started together, stopped together.

The hall is either the reference server embedded in this process (demo profile) or a remote hall system;
either way the kiosk talks HTTP over a real socket. Starting the embedded server imports Flask and seeds a
database, so the app calls `connect_hall` from a worker thread and the first frame is never delayed.
An unreachable hall is not an error here: the outbox accepts work and the reachability watch reports
when the hall answers again.

    connection = connect_hall(settings, secrets, on_reachability=..., on_alert=...)
    connection.outbox.enqueue_review({...})          # returns the citizen's reference
    connection.close()
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from domain.background_loop import BackgroundLoop
from kiosk.config import Secrets, Settings
from kiosk.hall.catalogue import CatalogueCache
from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallError
from kiosk.hall.reachability import Reachability
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key

__all__ = ["HallConnection", "connect_hall"]

log = logging.getLogger(__name__)


CATALOGUE_REFRESH_S = 6 * 3600


class CatalogueRefresher:
    """Keeps the saved service guides fresh, so 办事指南 works offline: a full refresh whenever the hall
    comes (back) online and every few hours while it stays online, on its own thread."""

    def __init__(self, catalogue: CatalogueCache, interval_s: float = CATALOGUE_REFRESH_S) -> None:
        self._catalogue = catalogue
        self._interval_s = interval_s
        self.refreshed = threading.Event()  # set after each complete refresh (for tests and diagnostics)
        self._loop = BackgroundLoop("catalogue-refresh", self._round, error_delay_s=interval_s)

    def hall_reachable(self, online: bool) -> None:
        if online:
            self._loop.wake()

    def start(self) -> "CatalogueRefresher":
        self._loop.start(first_in=self._interval_s)  # the first refresh comes when the hall is seen online
        return self

    def stop(self) -> None:
        self._loop.stop()

    def _round(self) -> float:
        """Refresh every guide; then again after the interval (it fails quietly while offline)."""
        try:
            count = self._catalogue.refresh_all()
            log.info("service guides refreshed: %d saved", count)
            self.refreshed.set()
        except HallError as error:
            log.info("service guides not refreshed: %s", type(error).__name__)
        return self._interval_s


@dataclass
class HallConnection:
    client: HallClient
    outbox: Outbox
    sender: OutboxSender
    reachability: Reachability
    catalogue: CatalogueCache
    refresher: CatalogueRefresher
    embedded: Any = None  # hall_server.embedded.EmbeddedHall when the hall runs in this process

    def close(self) -> None:
        self.refresher.stop()
        self.reachability.stop()
        self.sender.stop()
        self.outbox.close()
        self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def connect_hall(settings: Settings, secrets: Secrets, *,
                 on_reachability: Callable[[bool], None] | None = None,
                 on_alert: Callable[[Any], None] | None = None) -> HallConnection:
    """Build and start the hall connection. Listeners are called on background threads."""
    hall = settings.hall
    embedded = None
    base_url = hall.base_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if hall.mode == "embedded":
        from hall_server.embedded import start_embedded  # the server's dependencies only when embedded

        embedded = start_embedded(str(settings.data_dir / "embedded-hall.sqlite3"), hall.kiosk_id,
                                  secrets.kiosk_secret)
        base_url = embedded.base_url
        # The embedded hall starts with a fresh database and the demo's keys are new at every start:
        # an outbox left from an earlier run belongs to a hall that no longer exists.
        for leftover in settings.data_dir.glob("outbox.sqlite3*"):
            leftover.unlink()
    client = HallClient(base_url, hall.kiosk_id, secrets.kiosk_secret,
                        connect_timeout=hall.connect_timeout_s, read_timeout=hall.read_timeout_s,
                        retries=hall.retries, ca_bundle=hall.ca_bundle or None,
                        client_cert=hall.client_cert or None)
    outbox = Outbox(settings.data_dir / "outbox.sqlite3", derive_key(secrets.outbox_key), on_alert=on_alert)
    reachability = Reachability(client.hall_info)
    sender = OutboxSender(outbox, client, on_reachability=reachability.report, on_alert=on_alert)
    reachability.add_listener(lambda online: online and sender.wake(reset_backoff=True))
    if on_reachability is not None:
        reachability.add_listener(on_reachability)
    catalogue = CatalogueCache(settings.data_dir / "catalogue", client, is_online=lambda: reachability.online)
    refresher = CatalogueRefresher(catalogue)
    reachability.add_listener(refresher.hall_reachable)
    refresher.start()
    sender.start()
    reachability.start()
    return HallConnection(client, outbox, sender, reachability, catalogue, refresher, embedded)
