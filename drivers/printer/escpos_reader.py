"""Read an ESC/POS byte stream back: commands one by one, and the page as blocks.

The simulator uses it the way a printer's firmware does (answer DLE EOT at once, GS r in buffer order),
and to draw what it received; tests use it to decode printed bytes back to Chinese text and QR payloads.
It knows every command this driver sends plus the common mode commands; any other control byte is kept
as an UNKNOWN command so nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageOps

from drivers.printer.blocks import Align, Block, Cut, Feed, QrCode, Raster, TextLine

__all__ = ["Command", "CommandStream", "read_commands", "blocks_from_bytes", "printed_text"]


@dataclass(frozen=True)
class Command:
    """One parsed command: `name` as in the ESC/POS manuals, `arg` its first parameter, `data` its payload."""

    name: str
    arg: int = 0
    data: bytes = b""


# Commands with one parameter byte: (prefix byte, command byte) -> name.
_ONE_ARG = {
    (0x10, 0x04): "DLE EOT", (0x10, 0x05): "DLE ENQ",
    (0x1B, 0x61): "ESC a", (0x1B, 0x45): "ESC E", (0x1B, 0x64): "ESC d", (0x1B, 0x74): "ESC t",
    (0x1B, 0x21): "ESC !", (0x1B, 0x2D): "ESC -", (0x1B, 0x4D): "ESC M", (0x1B, 0x33): "ESC 3",
    (0x1B, 0x4A): "ESC J", (0x1B, 0x47): "ESC G",
    (0x1C, 0x43): "FS C", (0x1C, 0x21): "FS !", (0x1C, 0x57): "FS W", (0x1C, 0x2D): "FS -",
    (0x1D, 0x21): "GS !", (0x1D, 0x72): "GS r", (0x1D, 0x42): "GS B", (0x1D, 0x62): "GS b",
    (0x1D, 0x61): "GS a",
}
_NO_ARG = {(0x1B, 0x40): "ESC @", (0x1C, 0x26): "FS &", (0x1C, 0x2E): "FS .", (0x1B, 0x32): "ESC 2"}


def _next(buf: bytes, i: int, chinese: bool) -> tuple[Command, int] | None:
    """The command at buf[i:], and where the next starts; None if the buffer ends inside it."""
    n = len(buf)
    b = buf[i]
    if b == 0x0A:
        return Command("LF"), i + 1
    if b >= 0x20:
        j = i
        while j < n and buf[j] >= 0x20:
            if chinese and buf[j] >= 0x81:
                if j + 1 >= n:
                    break
                j += 2
            else:
                j += 1
        if j == i:
            return None
        return Command("TEXT", data=bytes(buf[i:j])), j
    if i + 1 >= n:
        return None if b in (0x10, 0x1B, 0x1C, 0x1D) else (Command("UNKNOWN", b), i + 1)
    key = (b, buf[i + 1])
    if key in _NO_ARG:
        return Command(_NO_ARG[key]), i + 2
    if key in _ONE_ARG:
        if i + 2 >= n:
            return None
        return Command(_ONE_ARG[key], buf[i + 2]), i + 3
    if key == (0x1D, 0x56):                                   # GS V m [n]
        if i + 2 >= n:
            return None
        m = buf[i + 2]
        if m in (65, 66):
            return (None if i + 3 >= n else (Command("GS V", m, bytes((buf[i + 3],))), i + 4))
        return Command("GS V", m), i + 3
    if key == (0x1D, 0x76):                                   # GS v 0 m xL xH yL yH data
        if i + 8 > n:
            return None
        width_bytes = int.from_bytes(buf[i + 4:i + 6], "little")
        height = int.from_bytes(buf[i + 6:i + 8], "little")
        end = i + 8 + width_bytes * height
        if end > n:
            return None
        return Command("GS v 0", width_bytes, bytes(buf[i + 8:end])), end
    if key == (0x1D, 0x28):                                   # GS ( x pL pH data
        if i + 5 > n:
            return None
        length = int.from_bytes(buf[i + 3:i + 5], "little")
        end = i + 5 + length
        if end > n:
            return None
        return Command("GS ( " + chr(buf[i + 2]), 0, bytes(buf[i + 5:end])), end
    return Command("UNKNOWN", b), i + 1


class CommandStream:
    """Incremental parser: feed bytes as they arrive, take the complete commands."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.chinese = False   # printers power on in Kanji mode, but this driver always sends FS & itself

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        commands = []
        i = 0
        while i < len(self._buffer):
            parsed = _next(self._buffer, i, self.chinese)
            if parsed is None:
                break
            command, i = parsed
            if command.name == "FS &":
                self.chinese = True
            elif command.name == "FS .":
                self.chinese = False
            commands.append(command)
        del self._buffer[:i]
        return commands


def read_commands(data: bytes) -> list[Command]:
    return CommandStream().feed(data)


def _raster_image(width_bytes: int, data: bytes) -> Image.Image:
    height = len(data) // width_bytes if width_bytes else 0
    ink = Image.frombytes("1", (width_bytes * 8, height), data)
    return ImageOps.invert(ink.convert("L")).convert("1")


def blocks_from_bytes(data: bytes) -> list[Block]:
    """The page the printer would produce, as blocks (text decoded from GB18030 in Chinese mode)."""
    blocks: list[Block] = []
    align, scale, bold, chinese = Align.LEFT, 1, False, False
    line = ""
    qr_payload, qr_module = b"", 3
    for c in read_commands(data):
        if c.name == "TEXT":
            line += c.data.decode("gb18030" if chinese else "latin-1", errors="replace")
        elif c.name == "LF":
            blocks.append(TextLine(line, align, scale, bold))
            line = ""
        elif c.name == "ESC @":
            align, scale, bold = Align.LEFT, 1, False
        elif c.name == "FS &":
            chinese = True
        elif c.name == "FS .":
            chinese = False
        elif c.name == "ESC a":
            align = Align(c.arg % 48)
        elif c.name == "GS !":
            scale = (c.arg & 0x07) + 1
        elif c.name == "ESC E":
            bold = bool(c.arg & 1)
        elif c.name == "ESC d":
            blocks.append(Feed(c.arg))
        elif c.name == "GS v 0":
            blocks.append(Raster(_raster_image(c.arg, c.data), align))
        elif c.name == "GS ( k" and c.data[:1] == b"1":
            function = c.data[1]
            if function == 67:
                qr_module = c.data[2]
            elif function == 80:
                qr_payload = c.data[3:]
            elif function == 81:
                blocks.append(QrCode(qr_payload.decode("ascii", errors="replace"), qr_module))
        elif c.name == "GS V":
            blocks.append(Cut(partial=c.arg in (1, 49, 66)))
    if line:
        blocks.append(TextLine(line, align, scale, bold))
    return blocks


def printed_text(data: bytes) -> str:
    """Only the text lines, one per line: what a test compares against the expected Chinese text."""
    return "\n".join(b.text for b in blocks_from_bytes(data) if isinstance(b, TextLine))
