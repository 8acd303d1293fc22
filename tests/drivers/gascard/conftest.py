"""Gas-card fixtures: a private pcscd with vsmartcard's virtual reader (one per session), the project's
virtual card plugged into it, and a reader driven through pyscard — the chain a kiosk runs, with only
the card emulated.

The pcscd runs in namespaces of its own (drivers/gascard/vpcd.py): it does not collide with a system
pcscd or a parallel run, and its virtual reader's port is reachable from this process only. If it
cannot start (no root, packages missing) the tests fail with the reason: they never skip.

Presence changes reach PC/SC on pcscd's next poll of the reader (up to 0.4 s): `slot.insert` and
`slot.remove` wait for PC/SC to report them, with a deadline, so that no test races pcscd.
"""

from __future__ import annotations

import pytest

from drivers.gascard import GasCardReader, open_reader
from drivers.gascard.emulator import SimulatedLink, SimulatedReader, VirtualCard, VpcdCardClient, demo_card
from drivers.gascard.pcsc import PcscLink
from drivers.gascard.vpcd import PcscdUnavailable, PrivatePcscd

DEADLINE_S = 10.0


@pytest.fixture(scope="session")
def pcscd():
    try:
        daemon = PrivatePcscd().start()
    except PcscdUnavailable as error:
        pytest.fail(f"cannot start the private pcscd with the virtual reader: {error}", pytrace=False)
    yield daemon
    daemon.stop(remove_folder=True)


class Slot:
    """The virtual reader's slot: put a virtual card in, take it out, as PC/SC will see it."""

    def __init__(self, pcscd: PrivatePcscd) -> None:
        self.pcscd = pcscd
        self.client = VpcdCardClient(pcscd.connector())
        self.watch = PcscLink(pcscd.reader)
        self.card: VirtualCard | None = None

    def insert(self, card: VirtualCard | str = "volume") -> VirtualCard:
        self.card = demo_card(card) if isinstance(card, str) else card
        self.client.insert(self.card)
        assert self.watch.wait_for_card(DEADLINE_S), "pcscd did not see the virtual card arrive"
        return self.card

    def remove(self) -> None:
        self.client.remove()
        self.wait_gone()

    def wait_gone(self) -> None:
        assert self.watch.wait_for_removal(DEADLINE_S), "pcscd did not see the virtual card go"

    def close(self) -> None:
        if self.pcscd.running and self.client.inserted:
            self.remove()
        self.client.remove()
        self.watch.close()


@pytest.fixture
def slot(pcscd):
    holder = Slot(pcscd)
    yield holder
    holder.close()


@pytest.fixture
def reader(pcscd) -> GasCardReader:
    """A reader through pyscard → pcscd → vpcd → the virtual card, as the gas-terminal profile builds it."""
    with open_reader("pcsc", reader="Gas Virtual Reader*") as card_reader:
        yield card_reader


@pytest.fixture
def simulated():
    """A card in the in-process simulator (same APDUs, no pcscd): for fast and property tests."""

    def build(card: VirtualCard | str = "volume") -> tuple[GasCardReader, VirtualCard, SimulatedReader]:
        virtual = demo_card(card) if isinstance(card, str) else card
        holder = SimulatedReader(virtual)
        return GasCardReader(SimulatedLink(holder)), virtual, holder

    return build
