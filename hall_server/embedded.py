"""The reference hall in-process, for the demo profile: `python main.py` talks to it over HTTP.

    hall = start_embedded("/tmp/demo-hall.sqlite3", "kiosk-demo-01", b"demo-secret")
    client = HallClient(hall.base_url, "kiosk-demo-01", b"demo-secret", ...)
    ...
    hall.stop()

A fresh demo database every start (an old file at `db_path` is replaced), served on 127.0.0.1 on a
free port in a daemon thread, queues open whatever the time with a few citizens already waiting,
and the simulated hall (walk-ins arriving, windows calling) stepping every 20 seconds so that
waiting counts move during a demo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hall_server import db
from hall_server.app import HallConfig
from hall_server.seed import seed_waiting_walk_ins
from hall_server.server import HallServer

__all__ = ["EmbeddedHall", "start_embedded"]

DEMO_CALL_INTERVAL_SECONDS = 20.0
# Walk-ins per queue and simulation step, repeating: a little less than one window calls per step.
DEMO_ARRIVALS = (1, 0, 2, 0, 1, 0)


@dataclass
class EmbeddedHall:
    server: HallServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()


def _fresh(db_path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(db_path + suffix)
        except FileNotFoundError:
            pass


def start_embedded(db_path: str, kiosk_id: str, kiosk_secret: bytes | str, *,
                   call_interval: float | None = DEMO_CALL_INTERVAL_SECONDS,
                   public_base_url: str | None = None) -> EmbeddedHall:
    """Start the demo hall on a free loopback port; returns once it accepts connections.

    `public_base_url` (e.g. "http://192.168.1.20:8700" behind a port forward) names the host in the
    review QR codes, for a demo where a real phone should open the review page.
    """
    secret = kiosk_secret.encode("utf-8") if isinstance(kiosk_secret, str) else kiosk_secret
    _fresh(db_path)
    config = HallConfig(db_path=db_path, kiosks={kiosk_id: secret}, always_open=True,
                        public_base_url=public_base_url)
    server = HallServer(config, host="127.0.0.1", port=0, demo=True, simulation_interval=call_interval,
                        simulation_arrivals=DEMO_ARRIVALS)
    conn = db.connect(db_path)
    try:
        seed_waiting_walk_ins(conn, config.clock.now())
    finally:
        conn.close()
    return EmbeddedHall(server.start())
