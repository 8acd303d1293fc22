"""Thermal ticket printing (ESC/POS): queue tickets, receipts, proofs, material lists, in correct Chinese.

The app opens the printer named in config and calls it from a worker thread (every call is bounded):

    from drivers.printer import open_printer, PrinterNotReady
    printer = open_printer("serial:///dev/ttyS0?baudrate=115200", paper_width_mm=80, profile="default")
    try:
        result = printer.print_document(ticket)        # a domain.printouts.QueueTicket
        if result.maintenance_alert: ...                 # paper near end: tell staff
    except PrinterNotReady as e:                          # paper out, cover open, offline: nothing printed
        show_problem(e.code)                              # keep the number on screen, offer a reprint
    printer.status()                                      # PrinterStatus(state=PrinterState.READY, ...)
    printer.close()

`render_preview(doc)` draws any document as the paper would look, without a printer. URLs: usb://VID:PID,
serial:///dev/ttyS0?baudrate=9600, tcp://HOST:9100, file:///dev/usb/lp0, sim://80mm, sim://58mm
(sim://80mm?transport=tcp for the network path). `printer.simulator` is the PrinterSimulator of a sim://
printer, for the demo and maintenance mode.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from PIL import Image

from domain.printouts import Printout

from drivers.printer import errors
from drivers.printer.backends import NetworkTransport, SerialTransport, Transport, transport_for_url
from drivers.printer.errors import *  # noqa: F403  (the error types, listed once in errors.__all__)
from drivers.printer.layout import layout_document
from drivers.printer.preview import png_bytes, render_blocks
from drivers.printer.printer import PrintResult, TicketPrinter
from drivers.printer.profiles import BUILTIN_PROFILES, Paper, PrinterProfile, find_profile
from drivers.printer.simulator import PrinterSimulator
from drivers.printer.status import PrinterState, PrinterStatus

__all__ = [
    "open_printer",
    "render_preview",
    "render_preview_png",
    "TicketPrinter",
    "PrintResult",
    "PrinterStatus",
    "PrinterState",
    "PrinterProfile",
    "Paper",
    "BUILTIN_PROFILES",
    "PrinterSimulator",
]
__all__ += errors.__all__  # the error types are part of this package's API, listed once in errors.py


def _simulated_transport(url: str) -> tuple[Transport, PrinterSimulator]:
    parts = urlsplit(url)
    width = parts.netloc.removesuffix("mm")
    if width not in ("58", "80"):
        raise errors.PrinterConfigError(f"printer URL {url!r}: expected sim://80mm or sim://58mm")
    transport_kind = parse_qs(parts.query).get("transport", ["pty"])[-1]
    if transport_kind not in ("pty", "tcp"):
        raise errors.PrinterConfigError(f"printer URL {url!r}: transport must be pty or tcp")
    simulator = PrinterSimulator(int(width))
    if transport_kind == "tcp":
        host, port = simulator.start_tcp()
        return NetworkTransport(host, port), simulator
    return SerialTransport(simulator.start_pty(), baudrate=115200, dsrdtr=False), simulator


def open_printer(
    url: str,
    *,
    paper_width_mm: int = 80,
    profile: str = "default",
    profiles_file: str | None = None,
    status_timeout: float = 1.0,
    write_timeout: float = 5.0,
    confirm_timeout: float = 5.0,
    connect_timeout: float = 2.0,
) -> TicketPrinter:
    """The printer a config URL names. Settings are checked now (PrinterConfigError); the device itself is
    opened on first use, so a kiosk starts even when its printer is off. For sim:// the paper width may be
    left at its default: it follows the URL."""
    if url.startswith("sim://"):
        width = urlsplit(url).netloc.removesuffix("mm")
        paper_width_mm = int(width) if width in ("58", "80") else paper_width_mm
    chosen = find_profile(profile, profiles_file)
    paper = chosen.paper(paper_width_mm)
    simulator = None
    if url.startswith("sim://"):
        transport, simulator = _simulated_transport(url)
    else:
        transport = transport_for_url(url, connect_timeout=connect_timeout)
    printer = TicketPrinter(
        transport,
        profile=chosen,
        paper=paper,
        status_timeout=status_timeout,
        write_timeout=write_timeout,
        confirm_timeout=confirm_timeout,
    )
    printer.simulator = simulator
    return printer


def render_preview(
    document: Printout, *, paper_width_mm: int = 80, profile: PrinterProfile | str = "default"
) -> Image.Image:
    """How `document` looks on paper, as a greyscale Pillow image; no printer needed."""
    chosen = profile if isinstance(profile, PrinterProfile) else find_profile(profile)
    paper = chosen.paper(paper_width_mm)
    return render_blocks(layout_document(document, paper, chosen.qr_module_dots), paper)


def render_preview_png(document: Printout, *, paper_width_mm: int = 80) -> bytes:
    return png_bytes(render_preview(document, paper_width_mm=paper_width_mm))
