"""Printing figures: time to build a ticket's bytes and its preview, bytes per ticket, wire time.

    .venv/bin/python bench/printing.py

Goal (issue 5): a ticket with native QR is at most 600 bytes and built in at most 5 ms.
Prints figures; asserts nothing (this is not a test).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.printer import BUILTIN_PROFILES, PrinterProfile, open_printer  # noqa: E402
from drivers.printer.demo import demo_ticket  # noqa: E402
from drivers.printer.escpos_render import render_escpos  # noqa: E402
from drivers.printer.layout import layout_document  # noqa: E402
from drivers.printer.preview import render_blocks  # noqa: E402
from drivers.printer.profiles import paper_for_width  # noqa: E402


def _median_ms(action, runs: int) -> float:
    action()   # warm the font and glyph caches: the kiosk renders many tickets per process
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    ticket = demo_ticket()
    rare = demo_ticket(holder_name="䶮测试")
    profiles = {"native QR": BUILTIN_PROFILES["default"], "image QR": PrinterProfile("image-qr", native_qr=False)}
    print(f"{'paper':>5} {'QR':>9} {'bytes':>6} {'build ms':>9} {'9600 Bd s':>10} {'115200 Bd s':>12}")
    for width in (80, 58):
        paper = paper_for_width(width)
        for label, profile in profiles.items():
            data = render_escpos(layout_document(ticket, paper), profile, paper)
            build = _median_ms(lambda: render_escpos(layout_document(ticket, paper), profile, paper), 200)
            print(f"{width:>3}mm {label:>9} {len(data):>6} {build:>9.2f} {len(data) * 10 / 9600:>10.2f} "
                  f"{len(data) * 10 / 115200:>12.3f}")
    paper = paper_for_width(80)
    rare_bytes = render_escpos(layout_document(rare, paper), profiles["native QR"], paper)
    rare_ms = _median_ms(lambda: render_escpos(layout_document(rare, paper), profiles["native QR"], paper), 200)
    print(f"80 mm ticket with a rare-character name (image line): {len(rare_bytes)} bytes, {rare_ms:.2f} ms")
    preview_ms = _median_ms(lambda: render_blocks(layout_document(ticket, paper), paper), 30)
    print(f"80 mm preview (Pillow, 640 px wide): {preview_ms:.1f} ms")

    printer = open_printer("sim://80mm")
    try:
        printer.print_document(ticket)
        job_ms = _median_ms(lambda: printer.print_document(ticket), 20)
        print(f"status + job + GS r 1 confirmation to the simulator over a pty: {job_ms:.1f} ms")
    finally:
        printer.close()


if __name__ == "__main__":
    main()
