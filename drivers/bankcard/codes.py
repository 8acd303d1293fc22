"""Response codes of UnionPay (CUPS) card transactions: ISO 8583 field 39 as Chinese acquirers use it.

One table, with the kiosk's reading of each: approved, declined by the card holder's bank (the citizen may
try another card), or a fault of the terminal or the network (nothing was taken; a technician may look).
Codes not in the table read as declined.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["ResponseKind", "RESPONSE_CODES", "APPROVED", "NOT_FOUND", "kind_of"]

APPROVED = "00"
NOT_FOUND = "25"


class ResponseKind(Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    FAULT = "fault"


# code: (kind, meaning)
RESPONSE_CODES: dict[str, tuple[ResponseKind, str]] = {
    "00": (ResponseKind.APPROVED, "approved"),
    "01": (ResponseKind.DECLINED, "refer to card issuer"),
    "03": (ResponseKind.FAULT, "invalid merchant"),
    "04": (ResponseKind.DECLINED, "pick up card"),
    "05": (ResponseKind.DECLINED, "do not honour"),
    "12": (ResponseKind.FAULT, "invalid transaction"),
    "13": (ResponseKind.FAULT, "invalid amount"),
    "14": (ResponseKind.DECLINED, "invalid card number"),
    "25": (ResponseKind.FAULT, "unable to locate the original transaction"),
    "30": (ResponseKind.FAULT, "format error"),
    "41": (ResponseKind.DECLINED, "lost card"),
    "43": (ResponseKind.DECLINED, "stolen card"),
    "51": (ResponseKind.DECLINED, "insufficient funds"),
    "54": (ResponseKind.DECLINED, "expired card"),
    "55": (ResponseKind.DECLINED, "incorrect PIN"),
    "61": (ResponseKind.DECLINED, "exceeds withdrawal amount limit"),
    "75": (ResponseKind.DECLINED, "allowable number of PIN tries exceeded"),
    "94": (ResponseKind.FAULT, "duplicate transmission"),
    "96": (ResponseKind.FAULT, "system malfunction"),
    "98": (ResponseKind.FAULT, "no answer from the issuer (timeout)"),
    "A0": (ResponseKind.FAULT, "MAC check failed"),
}


def kind_of(code: str) -> ResponseKind:
    return RESPONSE_CODES.get(code, (ResponseKind.DECLINED, ""))[0]
