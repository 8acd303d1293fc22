"""Typed printer errors: each says what a technician should do, and what the citizen should be told.

| Error                  | When                                                        | Job lost? |
|------------------------|-------------------------------------------------------------|-----------|
| PrinterConfigError     | the printer URL, paper width or profile in config is wrong | no job    |
| PrinterOffline         | no answer to the status query, or the printer says offline | refused   |
| PrinterPaperOut        | the paper sensor reports the end of the roll               | refused   |
| PrinterCoverOpen       | the cover is open                                          | refused   |
| PrinterCutterError     | the autocutter reports an error                            | refused   |
| PrinterWriteFailed     | the bytes could not be sent within their deadline          | reprint   |
| PrinterJobUnconfirmed  | the job was sent but the printer never said it was printed | reprint   |

A refused job printed nothing, so the app keeps the ticket on screen and offers to reprint. The same
PrinterNotReady errors also come after a job when the printer stopped during it (paper ran out, cover
opened): the message then says the job may be incomplete, and the remedy is the same reprint. Messages never
contain document text, so no personal data can reach a log through them.
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
    """Base of every printer error. `citizen_message` is the plain Chinese sentence for the screen."""

    citizen_message = "打印机暂时无法使用，请记下屏幕上的信息或联系工作人员。"


class PrinterConfigError(PrinterError, ValueError):
    """The printer settings in config are invalid; the message names the setting and the accepted values."""


class PrinterNotReady(PrinterError):
    """The status check before a job refused it: nothing was printed. `status` says why."""

    def __init__(self, message: str, status: "PrinterStatus | None" = None) -> None:
        super().__init__(message)
        self.status = status


class PrinterOffline(PrinterNotReady):
    citizen_message = "打印机未连接，请记下屏幕上的号码或联系工作人员。"


class PrinterPaperOut(PrinterNotReady):
    citizen_message = "打印机缺纸，请记下屏幕上的号码并联系工作人员。"


class PrinterCoverOpen(PrinterNotReady):
    citizen_message = "打印机盖未关好，请联系工作人员。"


class PrinterCutterError(PrinterNotReady):
    citizen_message = "打印机切纸故障，请联系工作人员。"


class PrinterWriteFailed(PrinterError):
    """Sending the job failed or timed out part-way; the printout may be incomplete, so reprint."""


class PrinterJobUnconfirmed(PrinterError):
    """The job was sent but the printer did not confirm printing it in time; check the printout, then reprint."""
