"""Technician CLI for gas cards.

    python -m drivers.gascard readers
    python -m drivers.gascard read [--reveal] [--wait 10]
    python -m drivers.gascard write --count N (--amount FEN | --volume TENTHS_M3) [--reveal]
    python -m drivers.gascard check [--reveal]
    python -m drivers.gascard simulate [--card volume] [--private]

Every command but `simulate` takes --backend pcsc|vendor|simulator (default pcsc), --reader NAME or
pattern, --layout auto|NAME, --library PATH and --timeout S, like `devices.gascard` in a profile.
Output is JSON on stdout, card, user and meter numbers masked unless --reveal.

`write` writes one purchase, the card's next (or the interrupted one again, on a card that needs a
rewrite), and reads it back. `check` shows every copy of the gas area and the PSC tries left; it
never presents a PSC.

`simulate` plugs a virtual card into vsmartcard's virtual reader: the system pcscd's (127.0.0.1:35963,
`--host`/`--port`), or with --private a pcscd of its own (needs root) whose socket it prints as
PCSCLITE_CSOCK_NAME for the other commands. It then takes commands, one a line: insert [CARD],
remove, pull-after N (the card is taken out after N more bytes are written), meter (the meter takes
the gas), unplug, replug (--private: the reader goes away and comes back), cards, quit.

Exit status: 0 done; 2 bad usage or input; 3 a card or reader fault (no card, unknown card, PSC
locked, a card that needs a rewrite, a refused purchase, a reader that is gone, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence, TextIO

from domain.gas_card import GasPurchase, GasQuantity
from drivers.gascard import BACKENDS, LAYOUTS, GasCardReader, open_reader
from drivers.gascard.errors import CardNeedsRewrite, GasCardError, NoCard, WrongPsc

EXIT_OK, EXIT_USAGE, EXIT_FAULT = 0, 2, 3


class BadInput(ValueError):
    """Arguments that parse but make no sense together."""


def _print(data: object, out: TextIO, *, compact: bool = False) -> None:
    out.write(json.dumps(data, ensure_ascii=False, indent=None if compact else 2) + "\n")
    out.flush()


def _open(args: argparse.Namespace) -> GasCardReader:
    return open_reader(args.backend, reader=args.reader, layout=args.layout, library_path=args.library or "",
                       timeout_s=args.timeout, card=args.card)


def _waited(reader: GasCardReader, args: argparse.Namespace) -> None:
    if not reader.wait_for_card(args.wait):
        raise NoCard(f"no card in {reader.link.description} after {args.wait} s")


def command_readers(args: argparse.Namespace, out: TextIO) -> int:
    if args.backend != "pcsc":
        with _open(args) as reader:
            present = reader.card_present()
            _print({"result": "readers", "readers": [{"name": reader.link.description, "card_present": present}]}, out)
        return EXIT_OK
    from drivers.gascard.link import FAMILY_BY_ATR
    from drivers.gascard.pcsc import list_readers

    readers = [{"name": info.name, "card_present": info.card_present, "atr": info.atr.hex(" ").upper(),
                "card": FAMILY_BY_ATR[info.atr].value if info.atr in FAMILY_BY_ATR else
                ("unknown" if info.card_present else None)} for info in list_readers()]
    _print({"result": "readers", "readers": readers}, out)
    return EXIT_OK


def command_read(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as reader:
        _waited(reader, args)
        _print({"result": "card", **reader.read().to_dict(reveal=args.reveal)}, out)
    return EXIT_OK


def command_write(args: argparse.Namespace, out: TextIO) -> int:
    if (args.amount is None) == (args.volume is None):
        raise BadInput("give the gas as exactly one of --amount FEN or --volume TENTHS_M3")
    gas = GasQuantity.amount(args.amount) if args.amount is not None else GasQuantity.volume(args.volume)
    try:
        purchase = GasPurchase(args.count, gas)
    except (TypeError, ValueError) as error:
        raise BadInput(str(error)) from None
    with _open(args) as reader:
        _waited(reader, args)
        card = reader.write(purchase)
        _print({"result": "written", **card.to_dict(reveal=args.reveal)}, out)
    return EXIT_OK


def command_check(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as reader:
        _waited(reader, args)
        report = reader.check()
    _print(report.to_dict(reveal=args.reveal), out)
    return EXIT_OK if report.ok else EXIT_FAULT


def command_simulate(args: argparse.Namespace, out: TextIO, commands: TextIO = sys.stdin) -> int:
    from drivers.gascard.emulator import DEMO_CARDS, MemoryCard, VpcdCardClient, demo_card, tcp_connector
    from drivers.gascard.vpcd import PrivatePcscd

    pcscd = PrivatePcscd().start() if args.private else None
    try:
        slot = VpcdCardClient(pcscd.connector() if pcscd else tcp_connector(args.host, args.port))
        card = demo_card(args.card)
        slot.insert(card)
        _print({"result": "simulating", "card": args.card,
                **({"PCSCLITE_CSOCK_NAME": str(pcscd.socket_path), "reader": pcscd.reader} if pcscd else
                   {"vpcd": f"{args.host}:{args.port}"})}, out, compact=True)
        for line in commands:
            words = line.split()
            if not words:
                continue
            verb, rest = words[0], words[1:]
            try:
                if verb == "quit":
                    break
                if verb == "insert":
                    card = demo_card(rest[0]) if rest else card
                    slot.insert(card)
                elif verb == "remove":
                    slot.remove()
                elif verb in ("pull-after", "meter"):
                    if not isinstance(card, MemoryCard):
                        raise ValueError("this card is no memory card")
                    card.pull_after(int(rest[0])) if verb == "pull-after" else card.meter_takes_gas()
                elif verb in ("unplug", "replug"):
                    if pcscd is None:
                        raise ValueError("unplug and replug need --private")
                    pcscd.stop() if verb == "unplug" else (pcscd.start(), slot.insert(card))
                elif verb == "cards":
                    _print({"result": "cards", "cards": list(DEMO_CARDS)}, out, compact=True)
                    continue
                else:
                    raise ValueError(f"unknown command {verb!r}")
                _print({"result": "ok", "command": verb}, out, compact=True)
            except (IndexError, ValueError, OSError) as error:
                _print({"result": "error", "error": str(error) or type(error).__name__}, out, compact=True)
        slot.remove()
    finally:
        if pcscd is not None:
            pcscd.stop(remove_folder=True)
    return EXIT_OK


def _error_json(error: GasCardError) -> dict[str, object]:
    data: dict[str, object] = {"result": "error", "code": error.code, "error_type": type(error).__name__,
                               "error": str(error)}
    if isinstance(error, CardNeedsRewrite):
        data["reason"] = error.reason
        data["records"] = [{"purchase_count": r.count, "gas": r.gas.value} for r in error.records]
    if isinstance(error, WrongPsc):
        data["tries_left"] = error.tries_left
    return data


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drivers.gascard", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=BACKENDS, default="pcsc")
    common.add_argument("--reader", default="", help="PC/SC reader name or pattern (default: the first), "
                                                     "or the vendor library's port number")
    common.add_argument("--layout", choices=("auto", *LAYOUTS), default="auto")
    common.add_argument("--library", help="the meter maker's library, for --backend vendor")
    common.add_argument("--timeout", type=float, default=5.0, help="seconds per vendor library call")
    common.add_argument("--card", default="volume", help="the simulator's demo card (--backend simulator)")
    common.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a card")
    reveal = argparse.ArgumentParser(add_help=False)
    reveal.add_argument("--reveal", action="store_true", help="print card, user and meter numbers unmasked")

    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("readers", parents=[common], help="list the readers and what is in them")
    sub.add_parser("read", parents=[common, reveal], help="read the card and print it")
    write = sub.add_parser("write", parents=[common, reveal], help="write one purchase and read it back")
    write.add_argument("--count", type=int, required=True, help="the card's new purchase count")
    write.add_argument("--amount", type=int, help="gas bought, in fen (money cards)")
    write.add_argument("--volume", type=int, help="gas bought, in tenths of a cubic metre (volume cards)")
    sub.add_parser("check", parents=[common, reveal], help="every copy of the gas area, PSC tries left")
    simulate = sub.add_parser("simulate", help="plug a virtual card into a vpcd virtual reader")
    simulate.add_argument("--card", default="volume", help="the demo card to insert first")
    simulate.add_argument("--private", action="store_true", help="start a pcscd of its own (root)")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=35963)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"readers": command_readers, "read": command_read, "write": command_write,
                "check": command_check, "simulate": command_simulate}
    try:
        return handlers[args.command](args, out)
    except GasCardError as error:
        _print(_error_json(error), out)
        return EXIT_FAULT
    except (ValueError, TypeError) as error:
        _print({"result": "error", "code": "bad_input", "error_type": type(error).__name__, "error": str(error)},
               out)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
