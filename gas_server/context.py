"""The server's configuration and clock, as seen from inside a request (apart from the app factory, so that
route modules import it without a cycle).

The utility's business clock (the site day of an order, the tariff year, reservation expiry, the payment
window) is `GasConfig.clock`: the utility's wall time in China by default (domain.clock.SiteClock), a
settable clock in tests. Request signatures always use the real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flask import current_app

from domain.clock import SiteClock

__all__ = ["GasConfig", "BusinessClock", "gas_config", "gas_now", "UTILITY_TIMEZONE"]

UTILITY_TIMEZONE = "Asia/Shanghai"


class BusinessClock(Protocol):
    def now(self) -> datetime: ...       # timezone-aware


@dataclass(frozen=True)
class GasConfig:
    db_path: str
    terminals: dict[str, bytes]                        # terminal id -> its own key
    clock: BusinessClock = field(default_factory=lambda: SiteClock(UTILITY_TIMEZONE))
    signature_window_seconds: int = 300
    reservation_seconds: int = 120                     # a write reservation is exclusive this long
    payment_window_seconds: int = 600                  # an unpaid order holds its purchase count this long
    db_busy_timeout_seconds: float = 10.0              # then 503 database_busy


def gas_config() -> GasConfig:
    return current_app.config["GAS"]


def gas_now() -> datetime:
    """The utility's business clock, not the signature clock."""
    return gas_config().clock.now()
