"""Printer status: the four real-time status bytes (DLE EOT 1-4) turned into one typed state.

The rule this module exists for: no answer is never "paper OK". python-escpos 3.1 reports paper present
when the printer is silent; here a missing or malformed byte is OFFLINE, and the job is refused, with the
advice the caller's transport gives (`Transport.what_to_check`): what to check depends on how it is connected.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["PrinterState", "PrinterStatus", "parse_status", "no_answer", "status_replies", "CHECK_THE_DEVICE"]


class PrinterState(enum.Enum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    CUTTER_ERROR = "cutter_error"


# The advice when nothing more is known about how the printer is connected.
CHECK_THE_DEVICE = "check that the device is an ESC/POS printer, that it is on, and how it is connected"

# DLE EOT replies always have bits 1 and 4 set and bits 0 and 7 clear (base value 0x12).
_FIXED_MASK, _FIXED_VALUE = 0x93, 0x12
# DLE EOT 1 (printer): bit 3 offline.
_OFFLINE = 0x08
# DLE EOT 2 (offline cause): bit 2 cover open, bit 5 stopped by paper end.
_COVER_OPEN, _STOPPED_BY_PAPER_END = 0x04, 0x20
# DLE EOT 3 (error cause): bit 3 autocutter error.
_CUTTER_ERROR = 0x08
# DLE EOT 4 (roll paper sensor): bits 2+3 near end, bits 5+6 paper end.
_NEAR_END, _PAPER_END = 0x0C, 0x60

_MESSAGES = {
    PrinterState.READY: "printer ready",
    PrinterState.PAPER_NEAR_END: "paper roll nearly used up: replace it soon",
    PrinterState.PAPER_OUT: "paper roll is empty: load a new roll and close the cover",
    PrinterState.COVER_OPEN: "printer cover is open: close it firmly",
    PrinterState.OFFLINE: "printer reports offline: check the panel light, then power-cycle it",
    PrinterState.CUTTER_ERROR: "autocutter error: clear the paper jam at the cutter, then power-cycle the printer",
}


@dataclass(frozen=True)
class PrinterStatus:
    """One status reading. `message` is for the technician and the maintenance screen."""

    state: PrinterState
    message: str
    replies: bytes = b""

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.READY, PrinterState.PAPER_NEAR_END)

    @property
    def needs_maintenance(self) -> bool:
        return self.state is not PrinterState.READY


def no_answer(reason: str, replies: bytes = b"") -> PrinterStatus:
    """The status for a printer that did not answer (or answered garbage): always OFFLINE."""
    return PrinterStatus(PrinterState.OFFLINE, reason, replies)


def parse_status(replies: bytes, what_to_check: str = CHECK_THE_DEVICE) -> PrinterStatus:
    """The state from the answers to DLE EOT 1, 2, 3 and 4, in that order; `what_to_check` ends the message
    when they are missing or are no status bytes."""
    if len(replies) < 4:
        return no_answer(f"printer answered {len(replies)} of 4 status queries: {what_to_check}", replies)
    printer, offline_cause, error_cause, paper = replies[:4]
    if any(b & _FIXED_MASK != _FIXED_VALUE for b in replies[:4]):
        return no_answer(
            f"status replies {replies[:4].hex(' ')} are not ESC/POS status bytes: {what_to_check}", replies
        )
    if offline_cause & _COVER_OPEN:
        state = PrinterState.COVER_OPEN
    elif paper & _PAPER_END or offline_cause & _STOPPED_BY_PAPER_END:
        state = PrinterState.PAPER_OUT
    elif error_cause & _CUTTER_ERROR:
        state = PrinterState.CUTTER_ERROR
    elif printer & _OFFLINE:
        state = PrinterState.OFFLINE
    elif paper & _NEAR_END:
        state = PrinterState.PAPER_NEAR_END
    else:
        state = PrinterState.READY
    return PrinterStatus(state, _MESSAGES[state], replies[:4])


def status_replies(state: PrinterState) -> bytes:
    """What a printer in `state` answers to DLE EOT 1-4 (the simulator's table, and the inverse of the above)."""
    return _REPLIES[state]


_REPLIES = {
    PrinterState.READY: bytes((0x12, 0x12, 0x12, 0x12)),
    PrinterState.PAPER_NEAR_END: bytes((0x12, 0x12, 0x12, 0x1E)),
    PrinterState.PAPER_OUT: bytes((0x1A, 0x32, 0x12, 0x7E)),
    PrinterState.COVER_OPEN: bytes((0x1A, 0x16, 0x12, 0x12)),
    PrinterState.OFFLINE: bytes((0x1A, 0x12, 0x12, 0x12)),
    PrinterState.CUTTER_ERROR: bytes((0x1A, 0x52, 0x1A, 0x12)),
}
