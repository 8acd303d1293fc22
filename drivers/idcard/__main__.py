"""Technician CLI for the ID card reader.

    python -m drivers.idcard read --port /dev/ttyUSB0 [--wait 30] [--fingerprint] [--reveal]
    python -m drivers.idcard decode capture.hex [--reveal]     # a captured response frame, hex or binary
    python -m drivers.idcard sam --port /dev/ttyUSB0 [--reset]
    python -m drivers.idcard simulate [--card resident] [--baud 115200]

Output is JSON on stdout, personal data masked unless --reveal. `simulate` prints the pty path (one
JSON line per message) and then takes keyboard commands: place <key>, remove, fault <name> [on <COMMAND>] [status <hex>],
clear, unplug, replug, quit. Exit status: 0 done, 1 reader or card error, 2 bad usage or input.

`decode` judges a capture the way `read` judges the card on the reader: a number failing its check
digit is `invalid_id_number` (status 1) in both. A file that holds no response frame at all (empty,
not hex, an odd number of hex digits, random bytes) is bad input (status 2, UnreadableCapture).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from domain.identity import IdentityCard
from drivers.idcard import BACKENDS, open_reader
from drivers.idcard.cardtext import (
    checked_identity,
    identity_from_reply,
    parse_appended_addresses,
    parse_captured_reply,
)
from drivers.idcard.errors import IdCardError, InvalidIdNumber, status_error
from drivers.idcard.protocol import FrameDecoder
from drivers.idcard.reader import format_sam_id

POLL_INTERVAL = 0.3


class UnreadableCapture(ValueError):
    """The file given to `decode` holds no response frame: empty, not hex, or no frame in its bytes."""


def _print(data: object, out: TextIO, *, compact: bool = False) -> None:
    out.write(json.dumps(data, ensure_ascii=False, indent=None if compact else 2) + "\n")


def _card_json(identity: IdentityCard, reveal: bool) -> dict[str, object]:
    return {"result": "card", **identity.to_dict(reveal=reveal)}


def _refused_json(error: InvalidIdNumber, reveal: bool) -> dict[str, object]:
    return {"result": "invalid_id_number", "error": str(error), **error.identity.to_dict(reveal=reveal)}


def _open(args: argparse.Namespace):
    return open_reader(args.port, baud=args.baud, backend=args.backend, library_path=args.library)


def command_read(args: argparse.Namespace, out: TextIO) -> int:
    deadline = time.monotonic() + args.wait
    with _open(args) as reader:
        while True:
            try:
                identity = reader.read_present_card(fingerprint=args.fingerprint)
            except InvalidIdNumber as error:
                _print(_refused_json(error, args.reveal), out)
                error.identity.wipe()
                return 1
            if identity is not None:
                _print(_card_json(identity, args.reveal), out)
                return 0
            if time.monotonic() >= deadline:
                _print({"result": "no_card", "waited_s": args.wait}, out)
                return 1
            time.sleep(POLL_INTERVAL)   # the module's minimum card-poll spacing


def command_sam(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as reader:
        if args.reset:
            reader.reset_sam()
        reader.check_sam()
        _print({"result": "sam_ok", "sam_id": reader.sam_id(), "port": args.port}, out)
    return 0


# Separators a hex dump may use between bytes; replaced by spaces of the same length, so that a
# complaint can point at the character where it is.
_HEX_SEPARATORS = re.compile(r"0[xX]|[\s,]")
_NOT_HEX = re.compile(r"[^0-9A-Fa-f ]")


def _read_capture(path: str) -> bytes:
    """The bytes of a capture: hex text (any ASCII file) or the raw bytes (a binary frame starts AA)."""
    raw = Path(path).read_bytes()
    if not raw:
        raise UnreadableCapture(f"{path} is empty: expected a response frame, as hex text or binary")
    if not raw.isascii():
        return raw
    spaced = _HEX_SEPARATORS.sub(lambda m: " " * len(m.group()), raw.decode("ascii"))
    stray = _NOT_HEX.search(spaced)
    if stray:
        raise UnreadableCapture(
            f"{path} is not hex: {stray.group()!r} at character {stray.start() + 1}; "
            "expected hex bytes such as 'AA AA AA 96 69 ...' (spaces, commas and 0x allowed) or a binary capture"
        )
    digits = spaced.replace(" ", "")
    if not digits:
        raise UnreadableCapture(f"{path} has no hex digits, only spaces: expected a response frame")
    if len(digits) % 2:
        raise UnreadableCapture(
            f"{path} has an odd number of hex digits ({len(digits)}): a digit was lost or added in copying"
        )
    return bytes.fromhex(digits)


def command_decode(args: argparse.Namespace, out: TextIO) -> int:
    decoder = FrameDecoder()
    decoder.feed(_read_capture(args.file))
    response = decoder.next_response()
    if response is None:
        raise UnreadableCapture(
            f"no complete response frame in {args.file} (need AA AA AA 96 69, length, body, XOR)"
        )
    if response.sw3 not in (0x90, 0x9F, 0x91):
        raise status_error(response.sw3)
    data = response.data
    if len(data) == 16:
        _print({"result": "sam_id", "sam_id": format_sam_id(data)}, out)
    elif len(data) in (0, 4, 8):
        _print({"result": "status", "sw3": f"0x{response.sw3:02X}", "data": data.hex()}, out)
    elif len(data) % 70 == 0 and len(data) < 4 * 70 + 1:
        _print({"result": "appended_addresses",
                "count": len(parse_appended_addresses(data))}, out)
    else:
        try:
            identity = checked_identity(identity_from_reply(parse_captured_reply(data)))
        except InvalidIdNumber as error:
            _print(_refused_json(error, args.reveal), out)
            error.identity.wipe()
            return 1
        _print(_card_json(identity, args.reveal), out)
        identity.wipe()
    return 0


def command_simulate(args: argparse.Namespace, out: TextIO, commands: TextIO = sys.stdin) -> int:
    from drivers.idcard.protocol import Command
    from drivers.idcard.simulator import Fault, Simulator
    from domain.demo_citizens import demo_citizen

    with Simulator(baud=args.baud) as simulator:
        if args.card != "none":
            simulator.place_card(demo_citizen(args.card))
        _print({"result": "simulating", "port": simulator.port, "baud": args.baud, "card": args.card}, out,
               compact=True)
        out.flush()
        for line in commands:
            words = line.split()
            if not words:
                continue
            verb, rest = words[0], words[1:]
            try:
                if verb == "quit":
                    break
                elif verb == "place":
                    simulator.place_card(demo_citizen(rest[0]))
                elif verb == "remove":
                    simulator.remove_card()
                elif verb == "fault":
                    options = dict(zip(rest[1::2], rest[2::2]))
                    simulator.inject(Fault(rest[0]), on=Command[options.get("on", "READ_BASE")],
                                     status=int(options.get("status", "41"), 16))
                elif verb in ("clear", "unplug", "replug"):
                    getattr(simulator, {"clear": "clear_faults"}.get(verb, verb))()
                else:
                    raise ValueError(f"unknown command {verb!r}")
                _print({"result": "ok", "command": verb}, out, compact=True)
            except (KeyError, IndexError, ValueError) as error:
                _print({"result": "error", "error": str(error)}, out, compact=True)
            out.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drivers.idcard", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def port_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", required=True, help="device path, sim://<card>, or SDK port number")
        p.add_argument("--baud", type=int, default=115200)
        p.add_argument("--backend", choices=BACKENDS, default="serial")
        p.add_argument("--library", help="vendor library path for the sdtapi/termb backends")

    read = sub.add_parser("read", help="wait for a card and print it as JSON")
    port_options(read)
    read.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a card")
    read.add_argument("--fingerprint", action="store_true")
    read.add_argument("--reveal", action="store_true", help="print personal data unmasked")
    decode = sub.add_parser("decode", help="decode a captured response frame (hex text or binary)")
    decode.add_argument("file")
    decode.add_argument("--reveal", action="store_true")
    sam = sub.add_parser("sam", help="SAM status and ID")
    port_options(sam)
    sam.add_argument("--reset", action="store_true", help="reset the SAM first")
    simulate = sub.add_parser("simulate", help="run the simulator on a pty and print its path")
    simulate.add_argument("--card", default="resident", help="demo citizen key, or none")
    simulate.add_argument("--baud", type=int, default=115200)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"read": command_read, "sam": command_sam, "decode": command_decode, "simulate": command_simulate}
    try:
        return handlers[args.command](args, out)
    except IdCardError as error:
        _print({"result": "error", "error_type": type(error).__name__, "error": str(error)}, out)
        return 1
    except (OSError, ValueError, KeyError) as error:
        _print({"result": "error", "error_type": type(error).__name__, "error": str(error)}, out)
        return 2


if __name__ == "__main__":
    sys.exit(main())
