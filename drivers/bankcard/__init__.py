"""Bank cards through a UnionPay terminal module (MIS-POS): sale, void, refund, query; the PIN on the module's pad.

    from drivers.bankcard import open_terminal

    with open_terminal("vendor", library_path="/opt/ums/libumsapi.so", device="/dev/ttyS1") as terminal:
        result = terminal.sale("GT20261123000042", 10000, progress=show)     # a CardTransaction
        result.status, result.card, result.reference, result.auth_code      # card masked: 622202*********0123

Backends (`payments.bankcard.backend` in the site profile), each a `MisPosLink` under the same
`MisPosTerminal` (terminal.py):

    vendor      the module's vendor library through ctypes, in a child process killed on timeout (vendor.py)
    simulator   an in-process terminal with scripted outcomes (simulator.py); the demo profile

No open command set exists for these modules, so the vendor library is the real interface. The PIN is typed
on the module's own encrypting pad: this driver only reports "enter the PIN on the pad" progress and never
sees a digit. Errors, each with a stable `code`, are in errors.py; bank response codes in codes.py; the
technician CLI is `python -m drivers.bankcard`. This package never imports the kiosk and holds no
citizen-facing text.
"""

from __future__ import annotations

import time
from typing import Callable

from drivers.bankcard.errors import *  # noqa: F401,F403  (the typed errors are part of the API)
from drivers.bankcard.errors import __all__ as _error_names
from drivers.bankcard.link import MisPosLink, PinState, SlotState
from drivers.bankcard.terminal import CardStatus, CardTransaction, MisPosTerminal

__all__ = [
    "open_terminal",
    "BACKENDS",
    "MisPosTerminal",
    "MisPosLink",
    "CardTransaction",
    "CardStatus",
    "SlotState",
    "PinState",
    *_error_names,
]

BACKENDS = ("vendor", "simulator")


def open_terminal(
    backend: str = "simulator",
    *,
    library_path: str = "",
    device: str = "",
    timeout_s: float = 10.0,
    transaction_timeout_s: float = 90.0,
    card_wait_s: float = 60.0,
    pin_wait_s: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], None] = time.sleep,
) -> MisPosTerminal:
    """A terminal for the site's settings. `timeout_s` bounds one library call, `transaction_timeout_s` one
    transaction (the bank's answer); `card_wait_s` and `pin_wait_s` how long the citizen has for each step."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown bank card backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    link: MisPosLink
    if backend == "vendor":
        from drivers.bankcard.vendor import VendorLink

        if not library_path:
            raise ValueError("backend 'vendor' needs library_path (the terminal module's .so / .dll)")
        link = VendorLink(library_path, device=device, timeout_s=timeout_s,
                          transaction_timeout_s=transaction_timeout_s)
    else:
        from drivers.bankcard.simulator import SimulatedTerminal

        link = SimulatedTerminal()
    return MisPosTerminal(link, card_wait_s=card_wait_s, pin_wait_s=pin_wait_s, clock=clock, wait=wait)
