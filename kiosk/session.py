"""The citizen's session: who is at the kiosk now, in which language and mode, and when to give up.

A session starts with the first touch on the attract screen and ends when the citizen finishes, or walks
away: after `idle_timeout_s` without a touch the kiosk asks "是否继续办理?" and counts down; at zero the
session is wiped — every piece of personal data it holds, and the names the log filter was told to
redact — and the kiosk returns to the attract screen. Time is passed in, never read here, so the
behaviour is exact in tests. No Kivy: the app calls `IdleWatch.phase` from its clock.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Callable

from domain.privacy import sensitive_values

__all__ = ["IdlePhase", "IdleWatch", "Session"]


class IdlePhase(enum.Enum):
    ACTIVE = "active"
    WARNING = "warning"     # the "是否继续办理?" countdown is showing
    EXPIRED = "expired"     # the session must end now


class IdleWatch:
    """Inactivity timer: idle for `idle_timeout_s`, then a `countdown_s` warning, then expiry."""

    def __init__(self, idle_timeout_s: float, countdown_s: float, now: float) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.countdown_s = countdown_s
        self._last_activity = now

    def touch(self, now: float) -> None:
        """The citizen did something: start the idle time again."""
        self._last_activity = now

    def set_idle_timeout(self, idle_timeout_s: float, now: float) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._last_activity = now

    def phase(self, now: float) -> tuple[IdlePhase, int]:
        """The phase and, while warning, the whole seconds left on the countdown."""
        idle = now - self._last_activity
        if idle < self.idle_timeout_s:
            return IdlePhase.ACTIVE, 0
        left = self.idle_timeout_s + self.countdown_s - idle
        if left > 0:
            return IdlePhase.WARNING, math.ceil(left)
        return IdlePhase.EXPIRED, 0


class Session:
    """One citizen's visit. Holds personal data only until `wipe`."""

    def __init__(self, default_language: str, default_elder_mode: bool) -> None:
        self.default_language = default_language
        self.default_elder_mode = default_elder_mode
        self.language = default_language
        self.elder_mode = default_elder_mode
        self.active = False
        self._personal: dict[str, Any] = {}
        self._wipe_listeners: list[Callable[[], None]] = []

    def start(self) -> None:
        self.active = True

    def remember(self, key: str, value: Any) -> None:
        """Keep a piece of personal data (an identity, a phone number) for this session only. What it
        replaces (a second card placed in the same session) is wiped at once, not at the session's end."""
        previous = self._personal.get(key)
        if previous is not None and previous is not value and callable(getattr(previous, "wipe", None)):
            previous.wipe()
        self._personal[key] = value

    def recall(self, key: str, default: Any = None) -> Any:
        return self._personal.get(key, default)

    def holds_personal_data(self) -> bool:
        return bool(self._personal)

    def on_wipe(self, listener: Callable[[], None]) -> None:
        """Called at every wipe, so that screens can clear the widgets that showed personal data."""
        self._wipe_listeners.append(listener)

    def wipe(self) -> None:
        """End the session: wipe what it held, forget names for the log filter, reset language and mode."""
        for value in self._personal.values():
            wipe = getattr(value, "wipe", None)
            if callable(wipe):
                wipe()
        self._personal.clear()
        sensitive_values.forget_all()
        self.language = self.default_language
        self.elder_mode = self.default_elder_mode
        self.active = False
        for listener in self._wipe_listeners:
            listener()
