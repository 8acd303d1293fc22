"""Printer fixtures: the real simulator on a pseudo-terminal or loopback TCP, reached through open_printer."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from drivers.printer import TicketPrinter, open_printer

# Generous, so that a simulator thread on a busy 2-core machine always answers in time; the tests
# of silent and slow printers shorten it on their printer, since there no answer is expected.
STATUS_TIMEOUT = 2.0


@pytest.fixture
def sim_printer() -> TicketPrinter:
    """An 80 mm printer on a pty, as `sim://80mm` in config."""
    printer = open_printer("sim://80mm", status_timeout=STATUS_TIMEOUT, confirm_timeout=5.0)
    yield printer
    printer.close()


@pytest.fixture(params=["sim://80mm", "sim://58mm", "sim://80mm?transport=tcp"])
def any_sim_printer(request) -> TicketPrinter:
    """The same behaviour over a serial line (pty) and a network socket, on both paper widths."""
    printer = open_printer(request.param, status_timeout=STATUS_TIMEOUT, confirm_timeout=5.0)
    yield printer
    printer.close()


@pytest.fixture
def decode_qr():
    """Every QR payload a real decoder (zxing-cpp) finds in an image."""

    def decode(image: Image.Image) -> list[str]:
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]

    return decode
