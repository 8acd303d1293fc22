"""Second-generation ID card readers (GA/T 467 SAM module): serial, vendor SDK, and a simulator.

The app builds a reader from config and watches it with a poller, from worker threads::

    from drivers.idcard import open_reader, CardPoller, CardRead

    reader = open_reader("sim://resident")          # or "/dev/ttyUSB0", backend="sdtapi", ...
    poller = CardPoller(reader, on_event=lambda event: Clock.schedule_once(lambda dt: ui(event)))
    poller.start()
    reader.simulator.place_card(demo_citizen("elder"))   # demo profile only
    ...
    poller.stop(); reader.shutdown()

`sim://<demo-citizen-key>` starts the simulator on a pty with that card on it (`sim://none`: empty
reader) and connects the real serial driver to it. Never logs or raises with unmasked personal data.
"""

from __future__ import annotations

from domain.identity import CardType, Gender, IdentityCard
from drivers.idcard.errors import *  # noqa: F401,F403  (the typed errors are part of the API)
from drivers.idcard.errors import __all__ as _error_names
from drivers.idcard.poller import (
    CardPoller,
    CardRead,
    CardRemoved,
    ReaderEvent,
    ReaderState,
    ReaderStateChanged,
    ReadFailed,
)
from drivers.idcard.reader import CardReader, CommandTimeouts
from drivers.idcard.serial_reader import SerialCardReader

__all__ = [
    "open_reader",
    "BACKENDS",
    "CardReader",
    "CommandTimeouts",
    "SerialCardReader",
    "CardPoller",
    "CardRead",
    "CardRemoved",
    "ReaderEvent",
    "ReaderState",
    "ReaderStateChanged",
    "ReadFailed",
    "CardType",
    "Gender",
    "IdentityCard",
    *_error_names,
]

SIM_SCHEME = "sim://"
BACKENDS = ("serial", "sdtapi", "termb")


def open_reader(
    port: str,
    *,
    baud: int = 115200,
    timeouts: CommandTimeouts | None = None,
    backend: str = "serial",
    library_path: str | None = None,
) -> CardReader:
    """A reader for the site config. Opening the port happens on first use (or `reader.open()`).

    port: a device path or pyserial URL; `sim://<demo key>` / `sim://none` for the simulator; for
    the SDK backends the vendor port number as text ("1001" = first USB reader, "1" = COM1).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown ID card backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if port.startswith(SIM_SCHEME):
        if backend != "serial":
            raise ValueError("the simulator speaks the serial protocol: use backend 'serial' with sim://")
        return _open_simulated(port[len(SIM_SCHEME) :], baud, timeouts)
    if backend == "serial":
        return SerialCardReader(port, baud=baud, timeouts=timeouts)
    from drivers.idcard.sdk import SdtapiCardReader, TermbCardReader

    if not library_path:
        raise ValueError(f"backend {backend!r} needs library_path (the vendor's .so / .dll)")
    reader_class = SdtapiCardReader if backend == "sdtapi" else TermbCardReader
    return reader_class(_sdk_port(port), library_path=library_path)


def _sdk_port(port: str) -> int:
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"SDK port must be a number (1-16 COM, 1001-1016 USB), got {port!r}") from None
    if not (1 <= number <= 16 or 1001 <= number <= 1016):
        raise ValueError(f"SDK port {number} out of range (1-16 COM, 1001-1016 USB)")
    return number


def _open_simulated(card_key: str, baud: int, timeouts: CommandTimeouts | None) -> CardReader:
    from drivers.idcard.simulator import Simulator
    from domain.demo_citizens import demo_citizen

    citizen = None if card_key in ("", "none") else demo_citizen(card_key)
    simulator = Simulator(baud=baud).start()
    if citizen is not None:
        simulator.place_card(citizen)
    reader = SerialCardReader(simulator.port, baud=baud, timeouts=timeouts)
    reader.simulator = simulator
    return reader
