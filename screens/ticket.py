"""取号: choose a queue, get a number, take the printed ticket. The journey's logic is
kiosk.journeys.ticket.TicketJourney; this screen only renders its view and passes on the citizen's taps."""

from kivy.app import App
from kivy.properties import ObjectProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from domain.printouts import SiteLines
from kiosk.journeys.ticket import TicketJourney, TicketStep, TicketView
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, top_bar  # noqa: F401

__all__ = ["TicketScreen", "QueueButton"]


class QueueButton(ButtonBehavior, BoxLayout):
    queue = ObjectProperty(None, allownone=True)


class TicketScreen(JourneyScreen):
    def make_journey(self, app) -> TicketJourney:
        printer = app.settings.devices.printer
        return TicketJourney(
            hall=app.live_hall, devices=app.devices, worker=app.worker,
            site=SiteLines(header=printer.header_lines, footer=printer.footer_lines),
            hall_name=app.site_name("zh"), on_change=self.show, session=app.session,
            elderly_priority_age=app.settings.ui.elderly_priority_age, clock=app.clock,
        )

    def blank_view(self) -> TicketView:
        return TicketView(TicketStep.LOADING)

    def render(self, view: TicketView) -> None:
        if view.step is TicketStep.DONE:
            App.get_running_app().speak("ticket.take_ticket" if view.printed else "ticket.not_printed")
        if view.step is TicketStep.CHOOSE:
            self._fill_queues(view)

    def _fill_queues(self, view: TicketView) -> None:
        grid = self.ids.queues
        grid.clear_widgets()
        for queue in view.queues:
            button = QueueButton(queue=queue, disabled=not queue.open)
            button.bind(on_release=lambda button: self.journey and self.journey.choose(button.queue.code))
            grid.add_widget(button)

    def queue_button(self, code: str) -> QueueButton:
        return next(button for button in self.ids.queues.children if button.queue.code == code)

    def screenshot_views(self) -> list[tuple[str, TicketView]]:
        from screens.demo_views import DEMO_QUEUES, DEMO_TICKET  # only for --screenshot

        return [
            ("choose", TicketView(TicketStep.CHOOSE, queues=DEMO_QUEUES)),
            ("printing", TicketView(TicketStep.PRINTING, queues=DEMO_QUEUES, ticket=DEMO_TICKET)),
            ("done", TicketView(TicketStep.DONE, ticket=DEMO_TICKET, printed=True)),
            ("not-printed", TicketView(TicketStep.DONE, ticket=DEMO_TICKET, problem="printer.paper_out")),
            ("unavailable", TicketView(TicketStep.UNAVAILABLE, problem="ticket.hall_down")),
        ]

    def holder_text(self, view: TicketView, language: str) -> str:
        app = App.get_running_app()
        if not view.holder:
            age = app.settings.ui.elderly_priority_age
            return app.tr("ticket.card_for_priority", language, age=age) if age else ""
        name = app.fonts.markup(view.holder) if app.fonts else view.holder
        key = "ticket.identified_priority" if view.priority == "elderly" else "ticket.identified"
        return app.tr(key, language, name=name)

    def busy_text(self, step: str, language: str) -> str:
        app = App.get_running_app()
        return app.tr(f"progress.{step}", language) if step in ("loading", "issuing", "printing") else ""


load_kv_beside(__file__)
