"""Mainland mobile numbers: the one rule the hall validates and the kiosk checks before sending."""

from __future__ import annotations

import re

__all__ = ["MOBILE_PATTERN", "is_mobile_number"]

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def is_mobile_number(text: str) -> bool:
    return bool(MOBILE_PATTERN.fullmatch(text))
