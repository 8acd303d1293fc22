"""Printer CLI for technicians and the demo, taking --printer the way config names it.

    python -m drivers.printer status    --printer serial:///dev/ttyS0?baudrate=9600
    python -m drivers.printer test-page --printer usb://0x0416:0x5011
    python -m drivers.printer ticket --demo --printer sim://80mm --save out/ticket   (sim: also .bin/.png)
    python -m drivers.printer preview --demo OUT.png [--document receipt] [--paper 58]

Exit status: 0 done, 2 bad settings or arguments (printer URL, paper, profile, a file that cannot be written,
--save without a sim:// printer), 3 printer not ready (nothing printed), 4 job failed or unconfirmed.
"""

from __future__ import annotations

import argparse
import os
import sys

from domain.clock import DEFAULT_TIMEZONE, SiteClock, zone_named
from domain.printouts import TestPage

from drivers.printer import (
    PrinterConfigError,
    PrinterError,
    PrinterNotReady,
    open_printer,
    render_preview,
)
from drivers.printer.demo import demo_materials, demo_proof, demo_receipt, demo_ticket

_DEMOS = {"ticket": demo_ticket, "receipt": demo_receipt, "proof": demo_proof, "materials": demo_materials}


def _site_clock(name: str) -> SiteClock:
    try:
        zone_named(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return SiteClock(name)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drivers.printer", description="ESC/POS ticket printer tool")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--printer", default="sim://80mm", help="printer URL as in config (default sim://80mm)")
    common.add_argument("--paper", type=int, default=None, help="paper width in mm: 58 or 80 (default 80)")
    common.add_argument("--profile", default="default", help="printer profile name")
    common.add_argument("--profiles-file", default=None, help="TOML file with the site's own profiles")
    common.add_argument("--timezone", dest="clock", metavar="ZONE", type=_site_clock,
                        default=SiteClock(DEFAULT_TIMEZONE),
                        help=f"the site's time zone for printed times (default {DEFAULT_TIMEZONE})")
    common.add_argument("--save", metavar="STEM", help="sim:// only: write what the simulator received to STEM.bin/.png")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", parents=[common], help="query the printer's real-time status")
    commands.add_parser("test-page", parents=[common], help="print the technician's test page")
    ticket = commands.add_parser("ticket", parents=[common], help="print a document")
    ticket.add_argument("--demo", action="store_true", required=True, help="print the sample document")
    ticket.add_argument("--document", choices=sorted(_DEMOS), default="ticket")
    preview = commands.add_parser("preview", parents=[common], help="draw a document as a PNG, no printer needed")
    preview.add_argument("--demo", action="store_true", required=True, help="draw the sample document")
    preview.add_argument("--document", choices=sorted(_DEMOS), default="ticket")
    preview.add_argument("output", help="PNG file to write")
    return parser


def _paper(args: argparse.Namespace) -> dict:
    return {} if args.paper is None else {"paper_width_mm": args.paper}


def _check_save(stem: str | None, printer_url: str) -> None:
    """--save records what a simulated printer received: refuse it before printing where it cannot work."""
    if stem is None:
        return
    if not printer_url.startswith("sim://"):
        raise PrinterConfigError(f"--save records what a simulated printer received; {printer_url} is not sim://")
    folder = os.path.dirname(os.path.abspath(stem))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise PrinterConfigError(f"--save {stem}: cannot create the folder {folder}: {e.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "preview":
            image = render_preview(_DEMOS[args.document](), paper_width_mm=args.paper or 80, profile=args.profile)
            try:
                image.save(args.output)
            except (OSError, ValueError) as e:   # no such folder, no permission, not a known image extension
                print(f"cannot write {args.output}: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
                return 2
            print(f"wrote {args.output} ({image.width}x{image.height})")
            return 0
        _check_save(args.save, args.printer)
        printer = open_printer(args.printer, profile=args.profile, profiles_file=args.profiles_file, **_paper(args))
    except PrinterConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "status":
            status = printer.status()
            print(f"{status.state.value}: {status.message}")
            return 0 if status.can_print else 3
        if args.command == "test-page":
            document = TestPage(args.printer, printer.profile.name, printer.paper.width_mm, args.clock.now())
        else:
            document = _DEMOS[args.document]()
        result = printer.print_document(document)
        confirmed = "confirmed" if result.confirmed else "sent (this profile cannot confirm)"
        print(f"printed {result.bytes_sent} bytes, {confirmed}")
        if result.maintenance_alert:
            print(f"maintenance: {result.maintenance_alert}")
        return 0
    except PrinterNotReady as e:
        print(f"not printed: {e}", file=sys.stderr)
        return 3
    except PrinterError as e:
        print(f"print failed: {e}", file=sys.stderr)
        return 4
    finally:
        if args.save and printer.simulator is not None:
            printer.simulator.wait_for_bytes(1, timeout=1.0)
            for path in printer.simulator.save(args.save):
                print(f"wrote {path}")
        printer.close()


if __name__ == "__main__":
    sys.exit(main())
