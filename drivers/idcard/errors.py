"""Typed errors of the ID card reader, one class per thing a technician can act on.

Every SW3 status byte of the SAM module (GA/T 467) maps to one class through `STATUS_ERRORS`; the
driver's own failures (no port, no reply, a corrupt frame, an unreadable text block) have their own.
Messages never contain what was read from a card: at most a masked number. Each class has a stable `code`
(its name in snake case: `card_not_found`, `sam_fault`, ...), which the kiosk turns into its own words.

    IdCardError
    ├── ReaderUnavailable          the port cannot be opened or the reader went away (unplugged)
    ├── ReaderTimeout              no complete reply before the deadline
    │   └── TruncatedFrame         a reply started but stopped short
    ├── FrameError                 a reply that cannot be trusted
    │   └── ChecksumMismatch       XOR check byte wrong
    ├── ModuleStatus               the module answered with an error status (attribute `sw3`)
    │   ├── HostFrameRejected      0x10 checksum / 0x11 length of our frame (wiring, baud, noise)
    │   ├── CommandRejected        0x21 unknown command or value; 0x23 not permitted; 0x24 unrecognised
    │   ├── CardFault              0x31 0x32 0x33 0x40 0x41 0x47 0x80 0x81: the card, not the reader
    │   │   ├── CardNotFound       0x80
    │   │   └── CardSelectFailed   0x81
    │   ├── SamFault               0x60 self-test failed, 0x66 not authorised: the reader needs service
    │   └── UnexpectedStatus       a status byte not in the standard, or the wrong success code
    ├── CardDataError              the text block does not follow any known layout
    │   └── InvalidIdNumber        the number fails its check digit (attribute `identity`)
    └── LibraryUnavailable         the vendor SDK library cannot be loaded
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.identity import IdentityCard

__all__ = [
    "IdCardError",
    "ReaderUnavailable",
    "ReaderTimeout",
    "TruncatedFrame",
    "FrameError",
    "ChecksumMismatch",
    "ModuleStatus",
    "HostFrameRejected",
    "CommandRejected",
    "CardFault",
    "CardNotFound",
    "CardSelectFailed",
    "SamFault",
    "UnexpectedStatus",
    "CardDataError",
    "InvalidIdNumber",
    "LibraryUnavailable",
    "STATUS_MEANINGS",
    "status_error",
]


class IdCardError(Exception):
    """Base of every error the ID card driver raises. `code` is stable: the kiosk maps it to its own texts
    (kiosk/messages), so no citizen-facing sentence lives in the driver."""
    code = "idcard_error"



class ReaderUnavailable(IdCardError):
    code = "reader_unavailable"


class ReaderTimeout(IdCardError):
    code = "reader_timeout"


class TruncatedFrame(ReaderTimeout):
    code = "truncated_frame"


class FrameError(IdCardError):
    code = "frame_error"


class ChecksumMismatch(FrameError):
    code = "checksum_mismatch"


class ModuleStatus(IdCardError):
    """The SAM module replied with status byte `sw3` (GA/T 467 table of SW3 codes)."""
    code = "module_status"

    def __init__(self, sw3: int, command: str = "") -> None:
        self.sw3 = sw3
        self.command = command
        meaning = STATUS_MEANINGS.get(sw3, "status not defined by GA/T 467")
        where = f" to {command}" if command else ""
        super().__init__(f"SAM module replied SW3=0x{sw3:02X}{where}: {meaning}")


class HostFrameRejected(ModuleStatus):
    code = "host_frame_rejected"


class CommandRejected(ModuleStatus):
    code = "command_rejected"


class CardFault(ModuleStatus):
    code = "card_fault"


class CardNotFound(CardFault):
    code = "card_not_found"


class CardSelectFailed(CardFault):
    code = "card_select_failed"


class SamFault(ModuleStatus):
    code = "sam_fault"


class UnexpectedStatus(ModuleStatus):
    code = "unexpected_status"


class CardDataError(IdCardError):
    code = "card_data_error"


class InvalidIdNumber(CardDataError):
    """The card's number fails its check (GB 11643 check digit). The parsed card is kept in `identity`."""
    code = "invalid_id_number"

    def __init__(self, message: str, identity: IdentityCard) -> None:
        super().__init__(message)
        self.identity = identity


class LibraryUnavailable(ReaderUnavailable):
    code = "library_unavailable"


# GA/T 467 SW3 codes, meanings written for the technician reading a log.
STATUS_MEANINGS: dict[int, str] = {
    0x90: "operation succeeded",
    0x9F: "card found",
    0x91: "the requested item is empty on this card",
    0x10: "the module received a frame with a wrong checksum (check wiring, baud rate, interference)",
    0x11: "the module received a frame with a wrong length (check wiring, baud rate, interference)",
    0x21: "the module does not accept this command or value (check the reader model and firmware)",
    0x23: "operation not permitted (越权操作)",
    0x24: "unrecognised error inside the module; reset the SAM and retry",
    0x31: "the card failed to authenticate the SAM; remove and replace the card",
    0x32: "the SAM failed to authenticate the card; the card may be damaged or not genuine",
    0x33: "information verification failed; remove and replace the card",
    0x40: "card type not recognised; not a second-generation ID card or permit",
    0x41: "reading the card failed; the card moved or left the field, remove and replace it",
    0x47: "getting a random number from the card failed; remove and replace the card",
    0x60: "SAM self-test failed, the module accepts no command; power-cycle the reader, else it needs service",
    0x66: "the SAM is not authorised and cannot be used; the reader needs its SAM authorised by the vendor",
    0x80: "no card found (no card, or a card already read that was not removed and replaced)",
    0x81: "selecting the card failed; remove and replace the card",
}

_STATUS_CLASSES: dict[int, type[ModuleStatus]] = {
    0x10: HostFrameRejected,
    0x11: HostFrameRejected,
    0x21: CommandRejected,
    0x23: CommandRejected,
    0x24: CommandRejected,
    0x31: CardFault,
    0x32: CardFault,
    0x33: CardFault,
    0x40: CardFault,
    0x41: CardFault,
    0x47: CardFault,
    0x60: SamFault,
    0x66: SamFault,
    0x80: CardNotFound,
    0x81: CardSelectFailed,
}


def status_error(sw3: int, command: str = "") -> ModuleStatus:
    """The typed error for a status byte that is not the success the command expected."""
    return _STATUS_CLASSES.get(sw3, UnexpectedStatus)(sw3, command)
