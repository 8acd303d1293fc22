"""The ticket printer the app uses: status before every job, the job, then confirmation that it printed.

Blocking but bounded: every call finishes within its timeouts, so the app calls it from a worker thread.
A refused job raises a PrinterNotReady subclass and printed nothing; the app keeps the ticket on screen and
offers a reprint. Nothing here logs document text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from PIL import Image

from domain.printouts import Printout

from drivers.printer import commands as cmd
from drivers.printer.backends import Transport
from drivers.printer.errors import (
    PrinterCoverOpen,
    PrinterCutterError,
    PrinterJobUnconfirmed,
    PrinterNotReady,
    PrinterOffline,
    PrinterPaperOut,
)
from drivers.printer.escpos_render import render_escpos
from drivers.printer.layout import layout_document
from drivers.printer.preview import render_blocks
from drivers.printer.profiles import Paper, PrinterProfile
from drivers.printer.status import PrinterState, PrinterStatus, no_answer, parse_status

__all__ = ["TicketPrinter", "PrintResult"]

log = logging.getLogger(__name__)

_REFUSALS: dict[PrinterState, type[PrinterNotReady]] = {
    PrinterState.PAPER_OUT: PrinterPaperOut,
    PrinterState.COVER_OPEN: PrinterCoverOpen,
    PrinterState.OFFLINE: PrinterOffline,
    PrinterState.CUTTER_ERROR: PrinterCutterError,
}
# GS r 1 reply: bits 0+1 paper near end, bits 2+3 paper end.
_GS_R_NEAR_END, _GS_R_PAPER_END = 0x03, 0x0C


@dataclass(frozen=True)
class PrintResult:
    """What happened to a job that was accepted. `maintenance_alert` is for staff, not for the citizen."""

    bytes_sent: int
    status: PrinterStatus
    confirmed: bool
    paper_near_end: bool

    @property
    def maintenance_alert(self) -> str | None:
        if self.paper_near_end:
            return "打印纸即将用完，请及时更换纸卷 (paper near end: replace the roll)"
        return None


class TicketPrinter:
    """One printer: `status()`, `print_document(doc)`, `render(doc)`, `preview(doc)`, `close()`.

    Thread-safe: a status poll from the maintenance screen waits for a running job instead of mixing
    its queries into the job's bytes.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        profile: PrinterProfile,
        paper: Paper,
        status_timeout: float = 1.0,
        write_timeout: float = 5.0,
        confirm_timeout: float = 5.0,
    ) -> None:
        """`confirm_timeout` covers paper travel and cut after the bytes are sent (wire time is added)."""
        self.transport = transport
        self.profile = profile
        self.paper = paper
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout
        self.confirm_timeout = confirm_timeout
        self.simulator = None   # set by open_printer for sim:// printers
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TicketPrinter({self.transport.description}, profile={self.profile.name}, {self.paper.width_mm} mm)"

    # Documents -----------------------------------------------------------------------------------------
    def render(self, document: Printout) -> bytes:
        """The exact job bytes for this printer's profile and paper (no I/O)."""
        blocks = layout_document(document, self.paper, self.profile.qr_module_dots)
        return render_escpos(blocks, self.profile, self.paper)

    def preview(self, document: Printout) -> Image.Image:
        return render_blocks(layout_document(document, self.paper, self.profile.qr_module_dots), self.paper)

    def print_document(self, document: Printout) -> PrintResult:
        """Check status, print, confirm. Raises PrinterNotReady subclasses (nothing printed),
        PrinterWriteFailed or PrinterJobUnconfirmed (reprint)."""
        return self.print_bytes(self.render(document))

    # Status and jobs -----------------------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status()

    def _status(self) -> PrinterStatus:
        try:
            self.transport.discard_input()
            self.transport.write(cmd.STATUS_QUERIES, self.status_timeout)
            replies = self.transport.read(4, self.status_timeout)
        except PrinterOffline as e:
            return no_answer(str(e))
        except Exception as e:  # a write failure is the printer not answering too
            return no_answer(f"status query to {self.transport.description} failed: {e}")
        if not replies:
            return no_answer(
                f"{self.transport.description} did not answer the status query within "
                f"{self.status_timeout:.1f} s: {self.transport.what_to_check}"
            )
        return parse_status(replies, self.transport.what_to_check)

    def print_bytes(self, job: bytes) -> PrintResult:
        with self._lock:
            status = self._status()
            self._refuse_unless_ready(status, "print job refused")
            confirm = self.profile.confirm_job and self.transport.can_read
            payload = job + (cmd.PAPER_SENSOR_STATUS if confirm else b"")
            self.transport.write(payload, self.write_timeout + 2 * self.transport.wire_seconds(len(payload)))
            near_end = status.state is PrinterState.PAPER_NEAR_END
            if confirm:
                near_end = self._confirm(len(payload)) or near_end
            result = PrintResult(len(payload), status, confirm, near_end)
            log.info("printed %d bytes (%s)%s", len(payload), status.state.value,
                     "; paper near end" if near_end else "")
            return result

    def _refuse_unless_ready(self, status: PrinterStatus, what: str) -> None:
        if not status.can_print:
            log.warning("%s: %s", what, status.message)
            raise _REFUSALS[status.state](f"{what}: {status.message}", status)

    def _confirm(self, size: int) -> bool:
        """Wait for GS r 1's answer, which comes after everything before it was printed; True if near end."""
        timeout = self.confirm_timeout + self.transport.wire_seconds(size)
        reply = self.transport.read(1, timeout)
        if reply:
            if reply[0] & _GS_R_PAPER_END:
                raise PrinterPaperOut("paper ran out during the job: load a new roll and reprint")
            return bool(reply[0] & _GS_R_NEAR_END)
        # GS r is not answered while the printer is stopped: find out why, for the right error.
        after = self._status()
        self._refuse_unless_ready(after, "job may be incomplete, reprint it")
        raise PrinterJobUnconfirmed(
            f"{self.transport.description} did not confirm the job within {timeout:.1f} s: "
            "check the printout and reprint if it is missing"
        )

    def close(self) -> None:
        with self._lock:
            self.transport.close()
            if self.simulator is not None:
                self.simulator.close()
