"""Vendor-library backend: a meter maker's reader library (.so / .dll) through ctypes, in a child process.

Vendor libraries hang (a reader that stops answering, a dialog box in a DLL, a lost USB handle), and a
hung ctypes call cannot be interrupted. So the library is loaded in a child process
(`python -m drivers.gascard.vendor LIBRARY`), each call waits at most `timeout_s`, and a child that
does not answer in time is killed (`VendorLibraryHung`) and started afresh on the next call.

The library API is the Mingwah (明华) style SLE4442 set named in the reference, all returning 0 on
success::

    int ic_init(int port, long baud)                         → handle (>= 0), or < 0
    int ic_exit(int handle)
    int chk_4442(int handle)                                 0: an SLE4442 card is in the reader
    int srd_4442(int handle, int offset, int len, unsigned char *out)      read
    int swr_4442(int handle, int offset, int len, unsigned char *data)     write
    int csc_4442(int handle, int len, unsigned char *psc)    present the PSC
    int rsct_4442(int handle, int *tries)                    PSC tries left, 0..3

Windows DLLs are __stdcall (WinDLL), Linux .so files cdecl. The parent and child speak JSON lines
(drivers/vendor_process.py, shared with the bank card terminal's library).
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Any

from drivers.gascard.errors import NoCard, UnknownCard, VendorLibraryError, VendorLibraryHung
from drivers.gascard.layouts import CardFamily
from drivers.gascard.link import FAMILY_BY_ATR, MemoryCardLink
from drivers.vendor_process import VendorProcess, serve

__all__ = ["VendorLink", "BAUD"]

BAUD = 9600
POLL_S = 0.1
_ATR_4442 = next(atr for atr, family in FAMILY_BY_ATR.items() if family is CardFamily.SLE4442)


class VendorLink(MemoryCardLink):
    """An SLE4442 reader driven by the maker's library in a child process."""

    def __init__(self, library_path: str, *, port: int = 0, timeout_s: float = 5.0) -> None:
        super().__init__()
        self.library_path = os.path.abspath(library_path)
        self.port = port
        self.timeout_s = timeout_s
        self._process = VendorProcess("drivers.gascard.vendor", [self.library_path, str(port)],
                                      timeout_s=timeout_s, description=self.description,
                                      hung=VendorLibraryHung, failed=VendorLibraryError)

    @property
    def description(self) -> str:
        return f"{os.path.basename(self.library_path)} port {self.port}"

    def _call(self, function: str, *arguments: Any) -> Any:
        with self._lock:
            return self._process.call(function, *arguments)

    def connect(self) -> bytes:
        if not self._call("present"):
            raise NoCard(f"no SLE4442 card in {self.description}")
        return _ATR_4442

    def disconnect(self) -> None:
        """The library keeps no per-card connection."""

    def close(self) -> None:
        with self._lock:
            self._process.close("close")

    def select(self, family: CardFamily) -> None:
        if family is not CardFamily.SLE4442:
            raise UnknownCard(f"the vendor library drives SLE4442 cards only, not {family.value}")

    def read(self, address: int, length: int) -> bytes:
        return bytes.fromhex(self._call("read", address, length))

    def write(self, address: int, data: bytes) -> None:
        self._call("write", address, bytes(data).hex())

    def psc_counter(self) -> int:
        return (1 << self._call("tries")) - 1

    def present_psc(self, psc: bytes) -> int:
        return (1 << self._call("present_psc", bytes(psc).hex())) - 1

    def card_present(self) -> bool:
        return bool(self._call("present"))

    def _wait(self, present: bool, timeout: float) -> bool:
        # The library has no events: poll it.
        deadline = time.monotonic() + timeout
        while self.card_present() != present:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        return True

    def wait_for_card(self, timeout: float) -> bool:
        return self._wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self._wait(False, timeout)


# -- the child process ---------------------------------------------------------------------------

_SIGNATURES = {
    "ic_init": [ctypes.c_int, ctypes.c_long],
    "ic_exit": [ctypes.c_int],
    "chk_4442": [ctypes.c_int],
    "srd_4442": [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p],
    "swr_4442": [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p],
    "csc_4442": [ctypes.c_int, ctypes.c_int, ctypes.c_char_p],
    "rsct_4442": [ctypes.c_int, ctypes.POINTER(ctypes.c_int)],
}


class _Library:
    def __init__(self, path: str, port: int) -> None:
        loader = getattr(ctypes, "WinDLL", ctypes.CDLL) if sys.platform == "win32" else ctypes.CDLL
        try:
            library = loader(path)
        except OSError as error:
            raise SystemExit(f"cannot load the vendor library {path!r}: {error}; check the path and that it "
                             "matches this Python's architecture (many vendor DLLs are 32-bit only)")
        self.functions = {}
        for name, argtypes in _SIGNATURES.items():
            function = getattr(library, name, None)
            if function is None:
                raise SystemExit(f"the vendor library has no function {name}: is it the maker's 4442 library?")
            function.argtypes, function.restype = argtypes, ctypes.c_int
            self.functions[name] = function
        self.port = port
        self.handle = -1

    def _open(self) -> int:
        if self.handle < 0:
            handle = self.functions["ic_init"](self.port, BAUD)
            if handle < 0:
                raise RuntimeError(f"ic_init(port {self.port}) returned {handle}: no reader on that port")
            self.handle = handle
        return self.handle

    def _checked(self, name: str, *arguments: Any) -> None:
        status = self.functions[name](self._open(), *arguments)
        if status != 0:
            raise RuntimeError(f"{name} returned {status}")

    def call(self, function: str, *arguments: Any) -> Any:
        if function == "present":
            return self.functions["chk_4442"](self._open()) == 0
        if function == "read":
            address, length = arguments
            buffer = ctypes.create_string_buffer(length)
            self._checked("srd_4442", address, length, buffer)
            return buffer.raw[:length].hex()
        if function == "write":
            address, data = arguments[0], bytes.fromhex(arguments[1])
            self._checked("swr_4442", address, len(data), data)
            return None
        if function == "tries":
            tries = ctypes.c_int(0)
            self._checked("rsct_4442", ctypes.byref(tries))
            return tries.value
        if function == "present_psc":
            psc = bytes.fromhex(arguments[0])
            self.functions["csc_4442"](self._open(), len(psc), psc)   # a wrong PSC is told by the counter
            return self.call("tries")
        if function == "close":
            if self.handle >= 0:
                self.functions["ic_exit"](self.handle)
                self.handle = -1
            return None
        raise RuntimeError(f"unknown call {function!r}")


def _serve(path: str, port: int) -> None:
    serve(_Library(path, port).call)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
