"""The kiosk's devices as the app sees them: the ID card reader (with its poller) and the ticket printer,
built from the profile, driven from worker threads, reporting back through `deliver`.

    devices = DeviceHub(settings, worker, deliver, on_card_event=app.on_card_event)
    devices.start()                       # opens nothing on the UI thread
    devices.print(ticket, on_result=..., on_error=...)
    devices.last_printout                 # the last document sent (for the maintenance preview)
    devices.place_next_demo_card()        # demo profile: the next fictitious citizen on the simulated reader
    devices.stop()

Card events arrive on the poller's thread, become the kiosk's own events (kiosk.devices.events) and are
handed to `deliver`, so the app only ever sees them on its UI thread. This is the only place the kiosk
opens devices; screens reach them through it. No Kivy here.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from domain.demo_citizens import DEMO_CITIZENS
from domain.printouts import Printout
from drivers.idcard import CardPoller, open_reader
from drivers.printer import PrinterOffline, open_printer, render_preview_png
from kiosk.background import BackgroundWorker
from kiosk.config import Settings
from kiosk.devices.events import CardEvent, card_event

__all__ = ["DeviceHub"]

log = logging.getLogger(__name__)


class DeviceHub:
    def __init__(self, settings: Settings, worker: BackgroundWorker,
                 deliver: Callable[[Callable[[], None]], None],
                 on_card_event: Callable[[CardEvent], None]) -> None:
        self._settings = settings
        self._worker = worker
        self._deliver = deliver
        self._on_card_event = on_card_event
        self.reader = None
        self.poller = None
        self.printer = None
        self.last_printout: Printout | None = None
        # Called when a print job ends either way: the printer watch then reads the status at once.
        self.after_print: Callable[[], None] = lambda: None
        self._demo_card_index = -1

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the printer (lazily: it is contacted on the first job) and start the card poller."""
        devices = self._settings.devices
        if devices.printer.enabled:
            self.printer = open_printer(devices.printer.url, paper_width_mm=devices.printer.paper_width,
                                        profile=devices.printer.profile)
        if devices.idcard.enabled:
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
        kiosk_event = card_event(event)
        self._deliver(lambda: self._on_card_event(kiosk_event))

    # --- the demo profile's simulators ---------------------------------------------------------------

    @property
    def demo_reader(self):
        """The simulated reader of the demo profile, so a demo card can be placed; None on real hardware."""
        return getattr(self.reader, "simulator", None)

    @property
    def demo_printer(self):
        return getattr(self.printer, "simulator", None)

    def place_next_demo_card(self) -> None:
        """Demo profile: put the next fictitious citizen's card on the simulated reader (none: nothing)."""
        simulator = self.demo_reader
        if simulator is None:
            return
        self._demo_card_index = (self._demo_card_index + 1) % len(DEMO_CITIZENS)
        simulator.remove_card()
        simulator.place_card(DEMO_CITIZENS[self._demo_card_index])

    # --- printing -----------------------------------------------------------------------------------

    def print(self, document: Printout, *, on_result: Callable[[Any], None],
              on_error: Callable[[BaseException], None], keep: bool = True) -> None:
        """Print on a worker thread; a profile without a printer fails like a printer that is off.
        The document is kept for the maintenance preview unless `keep` is false (a test page)."""
        if keep:
            self.last_printout = document
        if self.printer is None:
            self._deliver(lambda: on_error(PrinterOffline("no printer is configured on this kiosk")))
            return

        def printed(result: Any) -> None:
            self.after_print()
            on_result(result)

        def failed(error: BaseException) -> None:
            self.after_print()
            on_error(error)

        printer = self.printer
        self._worker.run(lambda: printer.print_document(document), on_result=printed, on_error=failed)

    def preview_png(self, document: Printout) -> bytes:
        """The document drawn as this kiosk's paper would show it (blocking: call from a worker)."""
        return render_preview_png(document, paper_width_mm=self._settings.devices.printer.paper_width)
