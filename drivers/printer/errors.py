"""Typed printer errors: each says what a technician should do, and what the citizen should be told.

| Error                  | code            | When                                                        | Job lost? |
|------------------------|-----------------|-------------------------------------------------------------|-----------|
| PrinterConfigError     | config_error    | the printer URL, paper width or profile in config is wrong | no job    |
| PrinterOffline         | offline         | no answer to the status query, or the printer says offline | refused   |
| PrinterPaperOut        | paper_out       | the paper sensor reports the end of the roll               | refused   |
| PrinterCoverOpen       | cover_open      | the cover is open                                          | refused   |
| PrinterCutterError     | cutter_error    | the autocutter reports an error                            | refused   |
| PrinterWriteFailed     | write_failed    | the bytes could not be sent within their deadline          | reprint   |
| PrinterJobUnconfirmed  | job_unconfirmed | the job was sent but the printer never said it was printed | reprint   |

A refused job printed nothing, so the app keeps the ticket on screen and offers to reprint. The same
PrinterNotReady errors also come after a job when the printer stopped during it (paper ran out, cover
opened): the message then says the job may be incomplete, and the remedy is the same reprint. Messages never
contain document text, so no personal data can reach a log through them. The kiosk shows the citizen its
own sentence for each `code`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.printer.status import PrinterStatus

__all__ = [
    "PrinterError",
    "PrinterConfigError",
    "PrinterNotReady",
    "PrinterOffline",
    "PrinterPaperOut",
    "PrinterCoverOpen",
    "PrinterCutterError",
    "PrinterWriteFailed",
    "PrinterJobUnconfirmed",
]


class PrinterError(Exception):
    """Base of every printer error. `code` is stable: the kiosk maps it to its own texts (kiosk/messages),
    so no citizen-facing sentence lives in the driver."""

    code = "printer_error"


class PrinterConfigError(PrinterError, ValueError):
    """The printer settings in config are invalid; the message names the setting and the accepted values."""

    code = "config_error"


class PrinterNotReady(PrinterError):
    """The status check before a job refused it: nothing was printed. `status` says why."""

    code = "not_ready"

    def __init__(self, message: str, status: "PrinterStatus | None" = None) -> None:
        super().__init__(message)
        self.status = status


class PrinterOffline(PrinterNotReady):
    code = "offline"


class PrinterPaperOut(PrinterNotReady):
    code = "paper_out"


class PrinterCoverOpen(PrinterNotReady):
    code = "cover_open"


class PrinterCutterError(PrinterNotReady):
    code = "cutter_error"


class PrinterWriteFailed(PrinterError):
    """Sending the job failed or timed out part-way; the printout may be incomplete, so reprint."""

    code = "write_failed"


class PrinterJobUnconfirmed(PrinterError):
    """The job was sent but the printer did not confirm printing it in time; check the printout, then reprint."""

    code = "job_unconfirmed"
