"""The Kivy application: the screen manager, app-wide state, kiosk lockdown and the inactivity watch.

App-wide state lives in Kivy properties that every .kv file reads (`app.language`, `app.theme`,
`app.landscape`), so a toggle re-renders every screen at once. Texts come from the catalogue through
`app.tr(key, app.language)`: naming `app.language` in the .kv expression makes the label follow it.

    app = KioskApp(settings, Catalogue.load(), fonts)
    app.run()

Unattended operation lives here too: device health decides which journeys the home screen offers
(`service_modes`, `health_notices`) and whether the kiosk shows its out-of-service screen by itself
(`unavailable`: broken | suspended | closed); state changes go to the hall as events and heartbeats
(kiosk.devices.heartbeat); the systemd watchdog is pinged from this UI loop; five taps in the top-left corner
open the technician's PIN pad, and maintenance mode has its own inactivity timeout.
"""

from __future__ import annotations

import gc
import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.maintenance.audit import AuditLog
from kiosk.background import BackgroundWorker
from domain.clock import SiteClock
from kiosk.config import Secrets, Settings
from kiosk.maintenance.diagnostics import app_version, collect
from kiosk.fonts import FontSet
from kiosk.devices.health import DeviceHealth, PrinterWatch, ServiceMode, availability, out_of_service
from kiosk.devices.heartbeat import HealthReporter
from kiosk.maintenance.access import CornerGesture, EntryLocked, NoPinConfigured, PinGate, PinRejected, in_top_left
from kiosk.maintenance.actions import RememberingDeviceHub
from kiosk.devices.opening_hours import OpeningHours
from kiosk.maintenance.watchdog import SystemdNotifier
from kiosk.i18n import Catalogue, format_date
from kiosk.session import IdlePhase, IdleWatch, Session
from kiosk.speech import Speaker
from kiosk.theme import STANDARD, theme_for
from screens.attract import AttractScreen
from screens.home import HomeScreen
from screens.kv import load_kv_beside
from screens.maintenance import MaintenanceScreen
from screens.out_of_service import OutOfServiceScreen
from screens.journeys import JOURNEY_SCREENS, screen_class
from screens.widgets.idle_dialog import IdleDialog
from screens.widgets.pin_pad import PinPad

__all__ = ["KioskApp"]

log = logging.getLogger(__name__)

ESCAPE_KEYS = {27, 1001}   # Esc, and Android's back button: neither may leave the kiosk
SETTINGS_KEYS = {282}      # F1 opens Kivy's settings panel by default
DEMO_CARD_KEY = 286        # F5: the demo profile places the next demo card on the simulated reader
IDLE_CHECK_INTERVAL_S = 0.25
PRINTER_CHECK_INTERVAL_S = 20.0
# Screens a citizen can be moved off without losing anything: the out-of-service screen may replace them.
RESTING_SCREENS = ("attract", "home", "out_of_service")
# On-site edits that only take effect at the next start (screens and the speaker are built once).
RESTART_TO_APPLY = {"services", "speech.enabled", "speech.volume"}


class KioskRoot(BoxLayout):
    """The window's only child: a font warning (when fonts are broken) above the screen manager, and the
    offline banner below it, so neither ever covers a screen's own controls."""


@contextmanager
def _whole_app_change() -> Iterator[None]:
    """Change a property that every kv rule watches (language, theme) with no garbage collection meanwhile.

    Widgets a journey dropped die only when the cyclic collector runs; if it runs in the middle of the
    change's dispatch, Kivy still calls the dead widget's rule and raises ReferenceError (seen once in a
    full test run: the elder-mode button would crash the app). Not collecting during the dispatch closes
    that window; an uncollected widget is still whole, so updating it does no harm.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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

    use_kivy_settings = False

    def __init__(self, settings: Settings, catalogue: Catalogue, fonts: FontSet | None,
                 font_problem: str = "", *, windowed: bool = False, secrets: Secrets | None = None,
                 hall_connector: Callable | None = None, start_devices: bool = False,
                 speaker: Speaker | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.secrets = secrets
        self._hall_connector = hall_connector
        self.hall = None  # kiosk.hall.connection.HallConnection once connected
        self.pending_review: dict | None = None  # what the review screen rates next (ticket_id or case_number)
        self._start_devices = start_devices
        speech = settings.speech
        self.speaker = speaker or Speaker(enabled=speech.enabled, rate_wpm=speech.rate_wpm, volume=speech.volume)
        self.worker = BackgroundWorker(deliver=self.deliver)
        self.devices = RememberingDeviceHub(settings, self.worker, self.deliver, on_reader_event=self.on_reader_event)
        self.devices.after_print = self._check_printer_now
        self.printer_watch: PrinterWatch | None = None
        self.reporter = HealthReporter(self._outbox, app_version=app_version(),
                                       interval_s=settings.health.heartbeat_interval_s,
                                       backend_alert_after_s=settings.health.backend_alert_after_min * 60)
        self.audit_log = AuditLog(settings.data_dir / "audit", outbox=self._outbox)
        self.pin_gate = PinGate(secrets.maintenance_pin_hash if secrets else "", clock=monotonic,
                                state_path=settings.data_dir / "maintenance_lockout.json")
        self.gesture = CornerGesture(settings.maintenance.gesture_taps, settings.maintenance.gesture_window_s)
        self.opening_hours = OpeningHours(settings.opening_hours)
        self.notifier = SystemdNotifier()
        self.pin_pad: PinPad | None = None
        self._maintenance_touched = 0.0
        self._started_at = monotonic()
        self._closed = False
        self.settings = settings
        self.catalogue = catalogue
        self.fonts = fonts
        self.font_problem = font_problem
        self.windowed = windowed
        self._monotonic = monotonic
        self.clock = SiteClock(settings.site.timezone)  # every wall time shown, printed or compared
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
        self.screen_manager.add_widget(OutOfServiceScreen(name="out_of_service"))
        # A journey screen is built when it is first opened (ensure_screen): the attract screen is up
        # without waiting for seven journeys, and memory goes to the journeys a site's citizens use.
        root = KioskRoot()
        root.add_widget(self.screen_manager, index=1)  # between the font warning and the offline banner
        self.idle_dialog = IdleDialog()
        self._follow_window_shape(Window, Window.size)
        self._update_clock_texts()
        self._update_health()
        return root

    def ensure_screen(self, name: str):
        """The screen called `name`, building a service's journey screen on first use."""
        assert self.screen_manager is not None
        if not self.screen_manager.has_screen(name) and name in self.settings.services:
            self.screen_manager.add_widget(screen_class(name)(name=name, service=name))
        return self.screen_manager.get_screen(name)

    def build_all_screens(self) -> None:
        for name in self.settings.services:
            self.ensure_screen(name)

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
        devices = self.settings.devices
        if not devices.printer.enabled:
            self._printer_state_changed("absent", "no printer in this profile")
        if not devices.idcard.enabled:
            self._reader_state_changed("absent", "no ID card reader in this profile")
        self.reporter.start()
        self.notifier.ready()
        if self.notifier.ping_interval_s:
            self._watchdog_event = Clock.schedule_interval(lambda _dt: self.notifier.ping(),
                                                           self.notifier.ping_interval_s)

    @staticmethod
    def deliver(callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread: how every worker and device thread hands back its results."""
        Clock.schedule_once(lambda _dt: callback())

    def _devices_started(self, _result=None) -> None:
        self.demo_reader_available = self.devices.demo_reader is not None
        if self.devices.printer is not None and self.printer_watch is None:
            self.printer_watch = PrinterWatch(
                self.devices.printer.status, interval=PRINTER_CHECK_INTERVAL_S,
                on_state=lambda state, message: self.deliver(lambda: self._printer_state_changed(state, message)),
            ).start()

    def _devices_failed(self, error: BaseException) -> None:
        log.error("devices could not be started: %s: %s", type(error).__name__, error)

    def on_reader_event(self, event) -> None:
        """A card event, on the UI thread. A card placed on the attract or home screen opens 一证通办;
        a card no screen wants is wiped at once."""
        from drivers.idcard import CardRead, ReaderStateChanged

        if self.screen_manager is None:
            return
        if isinstance(event, ReaderStateChanged):
            self._reader_state_changed(event.state.value, event.detail)
        if (isinstance(event, CardRead) and self.current_screen in ("attract", "home")
                and "one_card" in self.settings.services and not self.unavailable):
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
        from domain.demo_citizens import DEMO_CITIZENS

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

    def on_hall_state(self, _app, state: str) -> None:
        self.reporter.report("hall", state)
        self._update_health()

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
        for event in (getattr(self, "_clock_event", None), getattr(self, "_idle_event", None),
                      getattr(self, "_watchdog_event", None)):
            if event is not None:
                event.cancel()
        self.notifier.stopping()
        self.notifier.close()
        if self.printer_watch is not None:
            self.printer_watch.stop()
            self.printer_watch = None
        self.reporter.stop()
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
        now = self.clock.now()
        self.date_text = format_date(now, self.language, self.catalogue)
        self.time_text = now.strftime("%H:%M")
        closed = not self.opening_hours.is_open(now)
        opening = self.opening_hours.next_opening(now) if closed else None
        self.next_opening_text = opening.strftime("%Y-%m-%d %H:%M") if opening else ""
        if closed != self._closed:
            self._closed = closed
            self._update_health()

    # --- the citizen's session -------------------------------------------------------------------

    def start_session(self) -> None:
        self.session.start()
        self.idle_watch.touch(self._monotonic())
        self.show("home")

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
        self.show("home" if self.session.active else self._resting_screen())

    def end_session(self) -> None:
        """The citizen is done or gone: wipe everything personal and return to the attract screen."""
        if self.idle_dialog is not None:
            self.idle_dialog.dismiss(animation=False)
        self.session.wipe()
        self.pending_review = None
        self._apply_language(self.session.language)
        self._apply_elder_mode(self.session.elder_mode)
        if not self.maintenance_active:
            self.show(self._resting_screen())
        log.info("session ended")

    def show(self, screen_name: str) -> None:
        self.ensure_screen(screen_name)
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
        with _whole_app_change():
            self.language = language
        self._update_clock_texts()

    def _apply_elder_mode(self, elder_mode: bool) -> None:
        self.session.elder_mode = elder_mode
        with _whole_app_change():
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
        """Called by the clock: open, update or act on the "是否继续办理?" countdown; end an idle
        maintenance visit."""
        if self.maintenance_active:
            if self._monotonic() - self._maintenance_touched >= self.settings.maintenance.timeout_s:
                self.leave_maintenance("timeout")
            return
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

    def _on_any_touch(self, window, touch) -> bool:
        # Only observes: the touch goes on to the widgets (the dialog's own buttons included).
        now = self._monotonic()
        self.idle_watch.touch(now)
        self._maintenance_touched = now
        corner = in_top_left(touch.x, touch.y, window.width, window.height)
        if self.gesture.tap(in_corner=corner, now=now) and not self.maintenance_active:
            self.open_pin_pad()
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


    # --- device health and availability ---------------------------------------------------------------

    def _outbox(self):
        return self.hall.outbox if self.hall is not None else None

    def _check_printer_now(self) -> None:
        if self.printer_watch is not None:
            self.printer_watch.check_now()

    def _printer_state_changed(self, state: str, message: str = "") -> None:
        self.printer_state = state
        self.reporter.report("printer", state, message)
        self._update_health()

    def _reader_state_changed(self, state: str, detail: str = "") -> None:
        self.reader_state = state
        self.reporter.report("reader", state, detail)
        self._update_health()

    def _update_health(self) -> None:
        """Recompute what the kiosk offers from the device states, the 暂停服务 switch and the opening
        hours; move to or from the out-of-service screen where no citizen is in the middle of something."""
        health = DeviceHealth(printer=self.printer_state, reader=self.reader_state, hall=self.hall_state)
        offered = availability(self.settings, health)
        self.service_modes = {service: item.mode.value for service, item in offered.items()}
        notices = []
        for item in offered.values():
            key = ("health.printer_screen_only" if item.mode is ServiceMode.NUMBER_ON_SCREEN
                   else f"health.{item.reason}_notice" if item.mode is ServiceMode.DISABLED else None)
            if key and key not in notices:
                notices.append(key)
        self.health_notices = notices
        if self.suspended:
            self.unavailable = "suspended"
        elif self._closed:
            self.unavailable = "closed"
        elif out_of_service(self.settings, health):
            self.unavailable = "broken"
        else:
            self.unavailable = ""
        if self.screen_manager is None or self.maintenance_active:
            return
        if self.unavailable and self.current_screen in RESTING_SCREENS:
            if self.session.active:
                self.end_session()
            else:
                self.show("out_of_service")
        elif not self.unavailable and self.current_screen == "out_of_service":
            self.show("attract")

    def _resting_screen(self) -> str:
        return "out_of_service" if self.unavailable else "attract"

    def service_mode(self, service: str, modes: dict) -> str:
        """For .kv: pass `app.service_modes` so the tile re-renders when it changes."""
        return modes.get(service, ServiceMode.FULL.value)

    def unavailable_text(self, language: str, unavailable: str, next_opening: str) -> str:
        if unavailable == "closed":
            return (self.tr("health.closed_text", language, when=next_opening) if next_opening
                    else self.tr("health.closed_no_opening", language))
        if unavailable == "suspended":
            return self.tr("health.suspended_text", language)
        return self.tr("health.out_of_service_text", language) if unavailable else ""

    def open_service(self, service: str) -> None:
        if self.service_modes.get(service) == ServiceMode.DISABLED.value:
            return  # its tile is disabled; a stale touch must not open it either
        self.show(service)

    # --- maintenance mode ----------------------------------------------------------------------------

    def audit(self, action: str, detail: str = "", severity: str = "info") -> None:
        """Record a technician's action (masked) on disk and to the hall, off the UI thread."""
        self.worker.run(lambda: self.audit_log.record(action, detail, severity=severity),
                        on_error=lambda error: log.error("audit record failed: %s", error))

    def open_pin_pad(self) -> None:
        # Built at the first use: most kiosks never see a technician between two restarts.
        if self.pin_pad is None:
            self.pin_pad = PinPad()
        if not self.pin_pad.is_open:
            self.pin_pad.message = ""
            self.pin_pad.open(animation=False)

    def submit_maintenance_pin(self, pin: str) -> None:
        """Check the PIN on a worker thread (scrypt takes a tenth of a second by design)."""
        assert self.pin_pad is not None
        self.pin_pad.busy = True
        self.pin_pad.message = self.tr("maintenance.pin_checking", self.language)
        self.worker.run(lambda: self.pin_gate.check(pin), on_result=lambda _none: self.enter_maintenance(),
                        on_error=self._pin_refused)

    def _pin_refused(self, error: BaseException) -> None:
        assert self.pin_pad is not None
        self.pin_pad.busy = False
        if isinstance(error, PinRejected):
            self.pin_pad.message = self.tr("maintenance.pin_wrong", self.language, left=error.attempts_left)
            self.audit("pin_failed", str(error), "warning")
        elif isinstance(error, EntryLocked):
            self.pin_pad.message = self.tr("maintenance.pin_locked", self.language, seconds=round(error.seconds_left))
            self.audit("entry_locked", str(error), "error")
        elif isinstance(error, NoPinConfigured):
            self.pin_pad.message = self.tr("maintenance.pin_not_set", self.language)
            self.audit("pin_not_set", str(error), "warning")
        else:
            raise error

    def enter_maintenance(self) -> None:
        if self.pin_pad is not None:
            self.pin_pad.dismiss(animation=False)
        if self.session.active:
            self.end_session()  # the citizen's data goes before the technician's screen comes
        self.maintenance_active = True
        self._maintenance_touched = self._monotonic()
        if not self.screen_manager.has_screen("maintenance"):
            self.screen_manager.add_widget(MaintenanceScreen(name="maintenance"))
        self.show("maintenance")
        self.audit("entry", "maintenance mode entered with the PIN")

    def leave_maintenance(self, reason: str = "left") -> None:
        self.maintenance_active = False
        self.audit("exit", f"maintenance mode ended: {reason}")
        self.show(self._resting_screen())

    def set_suspended(self, suspended: bool) -> None:
        """The technician's 暂停服务 switch: the out-of-service screen with its notice, until switched back."""
        self.suspended = suspended
        self.audit("suspend" if suspended else "resume",
                   "kiosk paused by the technician" if suspended else "kiosk back in service")
        self._update_health()

    def collect_diagnostics(self) -> list:
        """Every diagnostics line for the running kiosk. Blocking: call from a worker thread."""
        hall = self.hall
        reader_state = None if self.reader_state == "unknown" else self.reader_state
        return collect(self.settings, printer=self.devices.printer, reader_state=reader_state,
                       client=hall.client if hall else None, outbox=hall.outbox if hall else None,
                       uptime_s=self._monotonic() - self._started_at)

    def apply_settings(self, settings: Settings, key: str) -> bool:
        """Use an on-site edit now where the running app can; True when it needs a restart to apply."""
        self.settings = settings
        self.idle_watch.set_idle_timeout(self._idle_timeout(), self._monotonic())
        self._update_health()
        return key in RESTART_TO_APPLY

    def restart(self) -> None:
        """End the app; systemd (Restart=always) starts it again within seconds."""
        self.worker.run(lambda: self.audit_log.record("restart", "restart requested from the maintenance page"),
                        on_result=lambda _record: self.stop(), on_error=lambda _error: self.stop())


load_kv_beside(__file__)
