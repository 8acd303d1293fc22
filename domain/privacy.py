"""Masking of personal data for display, logs, exceptions and printouts.

Identity numbers, names, phone numbers and addresses must never leave the kiosk's memory unmasked:
screens show `masked_*` forms, the logging filter (kiosk.maintenance.logs) runs `redact` over every record,
and exception texts are built from masked values only.

    >>> mask_id_number("610102199001011234")
    '6101**********1234'
    >>> mask_name("张三")
    '张*'
    >>> mask_pass_number("H87654321")
    'H*******1'
"""

from __future__ import annotations

import re
import threading

__all__ = [
    "mask_id_number",
    "mask_pass_number",
    "mask_name",
    "mask_phone",
    "mask_address",
    "redact",
    "SensitiveValues",
    "sensitive_values",
]

MASK = "*"


def mask_id_number(number: str) -> str:
    """Keep the first four (region) and last four characters: 6101**********1234."""
    number = number.strip()
    if len(number) <= 8:
        return MASK * len(number)
    return number[:4] + MASK * (len(number) - 8) + number[-4:]


def mask_pass_number(number: str) -> str:
    """Keep only the first and last characters of a permit (通行证) number: H87654321 → H*******1.

    Nine or eleven characters are too few for the ID number's 4+4: that would show most of it. A number
    of four characters or fewer is masked whole.
    """
    number = number.strip()
    if len(number) <= 4:
        return MASK * len(number)
    return number[0] + MASK * (len(number) - 2) + number[-1]


def mask_name(name: str) -> str:
    """Keep the first character, mask every other letter but keep spaces: 张三丰 → 张**."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "".join(ch if ch.isspace() else MASK for ch in name[1:])


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number: 138****5678."""
    phone = phone.strip()
    if len(phone) <= 7:
        return MASK * len(phone)
    return phone[:3] + MASK * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    """Keep only the first six characters (province and city), mask the rest."""
    address = address.strip()
    return address[:6] + MASK * max(0, min(len(address) - 6, 8))


# 18-character (GB 11643) and old 15-digit identity numbers, and mainland mobile numbers, not glued
# to longer digit runs. The 18-character form also matches foreign permanent residence numbers.
_ID18 = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{14}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class SensitiveValues:
    """Names and addresses of the current session, so that `redact` can find them in free text.

    Numbers have shapes a regular expression can find; names do not. The session registers the
    citizen's name and address when a card is read and forgets them when the session is wiped.
    """

    def __init__(self) -> None:
        # Reentrant: a log line can be written from inside this lock when the garbage collector runs a
        # finaliser that logs (python-escpos closes its device in __del__), and must not deadlock the kiosk.
        self._lock = threading.RLock()
        self._values: dict[str, str] = {}

    def register(self, value: str, masked: str) -> None:
        value = value.strip()
        if len(value) >= 2:
            with self._lock:
                self._values[value] = masked

    def forget_all(self) -> None:
        with self._lock:
            self._values.clear()

    def replacements(self) -> list[tuple[str, str]]:
        with self._lock:
            # Longest first, so an address is replaced before a name inside it.
            return sorted(self._values.items(), key=lambda item: -len(item[0]))


sensitive_values = SensitiveValues()


def redact(text: str, registry: SensitiveValues = sensitive_values) -> str:
    """Mask every identity number, mobile number and registered name or address in free text."""
    for value, masked in registry.replacements():
        text = text.replace(value, masked)
    text = _ID18.sub(lambda m: mask_id_number(m.group()), text)
    text = _ID15.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group()), text)
    return text
