"""The Kivy application: the screen manager, app-wide state, kiosk lockdown and the inactivity watch.

App-wide state lives in Kivy properties that every .kv file reads (`app.language`, `app.theme`,
`app.landscape`), so a toggle re-renders every screen at once. Texts come from the catalogue through
`app.tr(key, app.language)`: naming `app.language` in the .kv expression makes the label follow it.

    app = KioskApp(settings, Catalogue.load(), fonts)
    app.run()
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.background import BackgroundWorker
from kiosk.config import Secrets, Settings
from kiosk.devices import DeviceHub
from kiosk.fonts import FontSet
from kiosk.i18n import Catalogue, format_date
from kiosk.session import IdlePhase, IdleWatch, Session
from kiosk.speech import Speaker
from kiosk.theme import STANDARD, theme_for
from screens.attract import AttractScreen
from screens.home import HomeScreen
from screens.kv import load_kv_beside
from screens.service import ServiceScreen
from screens.journeys import JOURNEY_SCREENS
from screens.widgets.idle_dialog import IdleDialog

__all__ = ["KioskApp"]

log = logging.getLogger(__name__)

ESCAPE_KEYS = {27, 1001}   # Esc, and Android's back button: neither may leave the kiosk
SETTINGS_KEYS = {282}      # F1 opens Kivy's settings panel by default
DEMO_CARD_KEY = 286        # F5: the demo profile places the next demo card on the simulated reader
IDLE_CHECK_INTERVAL_S = 0.25


class KioskRoot(BoxLayout):
    """The window's only child: a font warning (when fonts are broken) above the screen manager, and the
    offline banner below it, so neither ever covers a screen's own controls."""


class KioskApp(App):
    language = StringProperty("zh")
    elder_mode = BooleanProperty(False)
    # rebind: .kv rules read attributes of the theme (app.theme.text_dp): re-evaluate them when it changes.
    theme = ObjectProperty(STANDARD, rebind=True)
    landscape = BooleanProperty(False)
    date_text = StringProperty("")
    time_text = StringProperty("")
    font_problem = StringProperty("")
    hall_state = StringProperty("connecting")   # connecting | online | offline
    demo_reader_available = BooleanProperty(False)  # a simulated reader: the demo may place cards

    use_kivy_settings = False

    def __init__(self, settings: Settings, catalogue: Catalogue, fonts: FontSet | None,
                 font_problem: str = "", *, windowed: bool = False, secrets: Secrets | None = None,
                 hall_connector: Callable | None = None, start_devices: bool = False,
                 speaker: Speaker | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self.secrets = secrets
        self._hall_connector = hall_connector
        self.hall = None  # kiosk.hall_connection.HallConnection once connected
        self.pending_review: dict | None = None  # what the review screen rates next (ticket_id or case_number)
        self._start_devices = start_devices
        speech = settings.speech
        self.speaker = speaker or Speaker(enabled=speech.enabled, rate_wpm=speech.rate_wpm, volume=speech.volume)
        self.worker = BackgroundWorker(deliver=self.deliver)
        self.devices = DeviceHub(settings, self.worker, self.deliver, on_reader_event=self.on_reader_event)
        self.settings = settings
        self.catalogue = catalogue
        self.fonts = fonts
        self.font_problem = font_problem
        self.windowed = windowed
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self.session = Session(settings.ui.default_language, settings.ui.elder_mode_default)
        self.language = self.session.language
        self.elder_mode = self.session.elder_mode
        self.theme = theme_for(self.elder_mode)
        self.idle_watch = IdleWatch(self._idle_timeout(), settings.ui.countdown_s, monotonic())
        self.idle_dialog: IdleDialog | None = None
        self.screen_manager: ScreenManager | None = None
        self.title = catalogue.text("app.title", "zh")

    # --- building -------------------------------------------------------------------------------

    def build(self) -> KioskRoot:
        self.screen_manager = ScreenManager(transition=NoTransition())
        self.screen_manager.add_widget(AttractScreen(name="attract"))
        self.screen_manager.add_widget(HomeScreen(name="home"))
        for service in self.settings.services:
            screen_class = JOURNEY_SCREENS.get(service, ServiceScreen)
            self.screen_manager.add_widget(screen_class(name=service, service=service))
        root = KioskRoot()
        root.add_widget(self.screen_manager, index=1)  # between the font warning and the offline banner
        self.idle_dialog = IdleDialog()
        self._follow_window_shape(Window, Window.size)
        self._update_clock_texts()
        return root

    def on_start(self) -> None:
        Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close,
                    on_touch_down=self._on_any_touch, size=self._follow_window_shape)
        self._clock_event = Clock.schedule_interval(lambda _dt: self._update_clock_texts(), 1.0)
        self._idle_event = Clock.schedule_interval(lambda _dt: self.check_idle(), IDLE_CHECK_INTERVAL_S)
        if self.font_problem:
            log.error("%s", self.font_problem)
        if self._hall_connector is not None and self.secrets is not None:
            self.connect_hall()
        if self._start_devices:
            self.worker.run(self.devices.start, on_result=self._devices_started, on_error=self._devices_failed)

    @staticmethod
    def deliver(callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread: how every worker and device thread hands back its results."""
        Clock.schedule_once(lambda _dt: callback())

    def _devices_started(self, _result=None) -> None:
        self.demo_reader_available = self.devices.demo_reader is not None

    def _devices_failed(self, error: BaseException) -> None:
        log.error("devices could not be started: %s: %s", type(error).__name__, error)

    def on_reader_event(self, event) -> None:
        """A card event, on the UI thread. A card placed on the attract or home screen opens 一证通办;
        a card no screen wants is wiped at once."""
        from drivers.idcard import CardRead

        if self.screen_manager is None:
            return
        if (isinstance(event, CardRead) and self.current_screen in ("attract", "home")
                and "one_card" in self.settings.services):
            if not self.session.active:
                self.start_session()
            self.open_service("one_card")
        handler = getattr(self.screen_manager.current_screen, "on_reader_event", None)
        if handler is not None:
            handler(event)
        elif isinstance(event, CardRead):
            event.identity.wipe()

    def place_next_demo_card(self) -> None:
        """Demo profile: put the next fictitious citizen's card on the simulated reader."""
        from kiosk.demo_citizens import DEMO_CITIZENS

        simulator = self.devices.demo_reader
        if simulator is None:
            return
        self._demo_card_index = (getattr(self, "_demo_card_index", -1) + 1) % len(DEMO_CITIZENS)
        simulator.remove_card()
        simulator.place_card(DEMO_CITIZENS[self._demo_card_index])

    def connect_hall(self) -> None:
        """Start (or reach) the hall, the outbox and its sender on a worker thread; the screens never wait.
        Online/offline then follows the reachability watch."""
        self.hall_state = "connecting"

        def connect():
            return self._hall_connector(
                self.settings, self.secrets,
                on_reachability=lambda online: self.deliver(lambda: self._hall_reachable(online)),
                on_alert=lambda alert: log.warning("outbox alert: %s", alert),
            )

        self.worker.run(connect, on_result=self._hall_connected, on_error=self._hall_failed)

    def _hall_connected(self, connection) -> None:
        self.hall = connection
        log.info("hall connection to %s started", connection.client.base_url)

    def _hall_reachable(self, online: bool) -> None:
        self.hall_state = "online" if online else "offline"

    def _hall_failed(self, error: BaseException) -> None:
        self.hall_state = "offline"
        log.error("hall connection could not be set up: %s: %s", type(error).__name__, error)

    @property
    def live_hall(self):
        """The hall client while the hall answers; None while it is known to be away (say so at once)."""
        return self.hall.client if self.hall is not None and self.hall_state != "offline" else None

    def on_stop(self) -> None:
        Window.unbind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close,
                      on_touch_down=self._on_any_touch, size=self._follow_window_shape)
        for event in (getattr(self, "_clock_event", None), getattr(self, "_idle_event", None)):
            if event is not None:
                event.cancel()
        self.devices.stop()
        self.speaker.close()
        self.worker.shutdown(wait=False)
        if self.hall is not None:
            self.hall.close()
            self.hall = None

    # --- texts ----------------------------------------------------------------------------------

    def speak(self, key: str, **values: object) -> None:
        """Say a catalogue text aloud in the current language (never blocks; off if the site says so)."""
        self.speaker.say(self.tr(key, self.language, **values), self.language)

    def tr(self, key: str, language: str, **values: object) -> str:
        """The catalogue text; .kv files pass `app.language` so the label re-renders on a toggle."""
        return self.catalogue.text(key, language, **values)

    def site_name(self, language: str) -> str:
        return self.settings.site.name if language == "zh" else self.settings.site.name_en

    def _update_clock_texts(self) -> None:
        now = self._wall_clock()
        self.date_text = format_date(now, self.language, self.catalogue)
        self.time_text = now.strftime("%H:%M")

    # --- the citizen's session -------------------------------------------------------------------

    def start_session(self) -> None:
        self.session.start()
        self.idle_watch.touch(self._monotonic())
        self.show("home")

    def open_service(self, service: str) -> None:
        self.show(service)

    def finish_journey(self, *, ticket_id: str | None = None, case_number: str | None = None) -> None:
        """A journey is complete: move on to 好差评 for what was just served (the standard practice),
        or end the session when there is nothing to rate or the site does not offer reviews."""
        rated = {"ticket_id": ticket_id} if ticket_id else {"case_number": case_number} if case_number else None
        if rated is not None and "review" in self.settings.services and "review" in JOURNEY_SCREENS:
            self.pending_review = rated
            self.show("review")
        else:
            self.end_session()

    def go_home(self) -> None:
        self.show("home" if self.session.active else "attract")

    def end_session(self) -> None:
        """The citizen is done or gone: wipe everything personal and return to the attract screen."""
        if self.idle_dialog is not None:
            self.idle_dialog.dismiss(animation=False)
        self.session.wipe()
        self.pending_review = None
        self._apply_language(self.session.language)
        self._apply_elder_mode(self.session.elder_mode)
        self.show("attract")
        log.info("session ended")

    def show(self, screen_name: str) -> None:
        assert self.screen_manager is not None
        self.screen_manager.current = screen_name

    @property
    def current_screen(self) -> str:
        return self.screen_manager.current if self.screen_manager else ""

    def toggle_language(self) -> None:
        self._apply_language("en" if self.language == "zh" else "zh")

    def toggle_elder_mode(self) -> None:
        self._apply_elder_mode(not self.elder_mode)

    def _apply_language(self, language: str) -> None:
        self.session.language = language
        self.language = language
        self._update_clock_texts()

    def _apply_elder_mode(self, elder_mode: bool) -> None:
        self.session.elder_mode = elder_mode
        self.elder_mode = elder_mode
        self.theme = theme_for(elder_mode)
        self.idle_watch.set_idle_timeout(self._idle_timeout(), self._monotonic())

    def _idle_timeout(self) -> int:
        ui = self.settings.ui
        return ui.elder_idle_timeout_s if self.session.elder_mode else ui.idle_timeout_s

    # --- inactivity -----------------------------------------------------------------------------

    def note_activity(self) -> None:
        self.idle_watch.touch(self._monotonic())
        if self.idle_dialog is not None and self.idle_dialog.is_open:
            self.idle_dialog.dismiss(animation=False)

    def check_idle(self) -> None:
        """Called by the clock: open, update or act on the "是否继续办理?" countdown."""
        if not self.session.active:
            return
        phase, seconds_left = self.idle_watch.phase(self._monotonic())
        if phase is IdlePhase.ACTIVE and self.idle_dialog is not None and self.idle_dialog.is_open:
            self.idle_dialog.dismiss(animation=False)  # touched somewhere: the citizen is still here
        elif phase is IdlePhase.WARNING and self.idle_dialog is not None:
            self.idle_dialog.seconds_left = seconds_left
            if not self.idle_dialog.is_open:
                self.idle_dialog.open(animation=False)
                self.speak("idle.question")
        elif phase is IdlePhase.EXPIRED:
            self.end_session()

    def _on_any_touch(self, _window, _touch) -> bool:
        # Only observes: the touch goes on to the widgets (the dialog's own buttons included).
        self.idle_watch.touch(self._monotonic())
        return False

    # --- lockdown ---------------------------------------------------------------------------------

    def _on_keyboard(self, _window, key: int, *_args) -> bool:
        if key in ESCAPE_KEYS or key in SETTINGS_KEYS:
            return True  # consumed: Esc/back/F1 never close the kiosk or open a panel
        if key == DEMO_CARD_KEY and self.demo_reader_available:
            self.place_next_demo_card()
            return True
        return False

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        # A kiosk window refuses to close (Alt+F4, a window manager); only a developer's window may.
        return not self.windowed

    def open_settings(self, *_args) -> bool:
        return False

    def _follow_window_shape(self, _window, size) -> None:
        width, height = size
        self.landscape = width > height


load_kv_beside(__file__)
