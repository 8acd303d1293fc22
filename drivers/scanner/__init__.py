"""Code scanners: read the WeChat payment code (付款码) on a citizen's phone, never through the UI's keyboard focus.

    from drivers.scanner import open_scanner

    with open_scanner("evdev", device="*Barcode*") as scanner:     # or "serial" (/dev/ttyACM0), or "simulator"
        scanner.drain()                                            # nothing scanned before the prompt counts
        code = scanner.read_payment_code(60, cancel)               # PaymentCode (domain/payment.py), or None

Backends (`payments.scanner.backend` in the site profile), each a `CodeScanner` (scanner.py):

    evdev       a USB keyboard-wedge scanner read from its own input device, grabbed for this process alone,
                key events mapped to characters, a code ended by Enter (evdev_scanner.py, keymap.py)
    serial      a scanner in serial mode, codes ended by CR and/or LF (serial_scanner.py; any pyserial URL)
    simulator   a uinput virtual keyboard read by the evdev backend where /dev/uinput is usable, else a pty
                read by the serial backend (simulator.py); the demo profile

A WeChat payment code is 18 digits starting 10..15; anything else scanned raises `NotAPaymentCode`. Errors,
each with a stable `code`, are in errors.py; the technician CLI is `python -m drivers.scanner`. This
package never imports the kiosk and holds no citizen-facing text.
"""

from __future__ import annotations

from drivers.scanner.errors import *  # noqa: F401,F403  (the typed errors are part of the API)
from drivers.scanner.errors import __all__ as _error_names
from drivers.scanner.scanner import CodeScanner

__all__ = ["open_scanner", "BACKENDS", "CodeScanner", *_error_names]

BACKENDS = ("evdev", "serial", "simulator")


def open_scanner(backend: str = "simulator", *, device: str = "", baud: int = 9600) -> CodeScanner:
    """A scanner for the site's settings. `device`: an input device path or name pattern (evdev), a port or
    pyserial URL (serial); the simulator takes "uinput" or "pty" to choose its kind (default: uinput if usable)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown scanner backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "evdev":
        from drivers.scanner.evdev_scanner import EvdevScanner

        if not device:
            raise ValueError("backend 'evdev' needs device (a /dev/input path or the scanner's name pattern)")
        return EvdevScanner(device)
    if backend == "serial":
        from drivers.scanner.serial_scanner import SerialScanner

        if not device:
            raise ValueError("backend 'serial' needs device (the scanner's port, e.g. /dev/ttyACM0)")
        return SerialScanner(device, baud=baud)
    from drivers.scanner.simulator import SimulatedScanner

    if device not in ("", "auto", "uinput", "pty"):
        raise ValueError(f"the scanner simulator is 'uinput' or 'pty', not {device!r}")
    return SimulatedScanner(prefer=device or "auto")
