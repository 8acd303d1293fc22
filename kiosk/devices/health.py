"""Device health as the citizen flow sees it: which services can work right now, and why not.

The app keeps one `DeviceHealth` (printer, reader and hall states) and asks `availability(settings, health)`
which journeys to offer. A journey that must print is disabled while the printer cannot print (or, where
the site sets ``health.without_printer = "number_on_screen"``, offered with its number on screen only); a
journey that needs the ID card reader is disabled while the reader or its SAM module fails. When nothing
can work, or every device and the hall are down at once, `out_of_service` says so. No Kivy here.

    health = DeviceHealth(printer="paper_out", reader="connected", hall="online")
    availability(settings, health)["ticket"]   # ServiceAvailability(mode=DISABLED, reason="printer")
    assess(settings, health, suspended=False, closed=False)   # Offer(service_modes, notices, unavailable)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Callable

from domain.background_loop import BackgroundLoop
from kiosk.config import Settings

__all__ = ["DeviceHealth", "ServiceMode", "ServiceAvailability", "availability", "out_of_service", "Offer",
           "assess", "PRINTER_OK", "READER_OK", "NEEDS", "TAKES_MONEY", "PrinterWatch"]


PRINTER_OK = {"ready", "paper_near_end"}
READER_OK = {"connected"}
ABSENT = "absent"   # the profile has no such device: nothing to adapt to

# What each journey cannot work without. "printer": it hands the citizen paper (a ticket, a proof).
NEEDS: dict[str, frozenset[str]] = {
    "ticket": frozenset({"printer"}),
    "appointment": frozenset({"printer", "reader"}),
    "one_card": frozenset({"reader"}),
    "progress": frozenset(),
    "guide": frozenset(),
    "review": frozenset(),
    "complaint": frozenset(),
    "gas": frozenset({"printer"}),
}

# Journeys that take money end with a receipt or a voucher: never offered without a printer, whatever the site
# says about showing numbers on screen instead.
TAKES_MONEY = frozenset({"gas"})


class ServiceMode(enum.Enum):
    FULL = "full"
    NUMBER_ON_SCREEN = "number_on_screen"   # works, but the ticket is shown instead of printed
    DISABLED = "disabled"


@dataclass(frozen=True)
class ServiceAvailability:
    mode: ServiceMode
    reason: str = ""   # "printer" or "reader": which device the notice names


@dataclass(frozen=True)
class DeviceHealth:
    printer: str = "unknown"   # a PrinterState value, "absent" or "unknown" (not checked yet)
    reader: str = "unknown"    # a ReaderState value, "absent" or "unknown"
    hall: str = "unknown"      # online | offline | connecting | unknown

    def with_(self, **changes: str) -> "DeviceHealth":
        return replace(self, **changes)

    @property
    def printer_failing(self) -> bool:
        return self.printer not in PRINTER_OK | {ABSENT, "unknown"}

    @property
    def reader_failing(self) -> bool:
        return self.reader not in READER_OK | {ABSENT, "unknown"}


def availability(settings: Settings, health: DeviceHealth) -> dict[str, ServiceAvailability]:
    """For each service the profile offers: full, number on screen only, or disabled with the device to blame."""
    offered = {}
    for service in settings.services:
        needs = NEEDS.get(service, frozenset())
        if "reader" in needs and health.reader_failing:
            offered[service] = ServiceAvailability(ServiceMode.DISABLED, "reader")
        elif "printer" in needs and health.printer_failing:
            if settings.health.without_printer == "number_on_screen" and service not in TAKES_MONEY:
                offered[service] = ServiceAvailability(ServiceMode.NUMBER_ON_SCREEN, "printer")
            else:
                offered[service] = ServiceAvailability(ServiceMode.DISABLED, "printer")
        else:
            offered[service] = ServiceAvailability(ServiceMode.FULL)
    return offered


def out_of_service(settings: Settings, health: DeviceHealth) -> bool:
    """Nothing a citizen could do here: every offered service is disabled, or every device and the hall are down."""
    offered = availability(settings, health)
    if all(item.mode is ServiceMode.DISABLED for item in offered.values()):
        return True
    present = [failing for kind, failing in (("printer", health.printer_failing), ("reader", health.reader_failing))
               if getattr(health, kind) != ABSENT]
    return bool(present) and all(present) and health.hall == "offline"

@dataclass(frozen=True)
class Offer:
    """What the kiosk offers right now, for the screens to show."""

    service_modes: dict[str, str]   # service → "full" | "number_on_screen" | "disabled"
    notices: tuple[str, ...]        # catalogue keys of the home screen's device notices, once each
    unavailable: str                # "" in service, else why not: "suspended" | "closed" | "broken"


def assess(settings: Settings, health: DeviceHealth, *, suspended: bool, closed: bool) -> Offer:
    """The health policy in one place: each service's mode, the notices that explain them, and whether
    the kiosk serves at all (the technician's 暂停服务 first, then the opening hours, then the devices)."""
    offered = availability(settings, health)
    notices: list[str] = []
    for item in offered.values():
        key = ("health.printer_screen_only" if item.mode is ServiceMode.NUMBER_ON_SCREEN
               else f"health.{item.reason}_notice" if item.mode is ServiceMode.DISABLED else None)
        if key and key not in notices:
            notices.append(key)
    unavailable = ("suspended" if suspended else "closed" if closed
                   else "broken" if out_of_service(settings, health) else "")
    return Offer({service: item.mode.value for service, item in offered.items()}, tuple(notices), unavailable)


class PrinterWatch:
    """Reads the printer's status on its own thread every `interval` s (and at once on `check_now()`),
    calling `on_state(state_value, message)` from that thread whenever the state changes."""

    def __init__(self, status: Callable[[], object], on_state: Callable[[str, str], None], *,
                 interval: float = 20.0) -> None:
        self._status = status
        self._on_state = on_state
        self._interval = interval
        self._loop = BackgroundLoop("printer-watch", self._round, error_delay_s=interval)
        self.state: str | None = None

    def start(self) -> "PrinterWatch":
        self._loop.start()
        return self

    def check_now(self) -> None:
        self._loop.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self._loop.stop(timeout)

    def _round(self) -> float:
        try:
            status = self._status()
            state, message = status.state.value, status.message
        except Exception as error:  # a driver bug must not end the watch: report it as offline
            state, message = "offline", f"status check failed: {type(error).__name__}: {error}"
        if state != self.state and not self._loop.stopping:
            self.state = state
            self._on_state(state, message)
        return self._interval
