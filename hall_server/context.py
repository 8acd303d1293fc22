"""The server's configuration and clock, as seen from inside a request.

Kept apart from the app factory so that the route modules can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from hall_server.clock import Clock, SystemClock
from hall_server.fleet_feed import FleetBroker
from hall_server.rate_limits import LookupLimits

__all__ = ["HallConfig", "hall_config", "hall_now"]


@dataclass(frozen=True)
class HallConfig:
    db_path: str                                 # a SQLite file, or a postgresql:// URL (hall_server.db)
    kiosks: dict[str, bytes]                     # kiosk id -> shared secret
    clock: Clock = field(default_factory=SystemClock)
    signature_window_seconds: int = 300
    review_token_seconds: int = 8 * 3600         # a ticket's QR code stays valid for the day
    public_base_url: str | None = None           # for review URLs; default: the URL the request came to
    always_open: bool = False                    # demo: queues open whatever the time
    db_busy_timeout_seconds: float = 10.0        # then 503 database_busy
    fleet_password: str | None = None            # hall staff's /fleet page; None: the page is closed
    review_follow_up_working_days: int = 5       # a 差评 is looked into and answered within this, as the hall says
    fleet_broker: FleetBroker | None = None      # the MQTT broker the fleet page listens to (hall_server.fleet_feed)
    lookup_limits: LookupLimits = field(default_factory=LookupLimits)   # identity lookups (rate_limits)


def hall_config() -> HallConfig:
    return current_app.config["HALL"]


def hall_now() -> datetime:
    """The hall clock (business hours, today's date), not the signature clock."""
    return hall_config().clock.now()
