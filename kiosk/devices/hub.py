"""The kiosk's devices as the app sees them: the ID card reader (with its poller), the ticket printer and,
where the site sells gas, the gas card reader (with its watcher) and the payment devices, built from the
profile, driven from worker threads, reporting back through `deliver`.

    devices = DeviceHub(settings, worker, deliver, on_card_event=app.on_card_event)
    devices.start()                       # opens nothing on the UI thread
    devices.print(ticket, on_result=..., on_error=...)
    devices.print_document(receipt)       # the same, blocking, on the calling worker thread (the gas saga)
    devices.last_printout                 # the last document sent (for the maintenance preview)
    devices.place_next_demo_card()        # demo profile: the next fictitious citizen on the simulated reader
    devices.insert_next_demo_gas_card()   # demo profile: a demo household's gas card into the simulated reader
    devices.scan_demo_payment_code()      # demo profile: a phone's payment code shown to the simulated scanner
    devices.stop()

Card events arrive on the poller's (or the gas watcher's) thread, become the kiosk's own events
(kiosk.devices.events) and are handed to `deliver`, so the app only ever sees them on its UI thread. This is
the only place the kiosk opens devices; screens reach them through it. No Kivy here.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from domain.demo_citizens import DEMO_CITIZENS
from domain.gas_card import GasCardType, GasPurchase
from domain.printouts import Printout
from drivers.gascard import CardInserted, CardRemoved, GasCardError, GasCardReader, GasCardWatcher, NoCard
from drivers.gascard import CardUnreadable as GasCardUnreadable
from drivers.gascard import open_reader as open_gas_reader
from drivers.gascard.emulator import SimulatedLink
from drivers.idcard import CardPoller, open_reader
from drivers.printer import PrinterOffline, open_printer, render_preview_png
from kiosk.background import BackgroundWorker
from kiosk.config import Settings
from kiosk.devices.events import CardEvent, card_event, gas_card_event
from kiosk.gas.payments import Payments, open_payments

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
        self.gas_reader: GasCardReader | None = None
        self.gas_watcher: GasCardWatcher | None = None
        self.payments: Payments | None = None
        self._demo_gas_cards: list = []
        self._demo_gas_index = -1
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
        if "gas" in self._settings.services:
            self._start_gas()

    def _start_gas(self) -> None:
        """The gas card reader and its watcher, and the payment devices (and the demo's embedded gateway)."""
        gas = self._settings.devices.gascard
        if gas.enabled:
            self.gas_reader = open_gas_reader(gas.backend, reader=gas.reader, layout=gas.layout,
                                              library_path=gas.library_path, timeout_s=gas.timeout_s, card="none")
            self.gas_watcher = GasCardWatcher(self.gas_reader, self._from_gas_watcher)
            self.gas_watcher.start()
        self.payments = open_payments(self._settings)

    def stop(self) -> None:
        if self.gas_watcher is not None:
            self.gas_watcher.stop()
            self.gas_watcher = None
        if self.gas_reader is not None:
            self.gas_reader.close()
            self.gas_reader = None
        if self.payments is not None:
            self.payments.close()
            self.payments = None
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

    def announce_gas_card(self) -> None:
        """Read the gas card already in the slot (the watcher told of it before anyone listened) and hand it
        on as if just inserted: the gas journey that opens next asks for it."""
        reader = self.gas_reader
        if reader is None:
            return

        def read() -> None:
            if not reader.card_present():
                return
            try:
                event: Any = CardInserted(reader.read())
            except (NoCard, CardRemoved):
                return
            except GasCardError as error:
                event = GasCardUnreadable(error)
            self._from_gas_watcher(event)

        self._worker.run(read)

    def _from_gas_watcher(self, event: Any) -> None:
        kiosk_event = gas_card_event(event)
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

    @property
    def demo_gas_slot(self):
        """The simulated gas card reader's slot (demo profile), so that a demo gas card can be inserted."""
        link = getattr(self.gas_reader, "link", None)
        return link.reader if isinstance(link, SimulatedLink) else None

    def insert_next_demo_gas_card(self) -> None:
        """Demo profile: the next demo household's gas card into the simulated reader (each card keeps what
        was bought on it: the demo's households are the embedded utility's, gas_server/seed.py)."""
        slot = self.demo_gas_slot
        if slot is None:
            return
        if not self._demo_gas_cards:
            self._demo_gas_cards = _demo_gas_cards()
        self._demo_gas_index = (self._demo_gas_index + 1) % len(self._demo_gas_cards)
        self.take_out_demo_gas_card()
        slot.insert(self._demo_gas_cards[self._demo_gas_index])

    def take_out_demo_gas_card(self) -> None:
        """Demo profile: the citizen takes the gas card home, and the meter takes the gas off it."""
        slot = self.demo_gas_slot
        card = slot.remove() if slot is not None else None
        if card is not None:
            try:
                card.meter_takes_gas()
            except ValueError:
                pass            # a card whose last write was cut: the meter refuses it, the card stays as it is

    def scan_demo_payment_code(self) -> None:
        """Demo profile: the simulated scanner reads the demo phone's payment code (one that pays at once)."""
        scanner = self.payments.simulated_scanner if self.payments is not None else None
        codes = self.payments.demo_codes() if self.payments is not None else []
        if scanner is not None and codes:
            scanner.scan(codes[0][0])

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

    def print_document(self, document: Printout) -> Any:
        """Print on the calling (worker) thread, raising the printer's errors: the gas saga journals each print
        before and after it."""
        self.last_printout = document
        if self.printer is None:
            raise PrinterOffline("no printer is configured on this kiosk")
        try:
            return self.printer.print_document(document)
        finally:
            self.after_print()

    def preview_png(self, document: Printout) -> bytes:
        """The document drawn as this kiosk's paper would show it (blocking: call from a worker)."""
        return render_preview_png(document, paper_width_mm=self._settings.devices.printer.paper_width)


def _demo_gas_cards() -> list:
    """Cards of the embedded utility's demo households: one in step, an amount meter, one whose paid purchase
    never reached its card (补写卡), one in arrears."""
    from drivers.gascard.emulator import issue_card
    from drivers.gascard.layouts import CardIdentity, GasRecord, layout_named
    from gas_server.seed import household          # the reference utility's demo data, only when asked for

    cards = []
    for number in ("3101002468", "561200731905", "3101002471", "3101002470"):
        home = household(number)
        layout = layout_named(home.layout)
        identity = CardIdentity(GasCardType.USER, number, home.account_number, home.meter_number, 0)
        cards.append(issue_card(home.layout, identity, GasRecord(GasPurchase(home.card_count, layout.quantity(0)),
                                                                 False)))
    return cards
