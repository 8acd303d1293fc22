"""预约: the citizen places the ID card and sees today's appointments, then those of the coming days (with
their date, 取消预约 only: check-in is on the day); 签到 turns one of today's into a ticket with the
number big on screen; or books a new time (matter → day → time → confirm), the confirmation printed.
Logic in kiosk.journeys.appointment.AppointmentJourney; this screen renders its view and passes on taps."""

from datetime import date

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import StringProperty

from domain.printouts import SiteLines
from kiosk.hall.models import MatterRef
from kiosk.i18n import format_date, in_language
from kiosk.journeys.appointment import AppointmentJourney, AppointmentStep, AppointmentView
from screens import one_card  # noqa: F401  (the CardPlacement rule)
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, common, top_bar  # noqa: F401
from screens.widgets.common import CollapsingBoxLayout, KioskButton

__all__ = ["AppointmentScreen", "AppointmentRow"]

_BUSY_TEXTS = {"looking_up": "appointment.looking_up", "checking_in": "appointment.checking_in",
               "printing": "progress.printing", "loading": "progress.loading", "booking": "appointment.booking",
               "cancelling": "appointment.cancelling"}


class AppointmentRow(CollapsingBoxLayout):
    """One appointment: when, what, where, and its buttons (签到, or 查看号码 once checked in, for today's
    only; 取消预约 while it can still be cancelled)."""

    line = StringProperty("")
    action = StringProperty("")
    cancel_text = StringProperty("")
    appointment_id = StringProperty("")


def matter_name(matter, language: str) -> str:
    """A matter's name from the hall, in English where the hall gave one."""
    return in_language(matter.name, matter.name_en, language)


class AppointmentScreen(JourneyScreen):
    STEP_NUMBERS = {"choose_matter": 1, "choose_day": 2, "choose_time": 3, "confirm": 4}

    def make_journey(self, app) -> AppointmentJourney:
        printer = app.settings.devices.printer
        return AppointmentJourney(
            hall=app.live_hall, devices=app.devices, worker=app.worker, session=app.session,
            site=SiteLines(header=printer.header_lines, footer=printer.footer_lines),
            hall_name=app.site_name("zh"), on_change=self.show, clock=app.clock)

    def blank_view(self) -> AppointmentView:
        return AppointmentView(AppointmentStep.WAITING_CARD)

    def render(self, view: AppointmentView) -> None:
        self._fill(view)
        self._speak(view)

    def _speak(self, view: AppointmentView) -> None:
        """Spoken prompts on the key steps: where the card goes, and to take the ticket or slip."""
        if not (self.manager and self.manager.current == self.name):
            return  # the blank view shown on leaving says nothing
        printed, not_printed = {AppointmentStep.CHECKED_IN: ("ticket.take_ticket", "ticket.not_printed"),
                                AppointmentStep.BOOKED: ("appointment.take_slip", "appointment.not_printed"),
                                }.get(view.step, ("", ""))
        key = "card.place" if view.step is AppointmentStep.WAITING_CARD else (
            printed if view.printed else (not_printed if view.problem else ""))
        if key:
            App.get_running_app().speak(key)

    def screenshot_views(self) -> list[tuple[str, AppointmentView]]:
        """Each panel once, with fictitious data, for `main.py --screenshot` and the accessibility walk (every
        picture costs eight renderings: busy and problem variants of a panel are left out)."""
        from dataclasses import replace as changed  # deferred, with the rest: --screenshot's fictitious data

        from kiosk.journeys.appointment import BookableDay
        from kiosk.hall.models import MatterSummary, Slot
        from screens.demo_views import DEMO_APPOINTMENT, DEMO_TICKET

        checked = changed(DEMO_APPOINTMENT, appointment_id="demo-checked-in", start="14:30", end="15:00",
                          status="checked_in", ticket_id=DEMO_TICKET.ticket_id)
        matters = tuple(MatterSummary(code=code, name=name, category="social", department="示例部门", one_id=True,
                                      cross_region=False, appointable=True, queue="social")
                        for code, name in (("SB001", "社保参保登记"), ("GJJ001", "公积金提取"),
                                           ("JJ001", "换领机动车驾驶证"), ("MZ001", "老龄补贴年审")))
        slots = tuple(Slot(start=f"{h:02d}:{m:02d}", end=f"{h + (m + 30) // 60:02d}:{(m + 30) % 60:02d}", free=2)
                      for h in range(9, 12) for m in (0, 30))
        days = tuple(BookableDay(date(2026, 11, day), slots) for day in (24, 25, 26, 27, 30))
        chosen = AppointmentView(AppointmentStep.CONFIRM, masked_name="张**", matters=matters, matter=matters[1],
                                 days=days, day=days[0], slot=slots[0])
        booking = changed(DEMO_APPOINTMENT, appointment_id="ap1a2b3c4d5e6", matter=MatterRef(code="GJJ001",
                          name="公积金提取"), date="2026-11-24", start="09:00", end="09:30")
        thursday = changed(DEMO_APPOINTMENT, appointment_id="demo-upcoming", matter=MatterRef(code="BDC001",
                           name="不动产登记"), date="2026-11-26", location="三楼E区 12-14号窗口")
        person = AppointmentView(AppointmentStep.APPOINTMENTS, masked_name="张**",
                                 appointments=(DEMO_APPOINTMENT, checked), upcoming=(thursday,))
        ticket = changed(person, step=AppointmentStep.CHECKED_IN, checked_in=DEMO_APPOINTMENT, ticket=DEMO_TICKET)
        return [
            ("waiting_card", AppointmentView(AppointmentStep.WAITING_CARD)),
            ("appointments", person),
            ("confirm_cancel", changed(person, step=AppointmentStep.CONFIRM_CANCEL, cancelling=DEMO_APPOINTMENT)),
            ("checked_in", changed(ticket, printed=True)),
            ("not_printed", changed(ticket, problem="printer.paper_out")),
            ("choose_matter", AppointmentView(AppointmentStep.CHOOSE_MATTER, masked_name="张**", matters=matters)),
            ("choose_day", changed(chosen, step=AppointmentStep.CHOOSE_DAY, day=None, slot=None)),
            ("choose_time", changed(chosen, step=AppointmentStep.CHOOSE_TIME, slot=None)),
            ("confirm", chosen),
            ("booked", changed(chosen, step=AppointmentStep.BOOKED, booking=booking, printed=True)),
            ("unavailable", AppointmentView(AppointmentStep.UNAVAILABLE, masked_name="张**",
                                            problem="appointment.check_in_down")),
        ]

    # --- texts the .kv asks for -------------------------------------------------------------------------

    def busy_text(self, step: str, language: str) -> str:
        key = _BUSY_TEXTS.get(step)
        return App.get_running_app().tr(key, language) if key else ""

    def problem_text(self, view: AppointmentView, language: str) -> str:
        return App.get_running_app().tr(view.problem, language) if view.problem else ""

    def day_words(self, day: date, language: str) -> dict:
        """The day as the top bar writes dates (2026年11月24日 星期二 / Tuesday, 24 November 2026)."""
        return {"date": format_date(day, language, App.get_running_app().catalogue)}

    def short_day(self, day: date, language: str) -> str:
        """The day in a list row, without the year: 11月26日 星期四 / Thursday 26/11."""
        app = App.get_running_app()
        return app.tr("appointment.day_short", language, month=day.month, day=day.day,
                      weekday=app.tr(f"weekday.{day.weekday()}", language))

    def summary(self, view: AppointmentView, language: str) -> str:
        """What is being (or was) booked: from the booking once made, else from the choices."""
        app = App.get_running_app()
        if view.booking is not None:
            booking = view.booking
            return app.tr("appointment.summary", language, matter=booking.matter.name, start=booking.start,
                          end=booking.end, **self.day_words(date.fromisoformat(booking.date), language))
        if view.matter is None or view.day is None or view.slot is None:
            return ""
        return app.tr("appointment.summary", language, matter=view.matter.name, start=view.slot.start,
                      end=view.slot.end, **self.day_words(view.day.day, language))

    def cancel_summary(self, view: AppointmentView, language: str) -> str:
        appointment = view.cancelling
        if appointment is None:
            return ""
        return App.get_running_app().tr(
            "appointment.summary", language, matter=matter_name(appointment.matter, language), start=appointment.start,
            end=appointment.end, **self.day_words(date.fromisoformat(appointment.date), language))

    def booked_where(self, view: AppointmentView, language: str) -> str:
        if view.booking is None:
            return ""
        return App.get_running_app().tr("appointment.booked_where", language, location=view.booking.location,
                                        number=view.booking.appointment_id)

    def print_state(self, view: AppointmentView, language: str, printed_key: str, not_printed_key: str) -> str:
        app = App.get_running_app()
        if view.printed:
            return app.tr(printed_key, language)
        if view.problem:
            return app.tr(not_printed_key, language) + "\n" + app.tr(view.problem, language)
        return ""

    def choose_time_prompt(self, view: AppointmentView, language: str) -> str:
        if view.day is None:
            return ""
        return App.get_running_app().tr("appointment.choose_time", language, **self.day_words(view.day.day, language))

    # --- lists of choices -------------------------------------------------------------------------------

    def _fill(self, view: AppointmentView) -> None:
        app = App.get_running_app()
        language = app.language
        for grid in (self.ids.appointments, self.ids.upcoming, self.ids.matters, self.ids.days, self.ids.times):
            grid.clear_widgets()
        journey = self.journey
        if view.step is AppointmentStep.APPOINTMENTS:
            for appointment in view.appointments:
                checked_in = appointment.status == "checked_in"
                self._add_row(self.ids.appointments, appointment, app.tr(
                    "appointment.line_checked_in" if checked_in else "appointment.line", language,
                    start=appointment.start, end=appointment.end, matter=matter_name(appointment.matter, language),
                    location=appointment.location),
                    action=app.tr("appointment.show_number" if checked_in else "appointment.check_in", language),
                    cancel_text="" if checked_in else app.tr("appointment.cancel", language))
            for appointment in view.upcoming:  # check-in is on the day: cancelling is all there is to do here
                self._add_row(self.ids.upcoming, appointment, app.tr(
                    "appointment.line_upcoming", language, start=appointment.start, end=appointment.end,
                    matter=matter_name(appointment.matter, language), location=appointment.location,
                    date=self.short_day(date.fromisoformat(appointment.date), language)),
                    action="", cancel_text=app.tr("appointment.cancel", language))
        elif view.step is AppointmentStep.CHOOSE_MATTER:
            for matter in view.matters:
                self._choice(self.ids.matters, matter_name(matter, language),
                             lambda code=matter.code: journey.choose_matter(code), key=matter.code)
        elif view.step is AppointmentStep.CHOOSE_DAY:
            for day in view.days:
                text = app.tr("appointment.day_button", language, free=day.free, **self.day_words(day.day, language))
                self._choice(self.ids.days, text, lambda d=day.day: journey.choose_day(d), key=day.day.isoformat())
        elif view.step is AppointmentStep.CHOOSE_TIME and view.day is not None:
            for slot in view.day.slots:
                text = app.tr("appointment.time_button", language, start=slot.start, end=slot.end, free=slot.free)
                self._choice(self.ids.times, text, lambda start=slot.start: journey.choose_time(start), key=slot.start)

    def _add_row(self, grid, appointment, line: str, action: str, cancel_text: str) -> None:
        row = AppointmentRow(appointment_id=appointment.appointment_id, line=line, action=action,
                             cancel_text=cancel_text)
        row.ids.action_button.bind(on_release=lambda _b: self._row_tapped(row, "check_in"))
        row.ids.cancel_button.bind(on_release=lambda _b: self._row_tapped(row, "ask_cancel"))
        grid.add_widget(row)

    def _row_tapped(self, row: AppointmentRow, choice: str) -> None:
        if self.journey is not None:
            getattr(self.journey, choice)(row.appointment_id)

    def _choice(self, grid, text: str, choose, key: str) -> None:
        app = App.get_running_app()
        button = KioskButton(text=text, size_hint_y=None, height=dp(app.theme.target_dp) * 1.3)
        # As tall as its lines need (an English day takes three), never less than the theme's size.
        button.bind(texture_size=lambda button, size: setattr(
            button, "height", max(dp(App.get_running_app().theme.target_dp) * 1.3, size[1] + dp(24))))
        button.choice = key
        button.bind(on_release=lambda _button: self.journey is not None and choose())
        grid.add_widget(button)

    def choice(self, grid_id: str, key: str) -> KioskButton:
        """The button for one matter code, day (ISO date) or start time, in the grid `grid_id`."""
        return next(button for button in self.ids[grid_id].children if button.choice == key)

    def row(self, appointment_id: str) -> AppointmentRow:
        """The row of one appointment, today's or upcoming."""
        return next(row for row in self.ids.appointments.children + self.ids.upcoming.children
                    if row.appointment_id == appointment_id)

    def on_kv_post(self, *_args) -> None:
        app = App.get_running_app()
        app.bind(language=lambda *_: self._fill(self.view), theme=lambda *_: self._fill(self.view))


load_kv_beside(__file__)
