"""The SAM module frame codec (GA/T 467): building frames and receiving them robustly.

Both directions share one shape::

    AA AA AA 96 69 | LEN_H LEN_L | body (LEN - 1 bytes) | CHK

LEN is big-endian and counts the body and CHK; CHK is the XOR of LEN_H..last body byte. A command's
body is CMD PARA DATA, a response's is SW1 SW2 SW3 DATA. `FrameDecoder` is a pure byte-stream
parser (it resynchronises on the preamble after garbage and checks every frame's XOR);
`receive_frame` drives it from any bounded `read` until a deadline. Nothing here knows about ports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from typing import Callable

from drivers.idcard.errors import ChecksumMismatch, FrameError, ReaderTimeout, TruncatedFrame

__all__ = [
    "PREAMBLE",
    "MAX_FRAME_SIZE",
    "Command",
    "BAUD_RATES",
    "Response",
    "encode_command",
    "encode_response",
    "FrameDecoder",
    "receive_frame",
    "wire_time",
]

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2
# The largest real reply is 2321 bytes (text + photo + two fingerprints); allow headroom for
# vendor extensions, but not so much that a false preamble in garbage makes us wait for 64 KiB.
MAX_FRAME_SIZE = 4096
MIN_COMMAND_LENGTH = 3    # CMD PARA CHK
MIN_RESPONSE_LENGTH = 4   # SW1 SW2 SW3 CHK


class Command(Enum):
    """GA/T 467 commands as (CMD, PARA), with the SW3 that means success."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)
    READ_APPENDED_ADDRESS = (0x30, 0x03)
    READ_WITH_FINGERPRINT = (0x30, 0x10)
    SET_BAUD = (0x60, 0x00)            # PARA is the baud index, see BAUD_RATES
    SET_RF_FRAME_SIZE = (0x61, 0xFF)   # one data byte, 24..255

    @property
    def code(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]

    @classmethod
    def lookup(cls, code: int, para: int) -> Command | None:
        if code == 0x60:
            return cls.SET_BAUD
        for command in cls:
            if command.value == (code, para):
                return command
        return None


# CMD 0x60 PARA: index of the new speed (GA/T 467 table).
BAUD_RATES: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


@dataclass(frozen=True)
class Response:
    """A received response frame, checksum already verified."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""


def _xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def _frame(body: bytes) -> bytes:
    head = (len(body) + 1).to_bytes(2, "big") + body
    return PREAMBLE + head + bytes([_xor(head)])


def encode_command(command: Command, data: bytes = b"", *, para: int | None = None) -> bytes:
    """The full frame for a command; `para` overrides the table value (baud index)."""
    return _frame(bytes([command.code, command.para if para is None else para]) + data)


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """The full frame a module sends back (used by the simulator and by tests)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


class FrameDecoder:
    """Cuts frames out of a byte stream that may contain garbage.

    Bytes before a preamble are dropped; a preamble followed by an impossible length is taken for
    garbage and scanning resumes one byte later. A complete frame with a wrong XOR is consumed and
    reported as `ChecksumMismatch`, so the stream stays in step.
    """

    def __init__(self, min_length: int = MIN_RESPONSE_LENGTH, max_frame: int = MAX_FRAME_SIZE) -> None:
        self._buffer = bytearray()
        self._min_length = min_length
        self._max_length = max_frame - HEADER_SIZE

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def clear(self) -> None:
        self._buffer.clear()

    @property
    def in_frame(self) -> bool:
        """True when a preamble has been seen and the rest of its frame is still missing."""
        return self._buffer.startswith(PREAMBLE)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def bytes_wanted(self) -> int:
        """How many more bytes complete the frame in progress (at least 1)."""
        if len(self._buffer) >= HEADER_SIZE and self.in_frame:
            length = int.from_bytes(self._buffer[5:7], "big")
            return max(1, HEADER_SIZE + length - len(self._buffer))
        return max(1, HEADER_SIZE - len(self._buffer))

    def next_body(self) -> bytes | None:
        """The body of the next complete frame (between LEN and CHK), or None if none is complete."""
        buffer = self._buffer
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across reads.
                del buffer[: max(0, len(buffer) - (len(PREAMBLE) - 1))]
                return None
            del buffer[:start]
            if len(buffer) < HEADER_SIZE:
                return None
            length = int.from_bytes(buffer[5:7], "big")
            if not self._min_length <= length <= self._max_length:
                del buffer[:1]
                continue
            total = HEADER_SIZE + length
            if len(buffer) < total:
                return None
            frame = bytes(buffer[:total])
            del buffer[:total]
            if _xor(frame[len(PREAMBLE) : -1]) != frame[-1]:
                raise ChecksumMismatch(
                    f"reply frame of {total} bytes failed its XOR check "
                    f"(got 0x{frame[-1]:02X}, computed 0x{_xor(frame[len(PREAMBLE):-1]):02X}); "
                    "check the cable, the baud rate and sources of interference"
                )
            return frame[HEADER_SIZE:-1]

    def next_response(self) -> Response | None:
        body = self.next_body()
        if body is None:
            return None
        if len(body) < 3:
            raise FrameError(f"reply body of {len(body)} bytes has no status bytes")
        return Response(body[0], body[1], body[2], bytes(body[3:]))


Read = Callable[[int, float], bytes]
"""read(max_bytes, timeout_s) -> bytes: returns early with what arrived, b"" on timeout."""


def receive_frame(read: Read, deadline: float, decoder: FrameDecoder | None = None) -> Response:
    """Read until one complete response frame is decoded or `deadline` (time.monotonic) passes."""
    decoder = decoder or FrameDecoder()
    while True:
        response = decoder.next_response()
        if response is not None:
            return response
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if decoder.in_frame:
                raise TruncatedFrame(
                    f"reply stopped after {decoder.buffered} bytes, the frame announced more; "
                    "the reader may have been unplugged mid-reply or the line is losing bytes"
                )
            raise ReaderTimeout("no reply frame from the ID card reader before the deadline")
        decoder.feed(read(decoder.bytes_wanted(), remaining))


def wire_time(byte_count: int, baud: int) -> float:
    """Seconds that many bytes take on an 8N1 line (10 bits per byte)."""
    return byte_count * 10 / baud
