"""Everything the running kiosk keeps going besides its screens, started and stopped together, and what it
decides from their state: the worker, the devices and the printer watch, the hall connection, the gas
terminal (utility connection, journal, top-up saga, recovery: where the site sells gas), the health
reporter, fleet telemetry over MQTT (where the profile enables it), the maintenance desk, the systemd notifier,
the site clock and opening hours.

    runtime = KioskRuntime(settings, secrets, deliver=app.deliver, on_card_event=..., on_offer=...,
                           on_hall_state=..., hall_connector=connect_hall)
    runtime.start(start_devices=True)   # nothing here blocks: slow work runs on the worker
    runtime.device_changed("printer", "paper_out", "roll empty")   # → on_offer(Offer(...)) and a heartbeat event
    runtime.stop()

Every state change (a device, the hall, 暂停服务, opening hours) is reassessed by kiosk.devices.health.assess
and handed to `on_offer` with the health it was judged on; results of threads reach the app only through
`deliver` (its UI thread). No Kivy here.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from domain.clock import SiteClock
from kiosk.background import BackgroundWorker
from kiosk.config import Secrets, Settings
from kiosk.devices.events import CardEvent
from kiosk.devices.health import DeviceHealth, Offer, PrinterWatch, assess
from kiosk.devices.heartbeat import HealthReporter
from kiosk.devices.hub import DeviceHub
from kiosk.devices.opening_hours import OpeningHours
from kiosk.gas.terminal import GasTerminal
from kiosk.maintenance.desk import MaintenanceDesk
from kiosk.maintenance.diagnostics import app_version
from kiosk.maintenance.watchdog import SystemdNotifier
from kiosk.devices.telemetry.connection import EventTee, connect_telemetry
from kiosk.devices.telemetry.publisher import TelemetryPublisher
from kiosk.devices.telemetry.state import kiosk_state

__all__ = ["KioskRuntime", "PRINTER_CHECK_INTERVAL_S"]

log = logging.getLogger(__name__)

PRINTER_CHECK_INTERVAL_S = 20.0


class KioskRuntime:
    def __init__(self, settings: Settings, secrets: Secrets | None, *, deliver: Callable[[Callable[[], None]], None],
                 on_card_event: Callable[[CardEvent], None], on_offer: Callable[[Offer, DeviceHealth], None],
                 on_hall_state: Callable[[str], None], on_devices: Callable[[], None] = lambda: None,
                 hall_connector: Callable | None = None, monotonic: Callable[[], float] = time.monotonic,
                 catalogue: Any = None) -> None:
        self.settings = settings
        self._secrets = secrets
        self._deliver = deliver
        self._on_offer = on_offer
        self._on_hall_state = on_hall_state
        self._on_devices = on_devices
        self._hall_connector = hall_connector
        self._monotonic = monotonic
        self.started_at = monotonic()
        self.clock = SiteClock(settings.site.timezone)  # every wall time shown, printed or compared
        self.opening_hours = OpeningHours(settings.opening_hours)
        self.worker = BackgroundWorker(deliver=deliver)
        self.devices = DeviceHub(settings, self.worker, deliver, on_card_event=on_card_event)
        self.devices.after_print = lambda: self.printer_watch and self.printer_watch.check_now()
        self.printer_watch: PrinterWatch | None = None
        self.hall = None  # kiosk.hall.connection.HallConnection once connected
        self.gas: GasTerminal | None = None   # once the gas devices are open and the utility reached
        self.telemetry: TelemetryPublisher | None = None   # fleet telemetry, once its outbox is open
        self._gas_starting: GasTerminal | None = None
        self._catalogue = catalogue
        self.reporter = HealthReporter(self.outbox, app_version=app_version(),
                                       interval_s=settings.health.heartbeat_interval_s,
                                       backend_alert_after_s=settings.health.backend_alert_after_min * 60)
        self.desk = MaintenanceDesk(settings, secrets, self.worker, outbox=self.outbox, monotonic=monotonic)
        self.notifier = SystemdNotifier()
        self.health = DeviceHealth()
        self.suspended = False
        self.closed = False

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, *, start_devices: bool) -> None:
        if self._hall_connector is not None and self._secrets is not None:
            self.connect_hall()
        if start_devices:
            self.worker.run(self.devices.start, on_result=self.devices_started,
                            on_error=lambda error: log.error("devices could not be started: %s: %s",
                                                             type(error).__name__, error))
        for device, enabled in (("printer", self.settings.devices.printer.enabled),
                                ("reader", self.settings.devices.idcard.enabled)):
            if not enabled:
                self.device_changed(device, "absent", f"no {device} in this profile")
        self.reporter.start()
        if self.settings.telemetry.enabled and self._secrets is not None:
            self.start_telemetry()
        self.notifier.ready()

    def devices_started(self, _result: Any = None) -> None:
        """On the UI thread once the devices are open: watch the printer, and tell the app (`on_devices`)."""
        self._on_devices()
        if "gas" in self.settings.services and self.gas is None and self._secrets is not None:
            self.start_gas()
        if self.devices.printer is not None and self.printer_watch is None:
            self.printer_watch = PrinterWatch(
                self.devices.printer.status, interval=PRINTER_CHECK_INTERVAL_S,
                on_state=lambda state, message: self._deliver(lambda: self.device_changed("printer", state,
                                                                                          message))).start()

    def start_gas(self) -> None:
        """The gas terminal on the worker (the demo's embedded utility starts there); its saga once ready."""
        catalogue = self._catalogue
        terminal = GasTerminal(self.settings, self._secrets, self.devices, clock=self.clock,
                               texts=lambda key, **values: catalogue.text(key, "zh", **values))
        self._gas_starting = terminal

        def started(_terminal) -> None:
            self.gas, self._gas_starting = terminal, None

        self.worker.run(terminal.start, on_result=started,
                        on_error=lambda error: log.error("gas top-up could not be started: %s: %s",
                                                         type(error).__name__, error))

    def start_telemetry(self) -> None:
        """Open the telemetry's event outbox and connect to the broker, on the worker; it reconnects by itself."""
        secrets = self._secrets

        def started(publisher: TelemetryPublisher) -> None:
            self.telemetry = publisher.start()

        self.worker.run(lambda: connect_telemetry(self.settings, secrets, state=self.telemetry_state),
                        on_result=started,
                        on_error=lambda error: log.error("fleet telemetry could not be started: %s: %s",
                                                         type(error).__name__, error))

    def telemetry_state(self) -> dict:
        """The retained state on the fleet bus (kiosk.devices.telemetry.state), taken on the telemetry's thread."""
        hall_outbox = self.hall.outbox if self.hall is not None else None
        return kiosk_state(kiosk_id=self.settings.hall.kiosk_id, site=self.settings.telemetry.site,
                           profile=self.settings.profile, heartbeat=self.reporter.heartbeat_body(hall_outbox),
                           devices={part: state.state for part, state in self.reporter.components().items()},
                           suspended=self.suspended, at=time.time(),
                           last_errors=list(self.telemetry.last_errors) if self.telemetry else [],
                           outbox=hall_outbox.stats() if hall_outbox is not None else None)

    def stop(self) -> None:
        self.notifier.stopping()
        self.notifier.close()
        for part in (self.gas, self._gas_starting, self.printer_watch, self.reporter, self.telemetry, self.devices):
            if part is not None:
                part.stop()
        self.printer_watch = self.gas = self._gas_starting = self.telemetry = None
        self.worker.shutdown(wait=False)
        if self.hall is not None:
            self.hall.close()
            self.hall = None

    # --- the hall -----------------------------------------------------------------------------------

    def connect_hall(self) -> None:
        """Start (or reach) the hall, the outbox and its sender on the worker; the screens never wait.
        Online/offline then follows the reachability watch."""
        self.hall_changed("connecting")

        def connect():
            return self._hall_connector(
                self.settings, self._secrets,
                on_reachability=lambda online: self._deliver(lambda: self.hall_changed("online" if online
                                                                                       else "offline")),
                on_alert=lambda alert: log.warning("outbox alert: %s", alert))

        def connected(connection) -> None:
            self.hall = connection
            log.info("hall connection to %s started", connection.client.base_url)

        def failed(error: BaseException) -> None:
            self.hall_changed("offline")
            log.error("hall connection could not be set up: %s: %s", type(error).__name__, error)

        self.worker.run(connect, on_result=connected, on_error=failed)

    def outbox(self):
        """The hall's outbox; with fleet telemetry on, one whose events also go on the bus (EventTee)."""
        if self.hall is None:
            return None
        return EventTee(self.hall.outbox, self.telemetry) if self.telemetry is not None else self.hall.outbox

    @property
    def live_hall(self):
        """The hall client while the hall answers; None while it is known to be away (say so at once)."""
        return self.hall.client if self.hall is not None and self.health.hall != "offline" else None

    # --- state changes, each reassessed ------------------------------------------------------------------

    def hall_changed(self, state: str) -> None:
        self.health = self.health.with_(hall=state)
        self.reporter.report("hall", state)
        self._on_hall_state(state)
        self.reassess()

    def device_changed(self, device: str, state: str, message: str = "") -> None:
        """"printer" or "reader" is now in `state` (a driver state value, or "absent")."""
        self.health = self.health.with_(**{device: state})
        self.reporter.report(device, state, message)
        self.reassess()

    def set_suspended(self, suspended: bool) -> None:
        """The technician's 暂停服务 switch: out of service, with its notice, until switched back."""
        self.suspended = suspended
        self.desk.audit("suspend" if suspended else "resume",
                        "kiosk paused by the technician" if suspended else "kiosk back in service")
        self.reassess()

    def tick_opening_hours(self) -> bool:
        """Re-read the clock against the opening hours (every second); True when that changed anything."""
        closed = not self.opening_hours.is_open(self.clock.now())
        if closed == self.closed:
            return False
        self.closed = closed
        self.reassess()
        return True

    def reassess(self) -> Offer:
        offer = assess(self.settings, self.health, suspended=self.suspended, closed=self.closed)
        self._on_offer(offer, self.health)
        if self.telemetry is not None:
            self.telemetry.changed()
        return offer

    def apply_settings(self, settings: Settings) -> None:
        """Use an on-site edit now where the running kiosk can (the rest takes a restart)."""
        self.settings = settings
        self.reassess()

    def uptime_s(self) -> float:
        return self._monotonic() - self.started_at
