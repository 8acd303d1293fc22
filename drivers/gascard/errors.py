"""Typed errors of the gas-card driver, each with a stable `code` that the kiosk maps to its own texts.

Messages are for the technician reading a log or the CLI; they never hold a full card, user or meter
number (masked at most). The citizen's sentence for each code lives in the kiosk's message catalogue.

    code                      class                    what happened
    gascard_error             GasCardError             base of all
    reader_unavailable        ReaderUnavailable        no PC/SC service, no reader matching the site's setting,
                                                       or the reader went away (unplugged)
    no_card                   NoCard                   nothing in the reader
    card_removed              CardRemoved              the card left the reader during an operation;
                                                       `during_write` tells whether a write may be half done
    unknown_card              UnknownCard              an ATR or contents that no layout knows (`atr`)
    card_command_failed       CardCommandFailed        the reader refused a command (`sw`, the status word)
    psc_locked                PscLocked                the SLE4442 PSC counter is 0: the card is locked for good
    psc_last_attempt          PscLastAttempt           one PSC try left: the driver refuses to spend it
    wrong_psc                 WrongPsc                 the card rejected the PSC (`tries_left` after it)
    needs_rewrite             CardNeedsRewrite         an interrupted write: gas areas disagree or one is torn
                                                       (`reason`, `records`: the consistent copies still there)
    card_corrupt              CardCorrupt              no consistent copy of the gas area at all
    not_user_card             NotAUserCard             a check or tool card cannot buy gas
    card_holds_gas            CardHoldsGas             the card still holds the last purchase's gas
    awaiting_meter            CardAwaitingMeter        the last purchase has not been inserted in the meter
    purchase_count_mismatch   PurchaseCountMismatch    the purchase is not the card's next one
    write_not_verified        WriteNotVerified         reading back does not show the purchase just written
    vendor_library_error      VendorLibraryError       the meter maker's library failed or cannot be loaded
    vendor_timeout            VendorLibraryHung        the library did not answer in time; its process was killed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.gas_card import GasCard, GasPurchase

__all__ = [
    "GasCardError",
    "ReaderUnavailable",
    "NoCard",
    "CardRemoved",
    "UnknownCard",
    "CardCommandFailed",
    "PscLocked",
    "PscLastAttempt",
    "WrongPsc",
    "CardNeedsRewrite",
    "CardCorrupt",
    "PurchaseRefused",
    "NotAUserCard",
    "CardHoldsGas",
    "CardAwaitingMeter",
    "PurchaseCountMismatch",
    "WriteNotVerified",
    "VendorLibraryError",
    "VendorLibraryHung",
    "ERROR_CODES",
]


class GasCardError(Exception):
    """Base of every error the gas-card driver raises."""

    code = "gascard_error"


class ReaderUnavailable(GasCardError):
    code = "reader_unavailable"


class NoCard(GasCardError):
    code = "no_card"


class CardRemoved(GasCardError):
    """The card left the reader. After a write began, the gas area may be half written: read it again."""

    code = "card_removed"

    def __init__(self, message: str, *, during_write: bool = False) -> None:
        super().__init__(message)
        self.during_write = during_write


class UnknownCard(GasCardError):
    code = "unknown_card"

    def __init__(self, message: str, *, atr: bytes = b"") -> None:
        super().__init__(message)
        self.atr = atr


class CardCommandFailed(GasCardError):
    code = "card_command_failed"

    def __init__(self, message: str, *, sw: int = 0) -> None:
        super().__init__(message)
        self.sw = sw


class PscLocked(GasCardError):
    code = "psc_locked"


class PscLastAttempt(GasCardError):
    code = "psc_last_attempt"


class WrongPsc(GasCardError):
    code = "wrong_psc"

    def __init__(self, message: str, *, tries_left: int) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class CardNeedsRewrite(GasCardError):
    """A write was interrupted. `records` are the consistent purchases still found on the card, oldest
    first: writing the interrupted purchase again (`GasCardReader.write`) completes the card. `card` is the
    card's identity with its newest consistent record, so that a terminal can find the purchase to write
    again (补写卡); it is not what the card holds (masked in its repr, like every GasCard)."""

    code = "needs_rewrite"

    def __init__(self, message: str, *, reason: str, records: tuple["GasPurchase", ...] = (),
                 card: "GasCard | None" = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.records = records
        self.card = card


class CardCorrupt(GasCardError):
    code = "card_corrupt"


class PurchaseRefused(GasCardError):
    """The card cannot take this purchase now; nothing was written."""


class NotAUserCard(PurchaseRefused):
    code = "not_user_card"


class CardHoldsGas(PurchaseRefused):
    code = "card_holds_gas"


class CardAwaitingMeter(PurchaseRefused):
    code = "awaiting_meter"


class PurchaseCountMismatch(PurchaseRefused):
    code = "purchase_count_mismatch"


class WriteNotVerified(GasCardError):
    code = "write_not_verified"


class VendorLibraryError(GasCardError):
    code = "vendor_library_error"


class VendorLibraryHung(VendorLibraryError):
    code = "vendor_timeout"


def _all_codes() -> dict[str, type[GasCardError]]:
    classes = [GasCardError]
    codes: dict[str, type[GasCardError]] = {}
    while classes:
        cls = classes.pop()
        if "code" in cls.__dict__:
            codes[cls.code] = cls
        classes.extend(cls.__subclasses__())
    return codes


# Every stable code and its class (the kiosk's message catalogue must cover them all).
ERROR_CODES: dict[str, type[GasCardError]] = _all_codes()
