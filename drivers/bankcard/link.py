"""The link to a UnionPay terminal module (MIS-POS): the few UMS-style operations a card payment needs.

`MisPosLink` is the small interface both backends implement: the vendor library in a child process
(vendor.py) and the simulator (simulator.py). The payment logic above it (terminal.py) is shared.

The operations follow the 银联商务 self-service library named in the reference (`UMS_Init` → `UMS_EnterCard`
→ `UMS_CheckCard` (poll) → `UMS_ReadCard` → PIN on the module's pad → `UMS_TransCard` → `UMS_EjectCard`).
Transactions travel as `key=value|key=value` texts, the form the module's request and answer take:

    request   trans=sale|order=GT20261123000042|amount=10000           sale, void, refund or query
    answer    code=00|state=approved|order=…|amount=10000|pan=622202******0123|rrn=…|auth=…|trace=…

`state` in an answer is the order's state at the terminal after the call: approved, declined, voided,
refunded, or none (code 25: no such order). The PIN never crosses this link: the module reads it on its own
encrypting pad and says only how many digits were typed and whether entry is done.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum

__all__ = ["MisPosLink", "SlotState", "PinState", "encode_fields", "decode_fields"]


class SlotState(Enum):
    """UMS_CheckCard: what is in the card slot."""

    EMPTY = 0
    CARD_IN = 1
    CARD_TAKEN = 2      # a card was in and has been pulled out


class PinState(Enum):
    """UMS_GetPinState: how PIN entry on the module's pad stands."""

    ENTERING = 0
    DONE = 1
    CANCELLED = 2       # the cancel key on the pad
    TIMED_OUT = 3       # the pad's own timeout
    CARD_TAKEN = 4      # the card was pulled out during entry


def encode_fields(fields: dict[str, str]) -> str:
    for key, value in fields.items():
        if "|" in key + str(value) or "=" in key:
            raise ValueError(f"a transaction field may not contain '|' or '=' ({key})")
    return "|".join(f"{key}={value}" for key, value in fields.items())


def decode_fields(text: str) -> dict[str, str]:
    fields = {}
    for part in text.split("|"):
        if part:
            key, _, value = part.partition("=")
            fields[key.strip()] = value.strip()
    return fields


class MisPosLink(ABC):
    """One terminal module. Every call may raise the driver's errors (errors.py)."""

    description = "MIS-POS"

    @abstractmethod
    def open(self) -> None:
        """UMS_Init: open the terminal (again, after its process was restarted)."""

    @abstractmethod
    def close(self) -> None:
        """UMS_Close, and end whatever runs the library."""

    @abstractmethod
    def enter_card(self) -> None:
        """UMS_EnterCard: open the slot for a card."""

    @abstractmethod
    def check_card(self) -> SlotState:
        """UMS_CheckCard: poll the slot."""

    @abstractmethod
    def read_card(self) -> str:
        """UMS_ReadCard: the card number as the module gives it (the driver masks it at once)."""

    @abstractmethod
    def start_pin(self, amount_fen: int) -> None:
        """UMS_StartPin: the pad shows the amount and takes the PIN."""

    @abstractmethod
    def pin_state(self) -> tuple[PinState, int]:
        """UMS_GetPinState: the state and how many digits were typed."""

    @abstractmethod
    def transact(self, request: dict[str, str]) -> dict[str, str]:
        """UMS_TransCard: one transaction; may take as long as the bank's authorisation."""

    @abstractmethod
    def eject(self) -> None:
        """UMS_EjectCard: give the card back (and close the slot)."""

    @property
    def restarts(self) -> int:
        """How many times the library's process was started (the simulator has none)."""
        return 0
