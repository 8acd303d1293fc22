"""The screen side of a journey: start it when the citizen arrives (or when a card arrives first), hand it
the reader's events, render each view it reports, and leave nothing behind when the citizen goes.

    class TicketScreen(JourneyScreen):
        def make_journey(self, app): return TicketJourney(..., on_change=self.show)
        def blank_view(self): return TicketView(TicketStep.LOADING)
        def render(self, view): ...   # fill lists that .kv cannot express
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.devices.events import CardEvent, CardPlaced, CardUnreadable

__all__ = ["JourneyScreen"]


class JourneyScreen(Screen):
    # The steps a citizen counts, numbered from 1 ("第2步 / 共4步"); a step not listed shows no number.
    STEP_NUMBERS: dict[str, int] = {}

    service = StringProperty("")
    step = StringProperty("")
    # rebind: .kv rules read attributes of the view (root.view.ticket.number).
    view = ObjectProperty(None, allownone=True, rebind=True)
    journey = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        blank = self.blank_view()
        # Set before the .kv rules are applied, which read the view.
        super().__init__(view=blank, step=blank.step.value, **kwargs)
        self.render(blank)

    # --- what each journey screen provides ------------------------------------------------------

    def make_journey(self, app):
        raise NotImplementedError

    def blank_view(self):
        raise NotImplementedError

    def render(self, view) -> None:
        """Called after every new view, for what .kv rules cannot express (dynamic lists). Not named
        on_view: Kivy calls on_<property> by itself on every change of `view`."""

    def step_position(self, step: str) -> tuple[int, int]:
        """(this step's number, how many there are), or (0, 0) where the journey does not count steps."""
        number = self.STEP_NUMBERS.get(step, 0)
        return (number, max(self.STEP_NUMBERS.values())) if number else (0, 0)

    def greeting(self, view, language: str) -> str:
        """"您好，张**" once a card identified the citizen (rare characters in the fallback font); else ""."""
        app = App.get_running_app()
        if not getattr(view, "masked_name", ""):
            return ""
        name = app.fonts.markup(view.masked_name) if app.fonts else view.masked_name
        return app.tr("one_card.greeting", language, name=name)

    # --- the shared behaviour -------------------------------------------------------------------

    def ensure_journey(self):
        # A card placed on the attract screen arrives before this screen's on_enter (screen changes
        # complete on the next frame), so whichever comes first starts the journey.
        if self.journey is None:
            self.journey = self.make_journey(App.get_running_app())
            self.journey.begin()
        return self.journey

    def on_enter(self, *_args) -> None:
        self.ensure_journey()

    def on_leave(self, *_args) -> None:
        if self.journey is not None:
            self.journey.cancel()
            self.journey = None
        self.show(self.blank_view())  # nothing of this citizen's stays on the screen

    def on_card_event(self, event: CardEvent) -> None:
        journey = self.ensure_journey()
        if isinstance(event, CardPlaced) and hasattr(journey, "card_read"):
            journey.card_read(event.identity)
        elif isinstance(event, CardUnreadable) and hasattr(journey, "card_failed"):
            journey.card_failed(event.error)
        elif isinstance(event, CardPlaced):
            event.identity.wipe()  # this journey does not use identities: keep none

    def show(self, view) -> None:
        self.view = view
        self.step = view.step.value
        app = App.get_running_app()
        if getattr(view, "printed", False) and app is not None and app.session.active:
            app.session.note_takeaway("slip")   # the visit's closing note will ask the citizen to take it
        self.render(view)
