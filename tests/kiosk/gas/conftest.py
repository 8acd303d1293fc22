"""A gas terminal's world for the top-up saga's tests: the live reference utility and payment gateway on
loopback (the utility behind a proxy that can cut it off or lose its answers), the real WeChat Pay backend
with a scanner on a pty, the simulated bank terminal, a virtual gas card in the simulated reader, the printer
simulator, and the journal on a real SQLite file.

    def test_something(gas_world):
        saga = gas_world.saga()                        # terminal 1; saga(terminal=2) another terminal
        check = saga.inspect(gas_world.card())         # the demo card 3101002468, count 3
        entry = saga.begin(check.card, saga.quote(check.card, 10000), PaymentMethod.WECHAT)
        saga.pay(entry.order_id, progress=gas_world.scanning())     # shows the phone's code when asked
        gas_world.utility_proxy.cut()                  # the utility is away
        gas_world.printed()                            # what the printer printed, as text

`saga()` again with the same terminal is the kiosk restarted: a new saga on the same journal file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from domain.gas_card import GasCard, GasCardType, GasPurchase
from domain.payment import PaymentMethod, PaymentProgress, PaymentStep
from drivers.bankcard import MisPosTerminal
from drivers.bankcard.simulator import SimulatedTerminal
from drivers.gascard import GasCardReader
from drivers.gascard.emulator import MemoryCard, SimulatedLink, SimulatedReader, demo_card, issue_card
from drivers.gascard.layouts import CardIdentity, GasRecord, layout_named
from drivers.printer import open_printer
from drivers.printer.escpos_reader import printed_text
from gas_server.seed import household
from kiosk.gas.journal import Journal, journal_key
from kiosk.gas.payments import Payments
from kiosk.gas.payments.bankcard import BankCardBackend
from kiosk.gas.saga import GasSaga, SagaPolicy
from kiosk.gas.utility import GasUtilityClient
from kiosk.i18n import Catalogue
from payment_gateway.behaviours import DEMO_CODES
from tests.fixtures.gas_utility import TERMINALS, LiveGasUtility
from tests.fixtures.loopback_proxy import LoopbackProxy

PAYS_AT_ONCE = next(code for code, (label, _) in DEMO_CODES.items() if label == "pays at once")
NEVER_CONFIRMS = next(code for code, (label, _) in DEMO_CODES.items() if label.startswith("never confirms"))
INSUFFICIENT = next(code for code, (label, _) in DEMO_CODES.items() if label == "insufficient balance")
JOURNAL_SECRET = "test-outbox-key-not-for-production"
CATALOGUE = Catalogue.load()


def zh(key: str, **values: object) -> str:
    return CATALOGUE.text(key, "zh", **values)


def virtual_card(card_number: str = "3101002468", count: int | None = None, gas: int = 0,
                 awaiting: bool = False) -> MemoryCard:
    """A demo household's card as the utility issued it (its seeded count unless `count`)."""
    home = household(card_number)
    layout = layout_named(home.layout)
    identity = CardIdentity(GasCardType.USER, card_number, home.account_number, home.meter_number, 0)
    record = GasRecord(GasPurchase(home.card_count if count is None else count, layout.quantity(gas)), awaiting)
    return issue_card(home.layout, identity, record)


@dataclass
class GasWorld:
    utility: LiveGasUtility
    utility_proxy: LoopbackProxy
    gateway: object
    time: object
    cashier_for: Callable
    folder: Path
    slot: SimulatedReader = field(default_factory=SimulatedReader)
    printer: object = None
    codes: list[str] = field(default_factory=list)
    bank: SimulatedTerminal = field(default_factory=SimulatedTerminal)
    _closing: list = field(default_factory=list)
    _journals: dict = field(default_factory=dict)

    def insert(self, card: MemoryCard | str = "volume") -> MemoryCard:
        card = demo_card(card) if isinstance(card, str) else card
        self.slot.remove()
        self.slot.insert(card)
        return card

    @property
    def inserted(self) -> MemoryCard:
        return self.slot.card

    def card(self) -> GasCard:
        """The card in the reader, as the driver reads it."""
        return self.reader().read()

    def reader(self) -> GasCardReader:
        return GasCardReader(SimulatedLink(self.slot))

    def client(self, terminal: int = 1) -> GasUtilityClient:
        terminal_id = self.utility.terminal_ids[terminal - 1]
        client = GasUtilityClient(self.utility_proxy.base_url, terminal_id, TERMINALS[terminal_id],
                                  connect_timeout=2.0, read_timeout=5.0, retries=0)
        self._closing.append(client)
        return client

    def payments(self) -> Payments:
        cashier = self.cashier_for()
        self.scanner = cashier.scanner_device
        clock = self.time
        terminal = MisPosTerminal(self.bank, clock=clock.monotonic, wait=lambda s: clock.wait(s))
        return Payments({PaymentMethod.WECHAT: cashier.backend, PaymentMethod.BANKCARD: BankCardBackend(terminal)})

    def saga(self, terminal: int = 1, policy: SagaPolicy = SagaPolicy(), *, printer: object = "default",
             reader: object = "default") -> GasSaga:
        """The saga of terminal 1 or 2; called again for a terminal, the kiosk after a restart."""
        old = self._journals.pop(terminal, None)
        if old is not None:
            old.close()
        journal = Journal(self.folder / f"journal-{terminal}.sqlite3", journal_key(JOURNAL_SECRET),
                          terminal_id=self.utility.terminal_ids[terminal - 1], clock=self.utility.clock)
        self._journals[terminal] = journal
        return GasSaga(journal, self.client(terminal), self.payments(),
                       self.reader() if reader == "default" else reader,
                       self.printer if printer == "default" else printer,
                       terminal_id=self.utility.terminal_ids[terminal - 1], texts=zh, clock=self.utility.clock,
                       policy=policy)

    def scanning(self, *codes: str) -> Callable[[PaymentProgress], None]:
        """A progress callback that shows the next code (pays at once by default) whenever a scan is asked."""
        queue = list(codes or (PAYS_AT_ONCE,))

        def progress(event: PaymentProgress) -> None:
            if event.step is PaymentStep.SCAN_CODE and queue:
                self.scanner.scan(queue.pop(0))
        return progress

    def printed(self) -> str:
        return printed_text(self.printer.simulator.received())

    def utility_order(self, order_id: str) -> dict:
        row = self.utility.rows("SELECT state, purchase_count, terminal_id FROM orders WHERE order_id = ?", order_id)
        return {"state": row[0][0], "purchase_count": row[0][1], "terminal_id": row[0][2]} if row else {}

    def gateway_orders(self) -> dict[str, str]:
        """Every order the payment gateway holds, with its trade state."""
        connection = sqlite3.connect(f"file:{self.gateway.server.config.db_path}?mode=ro", uri=True)
        try:
            return dict(connection.execute("SELECT out_trade_no, trade_state FROM orders"))
        finally:
            connection.close()

    def close(self) -> None:
        for journal in self._journals.values():
            journal.close()
        for client in self._closing:
            client.close()


@pytest.fixture
def gas_world(gas_utility, payment_gateway, payment_time, cashier_for, tmp_path) -> Iterator[GasWorld]:
    proxy = LoopbackProxy("127.0.0.1", gas_utility.server.port).start()
    printer = open_printer("sim://80mm", status_timeout=2.0, confirm_timeout=5.0)
    world = GasWorld(gas_utility, proxy, payment_gateway, payment_time, cashier_for, tmp_path, printer=printer)
    world.insert(virtual_card())
    yield world
    world.close()
    printer.close()
    proxy.close()
