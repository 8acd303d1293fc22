"""Keyboard-wedge backend: a USB scanner that types like a keyboard, read straight from its input device.

The kiosk never reads codes through the UI's keyboard focus: a scan would land in whatever has focus, and
a citizen's keyboard could type a "code". This backend opens the scanner's own event device and grabs it
(EVIOCGRAB), so its key presses reach this process only: not the UI, not a console. Key events become
characters through keymap.py; a code ends with Enter.

    scanner = EvdevScanner("/dev/input/by-id/usb-Newland_HR22-event-kbd")     # a path
    scanner = EvdevScanner("*Barcode*")                                       # or a pattern for its name

The kiosk's user needs read access to the device (group `input`, or a udev rule; README, Devices).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import select

from drivers.scanner.errors import ScannerLost, ScannerUnavailable
from drivers.scanner.keymap import KeyboardWedgeDecoder
from drivers.scanner.scanner import CodeScanner

__all__ = ["EvdevScanner", "evdev_available", "list_input_devices", "find_device"]


def evdev_available() -> bool:
    try:
        import evdev  # noqa: F401
    except ImportError:
        return False
    return True


def list_input_devices() -> list[dict[str, object]]:
    """Every input device this user can open: path, name, phys, and whether it can type digits and Enter."""
    import evdev

    found = []
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue
        with device:
            keys = set(device.capabilities().get(evdev.ecodes.EV_KEY, []))
            typing = {evdev.ecodes.KEY_ENTER, evdev.ecodes.KEY_1, evdev.ecodes.KEY_0} <= keys
            found.append({"path": path, "name": device.name, "phys": device.phys, "types_codes": typing})
    return found


def find_device(device: str) -> str:
    """`device` when it is a path; otherwise the path of the first input device whose name matches it."""
    if device.startswith("/"):
        return device
    for entry in list_input_devices():
        if fnmatch.fnmatch(str(entry["name"]), device):
            return str(entry["path"])
    raise ScannerUnavailable(f"no input device named like {device!r} (python -m drivers.scanner devices lists them)")


class EvdevScanner(CodeScanner):
    def __init__(self, device: str) -> None:
        if not evdev_available():
            raise ScannerUnavailable("the evdev package is not installed (pip install evdev; it builds against "
                                     "the kernel headers)")
        import evdev

        path = find_device(device)
        try:
            self._device = evdev.InputDevice(path)
        except FileNotFoundError:
            raise ScannerUnavailable(f"no input device {path}") from None
        except PermissionError:
            raise ScannerUnavailable(f"no permission to read {path}: add the kiosk user to group 'input' or "
                                     "give it the device with a udev rule") from None
        try:
            self._device.grab()
        except OSError as error:
            self._device.close()
            busy = error.errno == errno.EBUSY
            raise ScannerUnavailable(f"cannot take {path} for this process alone: "
                                     f"{'another program holds it' if busy else error}") from None
        self.path = path
        self.description = f"keyboard-wedge scanner {self._device.name!r} on {path}"
        self._decoder = KeyboardWedgeDecoder()
        self._ready: list[str] = []

    def _read_line(self, timeout: float) -> str | None:
        if self._ready:
            return self._ready.pop(0)
        try:
            readable, _, _ = select.select([self._device.fd], [], [], max(0.0, timeout))
            if not readable:
                return None
            for event in self._device.read():
                code = self._decoder.feed(event.type, event.code, event.value)
                if code:
                    self._ready.append(code)
        except BlockingIOError:
            pass
        except OSError as error:
            raise ScannerLost(f"the scanner on {self.path} went away: {os.strerror(error.errno or 0)}") from None
        return self._ready.pop(0) if self._ready else None

    def close(self) -> None:
        try:
            self._device.ungrab()
        except OSError:
            pass
        self._device.close()
