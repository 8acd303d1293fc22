"""The reader over a serial port (RS-232, or a USB-CDC / USB-UART bridge) with pyserial.

Each exchange drops stale input, writes the command frame and receives one response frame within
the command's timeout plus the wire time of its largest reply at the current speed. Any OS-level
port failure closes the port and surfaces as ReaderUnavailable, so a caller (the poller) can reopen.
"""

from __future__ import annotations

import time

import serial

try:
    from termios import error as TermiosError
except ImportError:  # Windows
    TermiosError = OSError

# What a vanished device raises: pyserial wraps most, but tcflush on a dead pty/USB tty raises termios.error.
_PORT_ERRORS = (serial.SerialException, OSError, TermiosError)

from drivers.idcard.errors import ReaderTimeout, ReaderUnavailable
from drivers.idcard.protocol import BAUD_RATES, Command, FrameDecoder, Response, encode_command, receive_frame, wire_time
from drivers.idcard.reader import CardReader, CommandTimeouts

__all__ = ["SerialCardReader"]

# Largest reply each command can produce, to add its wire time to the deadline.
_MAX_REPLY = {
    Command.READ_BASE: 1295,
    Command.READ_WITH_FINGERPRINT: 2321,
    Command.READ_APPENDED_ADDRESS: 11 + 4 * 70,
    Command.SAM_ID: 27,
}


class SerialCardReader(CardReader):
    """GA/T 467 SAM module on `port` (a device path such as /dev/ttyUSB0, or any pyserial URL)."""

    def __init__(self, port: str, *, baud: int = 115200, timeouts: CommandTimeouts | None = None) -> None:
        super().__init__()
        if baud not in BAUD_RATES:
            raise ValueError(f"baud {baud} is not a SAM module speed; choose one of {sorted(BAUD_RATES)}")
        self.port = port
        self.baud = baud
        self.timeouts = timeouts or CommandTimeouts()
        self._serial: serial.Serial | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        with self._lock:
            if self._serial is not None:
                return
            try:
                self._serial = serial.serial_for_url(
                    self.port, baudrate=self.baud, bytesize=8, parity="N", stopbits=1,
                    timeout=self.timeouts.status, write_timeout=self.timeouts.status, exclusive=True,
                )
            except (serial.SerialException, OSError, ValueError) as error:
                raise ReaderUnavailable(
                    f"cannot open ID card reader port {self.port!r}: {error}; check the cable, "
                    "the device path in the site config and the port's permissions (dialout group)"
                ) from None

    def close(self) -> None:
        with self._lock:
            port, self._serial = self._serial, None
            if port is not None:
                try:
                    port.close()
                except _PORT_ERRORS:
                    pass

    def _exchange(self, command: Command, data: bytes = b"", para: int | None = None) -> Response:
        with self._lock:
            self.open()
            port = self._serial
            assert port is not None
            frame = encode_command(command, data, para=para)
            budget = self.timeouts.for_command(command) + wire_time(
                len(frame) + _MAX_REPLY.get(command, 19), self.baud
            )
            deadline = time.monotonic() + budget

            def read(size: int, timeout: float) -> bytes:
                port.timeout = timeout
                return port.read(size)

            try:
                port.reset_input_buffer()
                port.write(frame)
                return receive_frame(read, deadline, FrameDecoder())
            except serial.SerialTimeoutException:
                raise ReaderTimeout(f"writing {command.name} to {self.port!r} did not finish in time") from None
            except _PORT_ERRORS as error:
                self.close()
                raise ReaderUnavailable(
                    f"ID card reader on {self.port!r} stopped answering ({type(error).__name__}); "
                    "it was probably unplugged"
                ) from None

    def _baud_changed(self, baud: int) -> None:
        self.baud = baud
        if self._serial is not None:
            self._serial.baudrate = baud
