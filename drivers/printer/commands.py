"""The ESC/POS command bytes this driver sends and the simulator understands, in one table.

Sources: Epson ESC/POS reference (TM-T88III/TM-P60), Chinese-brand manuals (SP91, SPRT, Microcom 814M),
Bixolon SRP-350 and SPP-R210 (DLE EOT, GS r). Every value here is asserted byte for byte in the tests.
"""

from __future__ import annotations

__all__ = [
    "ESC", "FS", "GS", "DLE", "LF",
    "INIT", "CHINESE_MODE_ON", "CHINESE_MODE_OFF",
    "align", "char_size", "bold", "feed_lines", "cut",
    "raster_image", "native_qr",
    "REALTIME_STATUS", "STATUS_QUERIES", "PAPER_SENSOR_STATUS",
    "ALIGN_LEFT", "ALIGN_CENTER", "ALIGN_RIGHT",
    "QR_EC_LEVEL_M",
]

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"
DLE = b"\x10"
LF = b"\n"

INIT = ESC + b"@"                    # ESC @: clear buffer, reset modes (Kanji mode is model-dependent after it)
CHINESE_MODE_ON = FS + b"&"          # FS &: bytes >= 0x81 start a double-byte GB character
CHINESE_MODE_OFF = FS + b"."         # FS .: every byte is one single-byte character

ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT = 0, 1, 2

# DLE EOT n: real-time status, answered at once even when offline. 1 printer, 2 offline cause,
# 3 error cause, 4 roll paper sensor. Sent together; the printer answers one byte each, in order.
REALTIME_STATUS = DLE + b"\x04"
STATUS_QUERIES = b"".join(REALTIME_STATUS + bytes((n,)) for n in (1, 2, 3, 4))
# GS r 1: paper sensor status, processed in buffer order, so its answer means "everything before is done".
PAPER_SENSOR_STATUS = GS + b"r\x01"

# GS ( k cn=49 (QR) functions.
_QR = GS + b"(k"
QR_EC_LEVEL_M = 0x31


def align(position: int) -> bytes:
    """ESC a n: 0 left, 1 centre, 2 right; takes effect at the start of a line."""
    return ESC + b"a" + bytes((position,))


def char_size(scale: int) -> bytes:
    """GS ! n with equal width and height: the one size command that enlarges hanzi as well as ASCII."""
    if not 1 <= scale <= 8:
        raise ValueError("character scale is 1..8")
    return GS + b"!" + bytes((((scale - 1) << 4) | (scale - 1),))


def bold(on: bool) -> bytes:
    """ESC E n: emphasised; applies to hanzi too."""
    return ESC + b"E" + (b"\x01" if on else b"\x00")


def feed_lines(lines: int) -> bytes:
    """ESC d n: print and feed n lines."""
    return ESC + b"d" + bytes((lines,))


def cut(partial: bool) -> bytes:
    """GS V m: 0 full cut, 1 partial cut (leaves a hinge so the ticket does not drop)."""
    return GS + b"V" + (b"\x01" if partial else b"\x00")


def raster_image(width_bytes: int, height: int, data: bytes) -> bytes:
    """GS v 0 m xL xH yL yH d1...dk: raster bit image, 1 = black, rows of `width_bytes` bytes."""
    if len(data) != width_bytes * height:
        raise ValueError("raster data does not match its declared size")
    return GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little") + data


def _qr_function(fn: int, data: bytes) -> bytes:
    return _QR + (len(data) + 2).to_bytes(2, "little") + b"1" + bytes((fn,)) + data


def native_qr(payload: bytes, module_dots: int, ec_level: int = QR_EC_LEVEL_M) -> bytes:
    """GS ( k: model 2 (fn 65), module size (67), error correction (69), store (80), print (81)."""
    if not 1 <= module_dots <= 16:
        raise ValueError("QR module size is 1..16 dots")
    return (
        _qr_function(65, b"2\x00")
        + _qr_function(67, bytes((module_dots,)))
        + _qr_function(69, bytes((ec_level,)))
        + _qr_function(80, b"0" + payload)
        + _qr_function(81, b"0")
    )
