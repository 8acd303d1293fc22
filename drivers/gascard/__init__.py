"""Prepaid gas-meter IC cards: read them, write one purchase and prove it, check them, watch the slot.

    from drivers.gascard import open_reader
    from domain.gas_card import GasQuantity

    with open_reader("pcsc", reader="ACS ACR39U*") as reader:     # or "vendor", or "simulator"
        card = reader.read()                                       # a GasCard (domain/gas_card.py)
        card = reader.write(card.next_purchase(GasQuantity.volume(200)))    # written, read back

Backends (`devices.gascard.backend` in the site profile), each a `MemoryCardLink` under the same
`GasCardReader`:

    pcsc        a PC/SC reader through pyscard, ACS pseudo-APDUs for memory cards (drivers/gascard/pcsc.py)
    vendor      a meter maker's library through ctypes, in a child process killed on timeout (vendor.py)
    simulator   a virtual card in this process, same APDUs, no pcscd (emulator.py); the demo profile

Layouts (`devices.gascard.layout`: auto, or a name) are in layouts.py; errors, each with a stable
`code`, in errors.py; the technician CLI is `python -m drivers.gascard`. This package never imports
the kiosk and holds no citizen-facing text.
"""

from __future__ import annotations

from drivers.gascard.card import (
    CardEvent,
    CardInserted,
    CardTakenOut,
    CardUnreadable,
    GasCardReader,
    GasCardWatcher,
    IntegrityReport,
    ReaderLost,
)
from drivers.gascard.errors import *  # noqa: F401,F403  (the typed errors are part of the API)
from drivers.gascard.errors import __all__ as _error_names
from drivers.gascard.layouts import LAYOUTS
from drivers.gascard.link import MemoryCardLink

__all__ = [
    "open_reader",
    "BACKENDS",
    "LAYOUTS",
    "GasCardReader",
    "GasCardWatcher",
    "IntegrityReport",
    "MemoryCardLink",
    "CardEvent",
    "CardInserted",
    "CardUnreadable",
    "CardTakenOut",
    "ReaderLost",
    "pcsc_available",
    *_error_names,
]

BACKENDS = ("pcsc", "vendor", "simulator")


def pcsc_available() -> bool:
    """Whether pyscard can be imported here (it needs libpcsclite at run time)."""
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        return False
    return True


def open_reader(
    backend: str = "simulator",
    *,
    reader: str = "",
    layout: str = "auto",
    library_path: str = "",
    timeout_s: float = 5.0,
    card: str = "volume",
) -> GasCardReader:
    """A gas-card reader for the site's settings.

    reader: PC/SC reader name or pattern (pcsc), or the vendor library's port number (vendor, default 0).
    card: the demo card the simulator starts with (emulator.DEMO_CARDS; "none" for an empty slot).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown gas card backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if layout != "auto" and layout not in LAYOUTS:
        raise ValueError(f"unknown gas card layout {layout!r}; choose auto or one of {', '.join(LAYOUTS)}")
    link: MemoryCardLink
    if backend == "pcsc":
        if not pcsc_available():
            raise ReaderUnavailable("pyscard is not installed (pip install pyscard; it needs libpcsclite)")  # noqa: F405
        from drivers.gascard.pcsc import PcscLink

        link = PcscLink(reader)
    elif backend == "vendor":
        from drivers.gascard.vendor import VendorLink

        if not library_path:
            raise ValueError("backend 'vendor' needs library_path (the meter maker's .so / .dll)")
        link = VendorLink(library_path, port=int(reader or 0), timeout_s=timeout_s)
    else:
        from drivers.gascard.emulator import SimulatedLink, SimulatedReader, demo_card

        link = SimulatedLink(SimulatedReader(None if card == "none" else demo_card(card)))
    return GasCardReader(link, layout=layout)
