"""`main.py --screenshot DIR`: every top-level screen, offscreen, in both orientations, both languages,
standard and elder mode, written as PNG files. The README's pictures and the rendering tests use it.
Besides the citizen's screens and journey steps: the dialogs (the idle countdown, help, the closing note),
the technician's PIN pad and maintenance screen, and the out-of-service screen for each reason.

The app is prepared but its event loop is stepped here frame by frame, so each picture is taken after
the layout has settled, deterministically, with no timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder

from screens.kiosk_app import KioskApp
from screens.window_setup import WINDOW_SIZES

__all__ = ["Shot", "all_shots", "screen_states", "stage", "take_screenshots", "settle", "LAYOUT_FRAMES"]

SETTLE_FRAMES = 3
RESIZE_SETTLE_FRAMES = 12   # the offscreen GL surface follows a resize a few frames late
# Undrawn frames that settle a staged state's layout (settle(LAYOUT_FRAMES, draw=False)). Measured over all
# 448 states: after one, every widget's place, size and text extent is what the drawn screenshots show;
# the second is a margin for anything layout schedules for the next frame.
LAYOUT_FRAMES = 2
OUT_OF_SERVICE_REASONS = ("broken", "suspended", "closed")
DIALOGS = ("idle_dialog", "help_dialog", "closing_dialog")


@dataclass(frozen=True)
class Shot:
    screen: str          # a screen name, or "idle-dialog" (the countdown over the home screen)
    orientation: str
    language: str
    elder_mode: bool
    step: str = ""       # a journey screen's step, from its screenshot_views()

    @property
    def filename(self) -> str:
        mode = "elder" if self.elder_mode else "standard"
        name = f"{self.screen}.{self.step}" if self.step else self.screen
        return f"{name}-{self.orientation}-{self.language}-{mode}.png"


def screen_states(app: KioskApp) -> list[tuple[str, str]]:
    """(screen, step) for every top-level screen and every step of every journey screen."""
    states = [("attract", ""), ("home", ""), ("home", "offline"), ("idle-dialog", ""), ("help-dialog", ""),
              ("closing-note", ""), ("pin-pad", ""), ("maintenance", "")]
    states += [("out_of_service", reason) for reason in OUT_OF_SERVICE_REASONS]
    for service in app.settings.services:
        screen = app.ensure_screen(service)
        views = screen.screenshot_views() if hasattr(screen, "screenshot_views") else [("", None)]
        states.extend((service, step) for step, _view in views)
    return states


def all_shots(app: KioskApp) -> list[Shot]:
    return [
        Shot(screen, orientation, language, elder, step)
        for orientation in WINDOW_SIZES
        for language in ("zh", "en")
        for elder in (False, True)
        for screen, step in screen_states(app)
    ]


def settle(frames: int = SETTLE_FRAMES, *, draw: bool = True) -> None:
    """Step the app `frames` frames. Without `draw` a frame is only what Kivy does before it draws (what
    is due on the next frame, then layout, text and canvas updates), with no drawing and no waiting:
    the clock stands still, so nothing timed (the top bar's clock, the idle countdown) runs meanwhile.
    Layout is the same either way; only a picture needs the drawn frames."""
    for _ in range(frames):
        if draw:
            EventLoop.idle()
        else:
            Clock.pre_idle()
            Clock.post_idle(Clock.get_time(), Clock.get_time())
            Builder.sync()      # the canvas rules' pending updates (colours, shapes), as EventLoop.idle does
            Clock.tick_draw()
            Builder.sync()


def stage(app: KioskApp, shot: Shot, *, draw: bool = True) -> None:
    """Put the app in the shot's orientation, language, mode, screen and step (no picture taken).
    `draw`: whether the frames it steps meanwhile are drawn (see settle)."""
    if tuple(Window.size) != WINDOW_SIZES[shot.orientation]:
        Window.size = WINDOW_SIZES[shot.orientation]
        settle(RESIZE_SETTLE_FRAMES)  # drawn: the window's size arrives through its own events
    if app.language != shot.language:
        app.visit.toggle_language()
    if app.elder_mode != shot.elder_mode:
        app.visit.toggle_elder_mode()
    _close_what_the_last_shot_opened(app)
    hall_state = "offline" if shot.step == "offline" else "online"
    if app.hall_state != hall_state:
        app.hall_state = hall_state
        settle(RESIZE_SETTLE_FRAMES, draw=draw)  # the banner takes room: the screen below it resizes later
    if shot.screen == "attract":
        app.show("attract")
    elif shot.screen == "idle-dialog":
        app.show("home")
        app.idle_dialog.seconds_left = app.settings.ui.countdown_s
        app.idle_dialog.open(animation=False)
    elif shot.screen == "help-dialog":
        app.show("home")
        app.help_dialog.open(animation=False)
    elif shot.screen == "closing-note":
        app.show("attract")
        app.closing_dialog.show({"card", "slip"})
    elif shot.screen == "pin-pad":
        from screens.widgets.pin_pad import PinPad

        app.show("attract")
        app.pin_pad = app.pin_pad or PinPad()
        app.pin_pad.open_for(app.desk)
        app.pin_pad.press("1"), app.pin_pad.press("2")
    elif shot.screen == "maintenance":
        from screens.demo_views import DEMO_DIAGNOSTICS

        app.maintenance_active = True     # shown as a technician sees it, without an audited visit
        app.show("maintenance")
        settle(1, draw=draw)
        app.screen_manager.get_screen("maintenance").show_lines(DEMO_DIAGNOSTICS)
    elif shot.screen == "out_of_service":
        from screens.demo_views import DEMO_NEXT_OPENING, DEMO_SUSPEND_NOTICE

        app.unavailable, app.suspended = shot.step, shot.step == "suspended"
        app.suspend_notice = DEMO_SUSPEND_NOTICE if shot.step == "suspended" else ""
        app.next_opening_text = DEMO_NEXT_OPENING[shot.language] if shot.step == "closed" else ""
        app.show("out_of_service")
    else:
        app.show(shot.screen)
        if shot.step and shot.screen != "home":
            screen = app.screen_manager.get_screen(shot.screen)
            settle(1, draw=draw)  # let the screen's own on_enter run first, then draw the staged step over it
            screen.show(dict(screen.screenshot_views())[shot.step])


def _close_what_the_last_shot_opened(app: KioskApp) -> None:
    for dialog in DIALOGS:
        getattr(app, dialog).dismiss(animation=False)
    if app.pin_pad is not None:
        app.pin_pad.dismiss(animation=False)
    app.maintenance_active = False
    if app.unavailable:
        app.unavailable, app.suspended, app.suspend_notice, app.next_opening_text = "", False, "", ""


def take_screenshots(app: KioskApp, out_dir: Path, only: list[str] = ("*",)) -> list[Path]:
    """Render each shot whose state name ("home", "ticket.done") matches a pattern in `only` to out_dir;
    returns the files written. The app must be prepared (built)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    shots = [shot for shot in all_shots(app)
             if any(fnmatch(shot.filename.rsplit("-", 3)[0], pattern.strip()) for pattern in only)]
    for shot in shots:
        stage(app, shot)
        settle()
        target = out_dir / shot.filename
        target.unlink(missing_ok=True)
        produced = Path(Window.screenshot(name=str(target)))  # Kivy inserts a counter: name0001.png
        produced.replace(target)
        written.append(target)
    _close_what_the_last_shot_opened(app)
    return written
