"""The citizen's session: who is at the kiosk now, in which language and mode, and when to give up.

A session starts with the first touch on the attract screen and ends when the citizen finishes, or walks
away: after `idle_timeout_s` without a touch the kiosk asks "是否继续办理?" and counts down; at zero the
session is wiped — every piece of personal data it holds, and the names the log filter was told to
redact — and the kiosk returns to the attract screen. Time is passed in, never read here, so the
behaviour is exact in tests. No Kivy: `Visit` runs the session against the app's screens (a Protocol),
and the app calls `Visit.tick` from its clock.

    visit = Visit(Session("zh", False), settings.ui, settings.services, screens, time.monotonic)
    visit.start()                                  # the home screen
    visit.finish_journey(ticket_id="t1")           # on to 好差评 for what was just served, or the end
    visit.tick()                                   # the countdown when idle; the end when it runs out
"""

from __future__ import annotations

import enum
import math
from typing import Any, Callable, Protocol, Sequence

from domain.privacy import sensitive_values
from kiosk.config import UiSettings

__all__ = ["IdlePhase", "IdleWatch", "Session", "Visit", "VisitScreens"]


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
        self.takeaways: set[str] = set()   # "card" placed, "slip" printed: what the closing note asks back

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

    def note_takeaway(self, kind: str) -> None:
        """A card was placed ("card") or a slip printed ("slip"): the visit ends by asking the citizen to take it."""
        self.takeaways.add(kind)

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
        self.takeaways = set()
        sensitive_values.forget_all()
        self.language = self.default_language
        self.elder_mode = self.default_elder_mode
        self.active = False
        for listener in self._wipe_listeners:
            listener()


class VisitScreens(Protocol):
    """What a visit needs of the screens."""

    maintenance_active: bool
    unavailable: str             # "" while the kiosk serves; else the out-of-service screen is the resting one

    def show(self, screen_name: str) -> None: ...

    def show_mode(self, language: str, elder_mode: bool) -> None: ...   # every screen in this language and mode

    def countdown(self, seconds_left: int | None) -> bool: ...   # "是否继续办理?" (None: close); True if it opened

    def speak(self, key: str) -> None: ...

    def closing_note(self, takeaways: set[str]) -> None: ...   # "请取回您的身份证/请取走您的凭条", shown and said


class Visit:
    """One citizen's visit as the kiosk runs it: it begins with a touch or a card, follows the citizen from a
    finished journey to 好差评, counts down when they stop touching, and ends — wiping everything personal and
    returning to the resting screen — when they are done or gone."""

    def __init__(self, session: Session, ui: UiSettings, services: Sequence[str], screens: VisitScreens,
                 monotonic: Callable[[], float]) -> None:
        self.session = session
        self.ui = ui
        self.services = services
        self._screens = screens
        self._monotonic = monotonic
        self.pending_review: dict[str, str] | None = None   # what 好差评 rates next: a ticket, or a case and its code
        self.idle_watch = IdleWatch(self._idle_timeout(), ui.countdown_s, monotonic())

    def _idle_timeout(self) -> int:
        return self.ui.elder_idle_timeout_s if self.session.elder_mode else self.ui.idle_timeout_s

    def resting_screen(self) -> str:
        return "out_of_service" if self._screens.unavailable else "attract"

    def start(self) -> None:
        self.session.start()
        self.idle_watch.touch(self._monotonic())
        self._screens.show("home")

    def finish_journey(self, *, ticket_id: str | None = None, case_number: str | None = None,
                       query_code: str | None = None) -> None:
        """A journey is complete: move on to 好差评 for what was just served (the standard practice),
        or end the visit when there is nothing to rate or the site does not offer reviews. A case is rated
        with its receipt's query code, the proof that it is the citizen's (hall_server.case_proof)."""
        if case_number and not query_code:
            raise ValueError("a case goes on to 好差评 with its query code")
        rated = ({"ticket_id": ticket_id} if ticket_id
                 else {"case_number": case_number, "query_code": query_code or ""} if case_number else None)
        if rated is not None and "review" in self.services:
            self.pending_review = rated
            self._screens.show("review")
        else:
            self.end()

    def go_home(self) -> None:
        self._screens.show("home" if self.session.active else self.resting_screen())

    def end(self) -> None:
        """The citizen is done or gone: ask for the card and the slip back, wipe everything personal and return
        to the resting screen."""
        self._screens.countdown(None)
        takeaways = set(self.session.takeaways)
        self.session.wipe()
        self.pending_review = None
        self._set_mode(self.session.language, self.session.elder_mode)
        if not self._screens.maintenance_active:
            self._screens.show(self.resting_screen())
            if takeaways:
                self._screens.closing_note(takeaways)

    def toggle_language(self) -> None:
        self._set_mode("en" if self.session.language == "zh" else "zh", self.session.elder_mode)

    def toggle_elder_mode(self) -> None:
        self._set_mode(self.session.language, not self.session.elder_mode)

    def _set_mode(self, language: str, elder_mode: bool) -> None:
        self.session.language, self.session.elder_mode = language, elder_mode
        self._screens.show_mode(language, elder_mode)
        self.idle_watch.set_idle_timeout(self._idle_timeout(), self._monotonic())   # elder mode waits longer

    def settings_changed(self, ui: UiSettings, services: Sequence[str]) -> None:
        self.ui, self.services = ui, services
        self.idle_watch.idle_timeout_s, self.idle_watch.countdown_s = self._idle_timeout(), ui.countdown_s

    def touched(self) -> None:
        """The citizen touched something: the idle time starts again (an open countdown closes at the next
        tick, so a touch on its own buttons still reaches them)."""
        self.idle_watch.touch(self._monotonic())

    def keep_going(self) -> None:
        """继续办理 on the countdown: still here, and the countdown closes now."""
        self.touched()
        self._screens.countdown(None)

    def tick(self) -> None:
        """From the clock: open, update or close the countdown; end the visit when it has run out."""
        if not self.session.active:
            return
        phase, seconds_left = self.idle_watch.phase(self._monotonic())
        if phase is IdlePhase.EXPIRED:
            self.end()
        elif self._screens.countdown(seconds_left if phase is IdlePhase.WARNING else None):
            self._screens.speak("idle.question")
