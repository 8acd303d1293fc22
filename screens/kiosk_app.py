"""The Kivy application: wires the kiosk core to the screens and shows its state; the core decides.

App-wide state lives in Kivy properties that every .kv file reads (`app.language`, `app.theme`,
`app.landscape`, `app.service_modes`), so a change re-renders every screen at once. Texts come from the
catalogue through `app.tr(key, app.language)`. Where a card goes (kiosk.devices.routing), what the kiosk
offers while devices fail (kiosk.devices.health.assess), the way into maintenance (kiosk.maintenance.desk)
and the session's inactivity (kiosk.session) are decided in kiosk/, without Kivy.

    app = KioskApp(settings, Catalogue.load(), fonts)
    app.run()
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.config import Secrets, Settings
from kiosk.devices.events import CardEvent, CardPlaced
from kiosk.devices.health import DeviceHealth, Offer
from kiosk.devices.routing import route_card
from kiosk.devices.text_input.service import TextInputService
from kiosk.fonts import FontSet
from kiosk.journeys.guidance import opening_words, staff_call
from kiosk.i18n import Catalogue, format_date
from kiosk.runtime import KioskRuntime
from kiosk.session import Session, Visit
from kiosk.speech import Speaker
from kiosk.theme import STANDARD, theme_for
from screens.attract import AttractScreen
from screens.home import HomeScreen
from screens.journeys import screen_class
from screens.kv import load_kv_beside, whole_app_change
from screens.lockdown import WindowGuards
from screens.maintenance import MaintenanceScreen
from screens.out_of_service import OutOfServiceScreen
from screens.widgets.guidance import ClosingNote, HelpDialog
from screens.widgets.idle_dialog import IdleDialog
from screens.widgets.pin_pad import PinPad

__all__ = ["KioskApp"]

log = logging.getLogger(__name__)

IDLE_CHECK_INTERVAL_S = 0.25
# Screens a citizen can be moved off without losing anything: the out-of-service screen may replace them.
RESTING_SCREENS = ("attract", "home", "out_of_service")
# Screens without the guidance bar (帮助, 重听, 呼叫工作人员): nobody is being served on them.
UNGUIDED_SCREENS = ("attract", "out_of_service", "maintenance")


class KioskRoot(BoxLayout):
    """The window's only child: a font warning (when fonts are broken) above the screen manager, and the
    offline banner and the guidance bar below it, so none of them ever covers a screen's own controls."""


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
    printer_state = StringProperty("unknown")  # a PrinterState value, "absent" or "unknown"
    reader_state = StringProperty("unknown")   # a ReaderState value, "absent" or "unknown"
    service_modes = DictProperty({})           # service → "full" | "number_on_screen" | "disabled"
    health_notices = ListProperty([])          # catalogue keys of the home screen's device notices
    unavailable = StringProperty("")           # "" | "broken" | "suspended" | "closed"
    suspended = BooleanProperty(False)         # the technician's 暂停服务
    suspend_notice = StringProperty("")
    next_opening_text = StringProperty("")
    maintenance_active = BooleanProperty(False)
    guided = BooleanProperty(False)            # a citizen screen is shown: the guidance bar is at its foot
    staff_call_state = StringProperty("")      # "" | "called" | "failed": the answer to 呼叫工作人员

    use_kivy_settings = False

    def __init__(self, settings: Settings, catalogue: Catalogue, fonts: FontSet | None,
                 font_problem: str = "", *, windowed: bool = False, secrets: Secrets | None = None,
                 hall_connector: Callable | None = None, start_devices: bool = False,
                 speaker: Speaker | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.settings, self.catalogue, self.fonts, self.font_problem = settings, catalogue, fonts, font_problem
        self.windowed, self._start_devices, self.monotonic = windowed, start_devices, monotonic
        self.guards = WindowGuards(self)
        self.runtime = KioskRuntime(settings, secrets, deliver=self.deliver, on_card_event=self.on_card_event,
                                    on_offer=self._show_offer, on_hall_state=lambda state: setattr(self, "hall_state",
                                                                                                   state),
                                    on_devices=lambda: setattr(self, "demo_reader_available",
                                                               self.devices.demo_reader is not None),
                                    hall_connector=hall_connector, monotonic=monotonic, catalogue=catalogue)
        self.worker, self.devices, self.desk, self.clock = (self.runtime.worker, self.runtime.devices,
                                                            self.runtime.desk, self.runtime.clock)
        speech = settings.speech
        self.speaker = speaker or Speaker(enabled=speech.enabled, rate_wpm=speech.rate_wpm, volume=speech.volume)
        self.pin_pad: PinPad | None = None
        self.session = Session(settings.ui.default_language, settings.ui.elder_mode_default)
        # Handwriting and pinyin, on their own thread, started when an input is first shown.
        self.text_input = TextInputService(settings.data_dir, deliver=self.deliver)
        self.session.on_wipe(lambda: self.text_input.reset())
        self.visit = Visit(self.session, settings.ui, settings.services, self, monotonic)
        self.language, self.elder_mode = self.session.language, self.session.elder_mode
        self.theme = theme_for(self.elder_mode)
        self.idle_dialog: IdleDialog | None = None
        self.help_dialog: HelpDialog | None = None
        self.closing_dialog: ClosingNote | None = None
        self._last_spoken: tuple[str, dict] | None = None
        self.screen_manager: ScreenManager | None = None
        self.title = catalogue.text("app.title", "zh")

    @property
    def hall(self):
        """The hall connection (client, outbox, sender) once set up (kiosk.hall.connection), else None."""
        return self.runtime.hall

    @property
    def live_hall(self):
        return self.runtime.live_hall

    # --- building and life cycle -----------------------------------------------------------------

    def build(self) -> KioskRoot:
        self.screen_manager = ScreenManager(transition=NoTransition())
        for name, screen in (("attract", AttractScreen), ("home", HomeScreen), ("out_of_service", OutOfServiceScreen)):
            self.screen_manager.add_widget(screen(name=name))
        # A journey screen is built when it is first opened (ensure_screen): the attract screen is up
        # without waiting for seven journeys, and memory goes to the journeys a site's citizens use.
        root = KioskRoot()
        # Between the font warning (on top) and the offline banner, staff-call note and guidance bar (below).
        root.add_widget(self.screen_manager, index=3)
        self.idle_dialog = IdleDialog()
        self.help_dialog, self.closing_dialog = HelpDialog(), ClosingNote()
        self.guided = self.screen_manager.current not in UNGUIDED_SCREENS
        self.guards.follow_shape(Window, Window.size)
        self._update_clock_texts()
        self.runtime.reassess()
        return root

    def ensure_screen(self, name: str):
        """The screen called `name`, building a service's journey screen (or maintenance's) on first use."""
        assert self.screen_manager is not None
        if not self.screen_manager.has_screen(name):
            if name == "maintenance":
                self.screen_manager.add_widget(MaintenanceScreen(name=name))
            elif name in self.settings.services:
                self.screen_manager.add_widget(screen_class(name)(name=name, service=name))
        return self.screen_manager.get_screen(name)

    def build_all_screens(self) -> None:
        for name in self.settings.services:
            self.ensure_screen(name)

    def on_start(self) -> None:
        self.guards.bind(Window)
        self._events = [Clock.schedule_interval(lambda _dt: self._update_clock_texts(), 1.0),
                        Clock.schedule_interval(lambda _dt: self.check_idle(), IDLE_CHECK_INTERVAL_S)]
        if self.font_problem:
            log.error("%s", self.font_problem)
        self.runtime.start(start_devices=self._start_devices)
        if self.fonts is not None:
            self.worker.run(self.fonts.warm_up)
        notifier = self.runtime.notifier
        if notifier.ping_interval_s:
            self._events.append(Clock.schedule_interval(lambda _dt: notifier.ping(), notifier.ping_interval_s))

    def on_stop(self) -> None:
        self.guards.unbind(Window)
        for event in getattr(self, "_events", ()):
            event.cancel()
        self.runtime.stop()
        self.text_input.stop()
        self.speaker.close()

    @staticmethod
    def deliver(callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread: how every worker and device thread hands back its results."""
        Clock.schedule_once(lambda _dt: callback())

    # --- cards --------------------------------------------------------------------------------------

    def on_card_event(self, event: CardEvent) -> None:
        """A card event, on the UI thread: kiosk.devices.routing decides where it goes."""
        if self.screen_manager is not None:
            if isinstance(event, CardPlaced):
                self.session.note_takeaway("card")
            route_card(event, self, self.settings.services,
                       on_reader_state=lambda status: self.runtime.device_changed("reader", status.state,
                                                                                  status.detail))

    def open_for_card(self, service: str) -> None:
        if not self.session.active:
            self.visit.start()
        self.open_service(service)

    def card_handler(self) -> Callable[[CardEvent], None] | None:
        return getattr(self.screen_manager.current_screen, "on_card_event", None)

    # --- texts ----------------------------------------------------------------------------------

    def speak(self, key: str, **values: object) -> None:
        """Say a catalogue text aloud in the current language (never blocks; off if the site says so)."""
        self._last_spoken = key, values
        self.speaker.say(self.tr(key, self.language, **values), self.language)

    # --- guidance (帮助, 重听, 呼叫工作人员, the closing note) ---------------------------------------------

    def replay_speech(self) -> None:
        """重听: say the last prompt again, in the language shown now."""
        if self._last_spoken is not None:
            key, values = self._last_spoken
            self.speak(key, **values)

    def open_help(self) -> None:
        self.visit.touched()
        self.help_dialog.open(animation=False)
        self.speak("guidance.help_text")

    def call_staff(self) -> None:
        """呼叫工作人员: a device event to the hall through the outbox (written off the UI thread), so it
        reaches the hall even while the network is away; the citizen is told at once."""
        outbox = self.runtime.outbox()
        if outbox is None:
            self._staff_call_answered("failed")
            return
        event = staff_call(self.current_screen)
        self.worker.run(lambda: outbox.enqueue_event(*event), on_result=lambda _id: self._staff_call_answered("called"),
                        on_error=lambda _error: self._staff_call_answered("failed"))

    def _staff_call_answered(self, state: str) -> None:
        self.staff_call_state = state
        self.speak("guidance.staff_called" if state == "called" else "guidance.staff_call_failed")

    def closing_note(self, takeaways: set[str]) -> None:
        """The end of a visit that read a card or printed: ask for them back, on screen and aloud."""
        self.speak(self.closing_dialog.show(takeaways))

    def tr(self, key: str, language: str, **values: object) -> str:
        """The catalogue text; .kv files pass `app.language` so the label re-renders on a toggle."""
        return self.catalogue.text(key, language, **values)

    def site_name(self, language: str) -> str:
        return self.settings.site.name if language == "zh" else self.settings.site.name_en

    def _update_clock_texts(self) -> None:
        now = self.clock.now()
        self.date_text = format_date(now, self.language, self.catalogue)
        self.time_text = now.strftime("%H:%M")
        self.runtime.tick_opening_hours()
        if self.runtime.closed:   # else no screen says it (and --screenshot's example stays)
            opening = self.runtime.opening_hours.next_opening(now)
            self.next_opening_text = opening_words(now, opening, self.language, self.catalogue)

    # --- what the visit shows (kiosk.session.Visit decides) ---------------------------------------------

    def show(self, screen_name: str) -> None:
        self.ensure_screen(screen_name)
        self.screen_manager.current = screen_name
        self.guided = screen_name not in UNGUIDED_SCREENS
        self.staff_call_state = ""

    def open_service(self, service: str) -> None:
        if self.service_modes.get(service) != "disabled":  # a stale touch must not open a disabled tile
            self.show(service)

    @property
    def current_screen(self) -> str:
        return self.screen_manager.current if self.screen_manager else ""

    def show_mode(self, language: str, elder_mode: bool) -> None:
        with whole_app_change():
            self.language, self.elder_mode, self.theme = language, elder_mode, theme_for(elder_mode)
        self._update_clock_texts()

    def countdown(self, seconds_left: int | None) -> bool:
        return self.idle_dialog.show_seconds(seconds_left) if self.idle_dialog is not None else False

    def check_idle(self) -> None:
        """Called by the clock: the citizen's countdown, or the end of an idle maintenance visit."""
        if not self.maintenance_active:
            self.visit.tick()
        elif self.desk.visit_expired(self.monotonic()):
            self.leave_maintenance("timeout")

    def open_settings(self, *_args) -> bool:
        return False  # Kivy's settings panel: never on a kiosk

    # --- what the kiosk offers -------------------------------------------------------------------------

    def _show_offer(self, offer: Offer, health: DeviceHealth) -> None:
        """Show what the kiosk offers now (decided by kiosk.devices.health.assess); move to or from the
        out-of-service screen where no citizen is in the middle of something."""
        self.printer_state, self.reader_state = health.printer, health.reader
        self.service_modes, self.health_notices, self.unavailable = (offer.service_modes, list(offer.notices),
                                                                     offer.unavailable)
        self.suspended = self.runtime.suspended
        if self.screen_manager is None or self.maintenance_active:
            return
        if self.unavailable and self.current_screen in RESTING_SCREENS:
            self.visit.end() if self.session.active else self.show("out_of_service")
        elif not self.unavailable and self.current_screen == "out_of_service":
            self.show("attract")

    # --- maintenance mode ----------------------------------------------------------------------------

    def enter_maintenance(self) -> None:
        if self.session.active:
            self.visit.end()  # the citizen's data goes before the technician's screen comes
        self.maintenance_active = True
        self.desk.begin_visit()
        self.show("maintenance")

    def leave_maintenance(self, reason: str = "left") -> None:
        self.maintenance_active = False
        self.desk.end_visit(reason)
        self.show(self.visit.resting_screen())

    def apply_settings(self, settings: Settings) -> None:
        """Use an on-site edit now where the running app can (the rest takes a restart)."""
        self.settings = settings
        self.visit.settings_changed(settings.ui, settings.services)
        self.runtime.apply_settings(settings)


load_kv_beside(__file__)
