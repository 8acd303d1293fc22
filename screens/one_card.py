"""一证通办: the citizen places the ID card and sees, under a masked greeting, today's appointments and
the 一证通办 records. Logic in kiosk.journeys.one_card.OneCardJourney; this screen renders its view."""

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp

from kiosk.i18n import in_language
from kiosk.theme.icons import ICONS
from kiosk.journeys.one_card import OneCardJourney, OneCardStep, OneCardView
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, common, top_bar  # noqa: F401
from screens.widgets.common import InfoCard, KioskLabel

__all__ = ["OneCardScreen"]


class OneCardScreen(JourneyScreen):
    def make_journey(self, app) -> OneCardJourney:
        return OneCardJourney(hall=app.live_hall, worker=app.worker, session=app.session, on_change=self.show,
                              clock=app.clock)

    def blank_view(self) -> OneCardView:
        return OneCardView(OneCardStep.WAITING_CARD)

    def on_enter(self, *_args) -> None:
        super().on_enter()
        # Two positions, twice a second: the card "lands" on the reader. Stepped rather than smooth, so
        # a machine without a GPU redraws twice a second instead of sixty times, and the reader's
        # threads keep the processor.
        self._glide = Clock.schedule_interval(self._step_card, 0.5)

    def _step_card(self, _dt) -> None:
        placement = self.ids.placement
        placement.offset = 0 if placement.offset else dp(60)

    def on_leave(self, *_args) -> None:
        self._glide.cancel()
        super().on_leave()

    def render(self, view: OneCardView) -> None:
        if view.step is OneCardStep.WAITING_CARD and self.manager and self.manager.current == self.name:
            App.get_running_app().speak("card.place")
        self._fill_lists(view)

    def screenshot_views(self) -> list[tuple[str, OneCardView]]:
        from screens.demo_views import DEMO_APPOINTMENT, DEMO_PROOFS, DEMO_RECORDS  # only for --screenshot

        return [
            ("waiting-card", OneCardView(OneCardStep.WAITING_CARD)),
            ("looking-up", OneCardView(OneCardStep.LOOKING_UP, masked_name="张**")),
            ("result", OneCardView(OneCardStep.RESULT, masked_name="张**", card_type="resident",
                                   records=DEMO_RECORDS, proofs=DEMO_PROOFS, appointments=(DEMO_APPOINTMENT,))),
            ("card-problem", OneCardView(OneCardStep.CARD_PROBLEM, problem="card.invalid")),
            ("unavailable", OneCardView(OneCardStep.UNAVAILABLE, masked_name="张**", problem="one_card.hall_down")),
        ]

    def _fill_lists(self, view: OneCardView) -> None:
        app = App.get_running_app()
        language = app.language
        appointments, records = self.ids.appointments, self.ids.records
        appointments.clear_widgets()
        records.clear_widgets()
        if view.step is not OneCardStep.RESULT:
            return
        for appointment in view.appointments or ():
            matter = in_language(appointment.matter.name, appointment.matter.name_en, language)
            lines = app.tr("one_card.appointment_card", language, matter=matter, location=appointment.location)
            appointments.add_widget(InfoCard(icon="appointment", title=f"{appointment.start}–{appointment.end}",
                                             lines=lines))
        if not view.appointments:
            appointments.add_widget(KioskLabel(text=app.tr("one_card.no_appointments", language), halign="left"))
        for record in view.records:
            # The record kind's own icon (kiosk.theme.icons names the kinds the hall's API lists), else a neutral one.
            lines = "\n".join(f"{field.label}：{field.value}" for field in record.fields)
            records.add_widget(InfoCard(icon=record.kind if record.kind in ICONS else "info",
                                        title=in_language(record.title, record.title_en, language), lines=lines))
        if not view.records:
            records.add_widget(KioskLabel(text=app.tr("one_card.no_records", language), halign="left"))

    def on_kv_post(self, *_args) -> None:
        App.get_running_app().bind(language=lambda *_: self._fill_lists(self.view))


load_kv_beside(__file__)
