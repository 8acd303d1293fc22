"""What the running kiosk keeps for the gas top-up: the utility connection, the journal, the saga over the
hub's gas card reader, payments and printer, and the recovery loop — started together, stopped together.

    terminal = GasTerminal(settings, secrets, devices, texts=..., clock=site_clock)
    terminal.start()            # blocking (starts the demo's embedded utility, opens the journal): a worker
    terminal.saga               # for the gas journey; None until started, or when it could not start
    terminal.recovery.wake()    # another recovery round now (the loop runs one at start and every minute)
    terminal.stop()

The journal is `data_dir/gas-journal.sqlite3`, sealed with a key derived from the secrets file's
``outbox_key``. With the demo's embedded utility (a fresh database and fresh keys at every start) a journal
left from an earlier run belongs to a utility that no longer exists, and is removed, like the outbox.
No Kivy here.
"""

from __future__ import annotations

import logging
from typing import Callable

from domain.printouts import SiteLines
from kiosk.config import Secrets, Settings
from kiosk.gas.journal import Journal, journal_key
from kiosk.gas.recovery import RecoveryLoop
from kiosk.gas.saga import GasSaga, ReceiptPrinter
from kiosk.gas.utility_connection import GasUtilityConnection, connect_gas_utility

__all__ = ["GasTerminal", "JOURNAL_FILE"]

log = logging.getLogger(__name__)

JOURNAL_FILE = "gas-journal.sqlite3"


class GasTerminal:
    def __init__(self, settings: Settings, secrets: Secrets, devices, *, texts: Callable[..., str], clock) -> None:
        self._settings = settings
        self._secrets = secrets
        self._devices = devices
        self._texts = texts
        self._clock = clock
        self.connection: GasUtilityConnection | None = None
        self.journal: Journal | None = None
        self.saga: GasSaga | None = None
        self.recovery: RecoveryLoop | None = None

    def start(self) -> "GasTerminal":
        settings, devices = self._settings, self._devices
        path = settings.data_dir / JOURNAL_FILE
        if settings.gas_utility.mode == "embedded":
            for leftover in settings.data_dir.glob(JOURNAL_FILE + "*"):
                leftover.unlink()
        self.connection = connect_gas_utility(settings, self._secrets)
        self.journal = Journal(path, journal_key(self._secrets.outbox_key), terminal_id=settings.gas_utility.terminal_id,
                               clock=self._clock)
        printer: ReceiptPrinter = devices
        lines = settings.devices.printer
        self.saga = GasSaga(self.journal, self.connection.client, devices.payments, devices.gas_reader, printer,
                            terminal_id=settings.gas_utility.terminal_id, texts=self._texts, clock=self._clock,
                            site=SiteLines(header=lines.header_lines, footer=lines.footer_lines))
        self.recovery = RecoveryLoop(self.saga).start()
        log.info("gas top-up ready: terminal %s, utility %s", settings.gas_utility.terminal_id,
                 self.connection.client.base_url)
        return self

    def stop(self) -> None:
        if self.recovery is not None:
            self.recovery.stop()
        if self.journal is not None:
            self.journal.close()
        if self.connection is not None:
            self.connection.close()
        self.saga = self.recovery = self.journal = self.connection = None
