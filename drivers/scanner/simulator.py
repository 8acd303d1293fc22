"""Simulated scanners that the real backends read, over the real device kinds, for the demo and the tests.

    UinputKeyboard      a virtual USB keyboard made with the kernel's uinput: `scan(code)` types the code and
                        Enter as key events; the evdev backend reads and grabs it like a real scanner
    PtyScanner          a pseudo-terminal: `scan(code)` writes the code and CR LF; the serial backend reads
                        `port` like a real serial scanner

`SimulatedScanner` is the `simulator` backend of the site profile: a uinput keyboard read by the evdev
backend where the kernel offers uinput (`uinput_usable()`: /dev/uinput present and writable, i.e.
CONFIG_INPUT_UINPUT and root or the `uinput` group), else a pty read by the serial backend. Its
`description` says which. The demo's "scan a payment code" button calls `scan`.
"""

from __future__ import annotations

import os
import pty
import threading
import tty

from drivers.scanner.errors import ScannerUnavailable
from drivers.scanner.keymap import ENTER_KEYS, EV_KEY, EV_SYN, keys_for_text
from drivers.scanner.scanner import CodeScanner

__all__ = ["UinputKeyboard", "PtyScanner", "SimulatedScanner", "uinput_usable", "UINPUT_DEVICE",
           "VIRTUAL_SCANNER_NAME"]

UINPUT_DEVICE = "/dev/uinput"
VIRTUAL_SCANNER_NAME = "Kiosk Virtual Code Scanner"
_LEFT_SHIFT, _ENTER = 42, min(ENTER_KEYS)
TYPABLE = "".join(chr(c) for c in range(32, 127))


def uinput_usable() -> bool:
    """Whether this machine can make a virtual keyboard: the evdev package, and /dev/uinput writable."""
    try:
        import evdev  # noqa: F401
    except ImportError:
        return False
    return os.path.exists(UINPUT_DEVICE) and os.access(UINPUT_DEVICE, os.W_OK)


class UinputKeyboard:
    """A virtual keyboard that types codes the way a keyboard-wedge scanner does."""

    def __init__(self, name: str = VIRTUAL_SCANNER_NAME) -> None:
        import evdev

        # Every key of the main block it may type (a key the device does not declare never arrives).
        keys = sorted({code for code, _ in keys_for_text(TYPABLE)} | {_LEFT_SHIFT, _ENTER})
        try:
            self._uinput = evdev.UInput({EV_KEY: keys}, name=name, vendor=0x1EAB, product=0x0D22)
        except (OSError, evdev.UInputError) as error:
            raise ScannerUnavailable(f"cannot make a virtual keyboard through {UINPUT_DEVICE}: {error}") from None
        self.path = self._uinput.device.path
        self.name = name
        self._lock = threading.Lock()

    def scan(self, code: str) -> None:
        with self._lock:
            for key, shifted in keys_for_text(code):
                if shifted:
                    self._press(_LEFT_SHIFT, 1)
                self._press(key, 1)
                self._press(key, 0)
                if shifted:
                    self._press(_LEFT_SHIFT, 0)
            self._press(_ENTER, 1)
            self._press(_ENTER, 0)

    def _press(self, key: int, value: int) -> None:
        self._uinput.write(EV_KEY, key, value)
        self._uinput.write(EV_SYN, 0, 0)

    def close(self) -> None:
        self._uinput.close()


class PtyScanner:
    """A serial scanner on a pseudo-terminal: `port` is the path the serial backend opens."""

    def __init__(self) -> None:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._lock = threading.Lock()

    def scan(self, code: str, terminator: bytes = b"\r\n") -> None:
        with self._lock:
            os.write(self._master, code.encode("ascii") + terminator)

    def close(self) -> None:
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass


class SimulatedScanner(CodeScanner):
    """The `simulator` backend: a simulated device, read by the real backend for its kind."""

    def __init__(self, *, prefer: str = "auto") -> None:
        self.device: UinputKeyboard | PtyScanner
        self.reader: CodeScanner
        if prefer == "uinput" or (prefer == "auto" and uinput_usable()):
            from drivers.scanner.evdev_scanner import EvdevScanner

            self.device = UinputKeyboard()
            self.reader = EvdevScanner(self.device.path)
            self.kind = "uinput"
            self.description = f"simulated keyboard-wedge scanner (uinput, {self.device.path})"
        else:
            from drivers.scanner.serial_scanner import SerialScanner

            self.device = PtyScanner()
            self.reader = SerialScanner(self.device.port)
            self.kind = "pty"
            self.description = f"simulated serial scanner (pty {self.device.port}; no usable {UINPUT_DEVICE} here)"

    def scan(self, code: str) -> None:
        """Present a code to the scanner, as a citizen holding up a phone."""
        self.device.scan(code)

    def _read_line(self, timeout: float) -> str | None:
        return self.reader._read_line(timeout)

    def close(self) -> None:
        self.reader.close()
        self.device.close()
