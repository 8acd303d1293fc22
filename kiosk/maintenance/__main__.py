"""`python -m kiosk.maintenance set-pin --secrets FILE`: set the technician PIN (asked twice without echo on a
terminal, or one line from stdin for scripts); stored as a salted scrypt hash, the file kept mode 600."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TextIO

from kiosk.maintenance.access import BadPin, check_pin_rules, set_pin


def _read_pin(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("New maintenance PIN: ")
        if getpass.getpass("Repeat the PIN: ") != first:
            raise BadPin("the two PINs differ")
        return first
    return stdin.readline().strip()


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.maintenance", description="Kiosk maintenance tools")
    commands = parser.add_subparsers(dest="command", required=True)
    set_pin_parser = commands.add_parser("set-pin", help="set the technician PIN (read twice without echo, "
                                                         "or one line from stdin)")
    set_pin_parser.add_argument("--secrets", required=True, type=Path, help="the secrets file the profile names")
    args = parser.parse_args(argv)
    try:
        pin = _read_pin(stdin or sys.stdin)
        check_pin_rules(pin)
        set_pin(args.secrets, pin)
    except BadPin as error:
        print(f"PIN not set: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"PIN not set: {args.secrets}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"maintenance PIN set in {args.secrets} (mode 600); restart the kiosk to use it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
