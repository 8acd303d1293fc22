"""The optional phone step that ends a review (a number for the call-back) and a complaint (for the reply).

One copy for both journeys: a number that is not a mainland mobile number is refused, kept on the keypad
for correcting, and nothing is saved; a good one lives in the session (wiped at its end) and only its
masked form reaches the view; skipping submits without one.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Any

from domain.phone import is_mobile_number
from domain.privacy import mask_phone

__all__ = ["PhoneStep"]


class PhoneStep:
    """Mixed into a journey whose views have `step`, `problem` and `masked_phone`, and which submits with
    `_submit(view, phone)`. The journey names its step, its "not a mobile number" text and its session key."""

    PHONE_STEP: enum.Enum
    PHONE_INVALID: str
    PHONE_SESSION_KEY: str

    view: Any
    _session: Any
    _show: Any      # Journey._show
    _submit: Any    # the journey's own: (view, phone or None)

    def give_phone(self, phone: str) -> None:
        if self.view.step is not self.PHONE_STEP:
            return
        phone = phone.strip()
        if not is_mobile_number(phone):
            self._show(replace(self.view, problem=self.PHONE_INVALID))
            return
        self._session.remember(self.PHONE_SESSION_KEY, phone)
        self._submit(replace(self.view, masked_phone=mask_phone(phone)), phone)

    def skip_phone(self) -> None:
        if self.view.step is self.PHONE_STEP:
            self._submit(replace(self.view, masked_phone=""), None)
