"""Serial backend: a scanner in serial mode (RS-232 or USB-CDC), each code ended by CR, LF or both.

    scanner = SerialScanner("/dev/ttyACM0", baud=9600)      # or any pyserial URL
"""

from __future__ import annotations

import serial

from drivers.scanner.errors import ScannerLost, ScannerUnavailable
from drivers.scanner.scanner import CodeScanner

__all__ = ["SerialScanner"]

MAX_LINE = 512


class SerialScanner(CodeScanner):
    def __init__(self, port: str, *, baud: int = 9600) -> None:
        self.port = port
        self.description = f"serial scanner on {port}"
        try:
            self._serial = serial.serial_for_url(port, baudrate=baud, timeout=0)
        except (serial.SerialException, ValueError, OSError) as error:
            raise ScannerUnavailable(f"cannot open the scanner's port {port}: {error}") from None
        self._buffer = bytearray()

    def _take_line(self) -> str | None:
        while True:
            for index, byte in enumerate(self._buffer):
                if byte in b"\r\n":
                    line = bytes(self._buffer[:index])
                    del self._buffer[:index + 1]
                    if line:
                        return line.decode("ascii", errors="replace")
                    break
            else:
                if len(self._buffer) > MAX_LINE:       # no terminator ever: a misconfigured scanner
                    self._buffer.clear()
                return None

    def _read_line(self, timeout: float) -> str | None:
        line = self._take_line()
        if line is not None:
            return line
        try:
            self._serial.timeout = timeout
            chunk = self._serial.read(1)
            if chunk:
                self._serial.timeout = 0
                chunk += self._serial.read(MAX_LINE)
        except (serial.SerialException, OSError) as error:
            raise ScannerLost(f"the scanner on {self.port} went away: {error}") from None
        self._buffer += chunk
        return self._take_line()

    def close(self) -> None:
        self._serial.close()
