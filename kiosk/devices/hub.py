"""The kiosk's devices as the app sees them: the ID card reader (with its poller) and the ticket printer,
built from the profile, driven from worker threads, reporting back through `deliver`.

    devices = DeviceHub(settings, worker, deliver, on_reader_event=app.on_reader_event)
    devices.start()                       # opens nothing on the UI thread
    devices.print(ticket, on_result=..., on_error=...)
    devices.demo_reader                   # the simulator of a sim:// reader (demo profile), else None
    devices.stop()

Card events arrive on the poller's thread and are handed to `deliver`, so the app only ever sees them on
its UI thread. No Kivy here.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from kiosk.background import BackgroundWorker
from kiosk.config import Settings
from domain.printouts import Printout

__all__ = ["DeviceHub"]

log = logging.getLogger(__name__)


class DeviceHub:
    def __init__(self, settings: Settings, worker: BackgroundWorker,
                 deliver: Callable[[Callable[[], None]], None],
                 on_reader_event: Callable[[Any], None]) -> None:
        self._settings = settings
        self._worker = worker
        self._deliver = deliver
        self._on_reader_event = on_reader_event
        self.reader = None
        self.poller = None
        self.printer = None

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the printer (lazily: it is contacted on the first job) and start the card poller."""
        devices = self._settings.devices
        if devices.printer.enabled:
            from drivers.printer import open_printer

            self.printer = open_printer(devices.printer.url, paper_width_mm=devices.printer.paper_width,
                                        profile=devices.printer.profile)
        if devices.idcard.enabled:
            from drivers.idcard import CardPoller, open_reader

            self.reader = open_reader(devices.idcard.port, baud=devices.idcard.baud,
                                      backend=devices.idcard.backend,
                                      library_path=devices.idcard.library_path or None)
            self.poller = CardPoller(self.reader, self._from_poller,
                                     poll_interval=devices.idcard.poll_interval_ms / 1000).start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        if self.reader is not None:
            self.reader.shutdown()
            self.reader = None
        if self.printer is not None:
            self.printer.close()  # a sim:// printer closes its simulator too
            self.printer = None

    def _from_poller(self, event: Any) -> None:
        self._deliver(lambda: self._on_reader_event(event))

    # --- what the journeys use ----------------------------------------------------------------------

    @property
    def demo_reader(self):
        """The simulated reader of the demo profile, so a demo card can be placed; None on real hardware."""
        return getattr(self.reader, "simulator", None)

    @property
    def demo_printer(self):
        return getattr(self.printer, "simulator", None)

    def print(self, document: Printout, *, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        """Print on a worker thread; a profile without a printer fails like a printer that is off."""
        if self.printer is None:
            from drivers.printer import PrinterOffline

            self._deliver(lambda: on_error(PrinterOffline("no printer is configured on this kiosk")))
            return
        self._worker.run(lambda: self.printer.print_document(document), on_result=on_result, on_error=on_error)
