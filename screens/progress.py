"""办件查询: the citizen places the ID card (all their cases) or types the case number and its query code on the
keypad, and
sees each case's steps (受理, 审批, 办结, 送达) as a timeline. Logic in kiosk.journeys.progress.ProgressJourney;
this screen renders its view and passes on taps and card events."""

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.journeys.progress import ProgressJourney, ProgressStep, ProgressView, step_time
from screens import one_card  # noqa: F401  (the CardPlacement animation rule)
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, common, keypad, top_bar  # noqa: F401

__all__ = ["ProgressScreen", "CaseCard", "TimelineStep"]


class TimelineStep(BoxLayout):
    """One step of a case: a marker (filled when done, ringed when current, hollow when pending, and the
    state in words beside it, so colour is never the only sign), the step, its time and office."""

    status = StringProperty("pending")
    heading = StringProperty("")
    detail = StringProperty("")


class CaseCard(BoxLayout):
    heading = StringProperty("")
    summary = StringProperty("")


class ProgressScreen(JourneyScreen):
    def make_journey(self, app) -> ProgressJourney:
        return ProgressJourney(hall=app.live_hall, worker=app.worker, session=app.session, on_change=self.show,
                               clock=app.clock)

    def blank_view(self) -> ProgressView:
        return ProgressView(ProgressStep.CHOOSE)

    def on_leave(self, *_args) -> None:
        super().on_leave()
        self.ids.keypad.clear()  # a typed case number is not left for the next citizen

    def render(self, view: ProgressView) -> None:
        if view.step is ProgressStep.ENTER_NUMBER and self.ids.keypad.text != view.case_number:
            self.ids.keypad.text = view.case_number
        if view.step is ProgressStep.ENTER_CODE and not view.problem:
            self.ids.keypad.clear()           # the code is typed afresh; the number stays in the view
        self._fill_cases(view)
        if view.step is ProgressStep.CHOOSE and self.manager and self.manager.current == self.name:
            App.get_running_app().speak("case_progress.place_card")

    def screenshot_views(self) -> list[tuple[str, ProgressView]]:
        """Each panel once, with fictitious data, for `main.py --screenshot` and the accessibility walk."""
        from kiosk.hall.models import Case, CaseStep, MatterRef  # only for --screenshot

        def case(number: str, matter: str, status: str, done: int) -> Case:
            names = (("accept", "受理"), ("approve", "审批"), ("complete", "办结"), ("deliver", "送达"))
            steps = tuple(CaseStep(step=code, name=name,
                                   status="done" if i < done else ("current" if i == done else "pending"),
                                   at=f"2026-11-{20 + i}T10:12:00+08:00" if i < done else None,
                                   office="示例区行政审批局", note="材料齐全" if i < done else "")
                          for i, (code, name) in enumerate(names))
            return Case(case_number=number, matter=MatterRef(code="SC001", name=matter), applicant_masked="张**",
                        status=status, status_name="", accepted_at="2026-11-20T10:12:00+08:00",
                        due_date="2026-11-27", steps=steps)

        cases = (case("YT2026SC000123", "营业执照办理", "approving", 2),
                 case("YT2026JJ000045", "换领机动车驾驶证", "delivered", 4))
        return [
            ("choose", ProgressView(ProgressStep.CHOOSE)),
            ("enter_number", ProgressView(ProgressStep.ENTER_NUMBER, case_number="YT2026SC")),
            ("enter_code", ProgressView(ProgressStep.ENTER_CODE, case_number="YT2026SC000123")),
            ("result", ProgressView(ProgressStep.RESULT, by_card=True, masked_name="张**", cases=cases)),
            ("not_found", ProgressView(ProgressStep.NOT_FOUND, case_number="YT2026SC999999",
                                       problem="case_progress.number_not_found")),
            ("unavailable", ProgressView(ProgressStep.UNAVAILABLE, problem="case_progress.hall_down")),
        ]

    def search(self) -> None:
        if self.journey is not None:
            self.journey.look_up_number(self.ids.keypad.text)

    @staticmethod
    def keypad_shown(step: str) -> bool:
        """The keypad panel: for the case number, then for its query code."""
        return step in (ProgressStep.ENTER_NUMBER.value, ProgressStep.ENTER_CODE.value)

    def prompt_text(self, step: str, language: str) -> str:
        key = "case_progress.code_prompt" if step == ProgressStep.ENTER_CODE.value else "case_progress.number_prompt"
        return App.get_running_app().tr(key, language)

    def problem_text(self, view: ProgressView, language: str) -> str:
        if not view.problem:
            return ""
        return App.get_running_app().tr(view.problem, language, number=view.case_number)

    def _fill_cases(self, view: ProgressView) -> None:
        app = App.get_running_app()
        language = app.language
        cases = self.ids.cases
        cases.clear_widgets()
        if view.step is not ProgressStep.RESULT:
            return
        for case in view.cases:
            card = CaseCard(heading=case.matter.name, summary=app.tr(
                "case_progress.case_lines", language, number=case.case_number, due=case.due_date,
                status=app.tr(f"case_progress.status.{case.status}", language)))
            for step in case.steps:
                when = step_time(step.at, app.clock)
                card.ids.steps.add_widget(TimelineStep(
                    status=step.status,
                    heading=app.tr("case_progress.timeline_line", language,
                                   step=app.tr(f"case_progress.step.{step.step}", language),
                                   state=app.tr(f"case_progress.state.{step.status}", language)),
                    detail="  ".join(part for part in (when, step.office if when else "", step.note) if part)))
            cases.add_widget(card)

    def on_kv_post(self, *_args) -> None:
        App.get_running_app().bind(language=lambda *_: self._fill_cases(self.view))


load_kv_beside(__file__)
