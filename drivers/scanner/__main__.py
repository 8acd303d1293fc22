"""Technician CLI for the code scanner.

    python -m drivers.scanner devices
    python -m drivers.scanner read [--backend evdev|serial|simulator] [--device D] [--wait 30] [--reveal]
    python -m drivers.scanner simulate [--kind uinput|pty]

`devices` lists the input devices this user can open, and whether each can type codes (digits and Enter):
the scanner is usually the one named after its maker. `read` waits for one scan and tells whether it is a
WeChat payment code; the code is masked (first 2, last 4) unless --reveal. The evdev backend grabs the
device while it reads, so the scan does not reach a console or the kiosk's UI.

`simulate` makes a simulated scanner (a uinput virtual keyboard, or a pty serial port), prints its device
as JSON, then scans every line it reads from stdin; point `read --backend evdev --device PATH` (or
`--backend serial`) at it from another terminal.

Exit status: 0 done; 2 bad usage or input; 3 a scanner fault, or nothing scanned within --wait.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence, TextIO

from domain.payment import PaymentCode
from drivers.scanner import BACKENDS, open_scanner
from drivers.scanner.errors import ScannerError

EXIT_OK, EXIT_USAGE, EXIT_FAULT = 0, 2, 3


def _print(data: object, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


def command_devices(args: argparse.Namespace, out: TextIO) -> int:
    from drivers.scanner.evdev_scanner import evdev_available, list_input_devices
    from drivers.scanner.simulator import uinput_usable

    if not evdev_available():
        raise ScannerError("the evdev package is not installed")
    _print({"result": "devices", "devices": list_input_devices(), "uinput_usable": uinput_usable()}, out)
    return EXIT_OK


def command_read(args: argparse.Namespace, out: TextIO) -> int:
    with open_scanner(args.backend, device=args.device, baud=args.baud) as scanner:
        text = scanner.read(args.wait)
        if text is None:
            _print({"result": "timeout", "code": "no_code", "scanner": scanner.description,
                    "error": f"nothing scanned within {args.wait} s"}, out)
            return EXIT_FAULT
    try:
        PaymentCode(text)
        payment_code = True
    except ValueError:
        payment_code = False
    _print({"result": "scanned", "text": text if args.reveal else PaymentCode.masked_text(text),
            "length": len(text), "wechat_payment_code": payment_code}, out)
    return EXIT_OK


def command_simulate(args: argparse.Namespace, out: TextIO, lines: TextIO = sys.stdin) -> int:
    from drivers.scanner.simulator import PtyScanner, UinputKeyboard

    device = UinputKeyboard() if args.kind == "uinput" else PtyScanner()
    try:
        where = {"device": device.path} if isinstance(device, UinputKeyboard) else {"port": device.port}
        _print({"result": "simulating", "kind": args.kind, **where}, out)
        for line in lines:
            if line.strip():
                device.scan(line.strip())
                _print({"result": "scanned", "text": PaymentCode.masked_text(line.strip())}, out)
    finally:
        device.close()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drivers.scanner", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("devices", help="list input devices and whether they can type codes")
    read = sub.add_parser("read", help="wait for one scan")
    read.add_argument("--backend", choices=BACKENDS, default="evdev")
    read.add_argument("--device", default="", help="evdev: /dev/input path or name pattern; serial: port or URL")
    read.add_argument("--baud", type=int, default=9600)
    read.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a scan")
    read.add_argument("--reveal", action="store_true", help="print the scanned text unmasked")
    simulate = sub.add_parser("simulate", help="a simulated scanner that scans the lines of stdin")
    simulate.add_argument("--kind", choices=("uinput", "pty"), default="pty")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    handlers = {"devices": command_devices, "read": command_read, "simulate": command_simulate}
    try:
        return handlers[args.command](args, out)
    except ScannerError as error:
        _print({"result": "error", "code": error.code, "error_type": type(error).__name__, "error": str(error)}, out)
        return EXIT_FAULT
    except (ValueError, TypeError) as error:
        _print({"result": "error", "code": "bad_input", "error_type": type(error).__name__, "error": str(error)},
               out)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
