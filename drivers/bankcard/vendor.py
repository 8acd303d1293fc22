"""Vendor-library backend: the UnionPay terminal module's library (.so / .dll) through ctypes, in a child process.

Terminal libraries hang like every vendor library (a module that stops answering, a lost serial line), and a
hung ctypes call cannot be interrupted: the library runs in `python -m drivers.bankcard.vendor LIBRARY DEVICE`
(drivers/vendor_process.py), each call waits at most `timeout_s` (a transaction, which waits for the bank,
`transaction_timeout_s`), and a child that overruns is killed (`TerminalHung`) and started afresh, with
`UMS_Init` again, on the next call.

The library API, in the style of the 银联商务 self-service library the reference names, all returning 0 on
success and another status on failure::

    int UMS_Init(const char *device)                    open the module ("/dev/ttyS1", "COM3", "usb")
    int UMS_Close(void)
    int UMS_EnterCard(void)                             open the slot for a card
    int UMS_CheckCard(int *state)                       0 empty, 1 card in, 2 card taken out
    int UMS_ReadCard(char *pan, int size)               the card number (most modules mask it already)
    int UMS_StartPin(long amount_fen)                   PIN entry on the module's own pad, amount on its display
    int UMS_GetPinState(int *state, int *digits)        0 entering, 1 done, 2 cancelled, 3 timed out, 4 card taken
    int UMS_TransCard(const char *request, char *answer, int size)
                                                        one transaction, `key=value|...` texts (link.py)
    int UMS_EjectCard(void)

Windows DLLs are __stdcall (WinDLL), Linux .so files cdecl.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

from drivers.bankcard.errors import TerminalHung, TerminalUnavailable, VendorLibraryError
from drivers.bankcard.link import MisPosLink, PinState, SlotState, decode_fields, encode_fields
from drivers.vendor_process import VendorProcess, serve

__all__ = ["VendorLink"]

ANSWER_SIZE = 2048


class VendorLink(MisPosLink):
    """A terminal module driven by its vendor library in a child process."""

    def __init__(self, library_path: str, *, device: str = "", timeout_s: float = 10.0,
                 transaction_timeout_s: float = 90.0) -> None:
        self.library_path = os.path.abspath(library_path)
        self.device = device
        self.transaction_timeout_s = transaction_timeout_s
        self._process = VendorProcess("drivers.bankcard.vendor", [self.library_path, device],
                                      timeout_s=timeout_s, description=self.description,
                                      hung=TerminalHung, failed=VendorLibraryError)

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{os.path.basename(self.library_path)} {self.device or '(default device)'}"

    @property
    def restarts(self) -> int:
        return self._process.starts

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def open(self) -> None:
        status = self._process.call("init")
        if status != 0:
            raise TerminalUnavailable(f"UMS_Init({self.device or 'default'}) returned {status}: check the module's "
                                      "cable, power and device setting")

    def close(self) -> None:
        self._process.close("close")

    def enter_card(self) -> None:
        self._process.call("enter_card")

    def check_card(self) -> SlotState:
        return SlotState(self._process.call("check_card"))

    def read_card(self) -> str:
        return str(self._process.call("read_card"))

    def start_pin(self, amount_fen: int) -> None:
        self._process.call("start_pin", amount_fen)

    def pin_state(self) -> tuple[PinState, int]:
        state, digits = self._process.call("pin_state")
        return PinState(state), int(digits)

    def transact(self, request: dict[str, str]) -> dict[str, str]:
        answer = self._process.call("transact", encode_fields(request), timeout_s=self.transaction_timeout_s)
        return decode_fields(answer)

    def eject(self) -> None:
        self._process.call("eject")


# -- the child process ---------------------------------------------------------------------------

_INT_P = ctypes.POINTER(ctypes.c_int)
_SIGNATURES = {
    "UMS_Init": [ctypes.c_char_p],
    "UMS_Close": [],
    "UMS_EnterCard": [],
    "UMS_CheckCard": [_INT_P],
    "UMS_ReadCard": [ctypes.c_char_p, ctypes.c_int],
    "UMS_StartPin": [ctypes.c_long],
    "UMS_GetPinState": [_INT_P, _INT_P],
    "UMS_TransCard": [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int],
    "UMS_EjectCard": [],
}


class _Library:
    def __init__(self, path: str, device: str) -> None:
        loader = getattr(ctypes, "WinDLL", ctypes.CDLL) if sys.platform == "win32" else ctypes.CDLL
        try:
            library = loader(path)
        except OSError as error:
            raise SystemExit(f"cannot load the terminal library {path!r}: {error}; check the path and that it "
                             "matches this Python's architecture (many vendor DLLs are 32-bit only)")
        self.functions = {}
        for name, argtypes in _SIGNATURES.items():
            function = getattr(library, name, None)
            if function is None:
                raise SystemExit(f"the terminal library has no function {name}: is it the UMS self-service library?")
            function.argtypes, function.restype = argtypes, ctypes.c_int
            self.functions[name] = function
        self.device = device.encode()

    def _checked(self, name: str, *arguments: Any) -> None:
        status = self.functions[name](*arguments)
        if status != 0:
            raise RuntimeError(f"{name} returned {status}")

    def call(self, function: str, *arguments: Any) -> Any:
        if function == "init":
            return self.functions["UMS_Init"](self.device)
        if function == "close":
            self.functions["UMS_Close"]()
            return None
        if function in ("enter_card", "eject"):
            self._checked("UMS_EnterCard" if function == "enter_card" else "UMS_EjectCard")
            return None
        if function == "check_card":
            state = ctypes.c_int(0)
            self._checked("UMS_CheckCard", ctypes.byref(state))
            return state.value
        if function == "read_card":
            buffer = ctypes.create_string_buffer(32)
            self._checked("UMS_ReadCard", buffer, len(buffer))
            return buffer.value.decode("ascii", errors="replace")
        if function == "start_pin":
            self._checked("UMS_StartPin", int(arguments[0]))
            return None
        if function == "pin_state":
            state, digits = ctypes.c_int(0), ctypes.c_int(0)
            self._checked("UMS_GetPinState", ctypes.byref(state), ctypes.byref(digits))
            return [state.value, digits.value]
        if function == "transact":
            answer = ctypes.create_string_buffer(ANSWER_SIZE)
            self._checked("UMS_TransCard", str(arguments[0]).encode(), answer, ANSWER_SIZE)
            return answer.value.decode("utf-8", errors="replace")
        raise RuntimeError(f"unknown call {function!r}")


if __name__ == "__main__":
    serve(_Library(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "").call)
