"""好差评: rate what was just served (the app opens this screen from `Visit.finish_journey`), or identify by ID card
and choose a case. Logic in kiosk.journeys.review.ReviewJourney; this screen renders its view.

The five levels carry their names, a face and a row of stars, never colour alone; chosen reasons carry a
check mark. `ChoiceChip` is shared with the 投诉建议 screen. Beside the reasons, an unsatisfied citizen may write a
comment by hand or in pinyin (screens/widgets/chinese_input.py); where neither works here, it is not offered.
"""

from dataclasses import replace

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from domain.review_scale import LEVELS, REASONS
from kiosk.journeys.review import MAX_COMMENT, ReviewJourney, ReviewStep, ReviewView
from screens import one_card  # noqa: F401  (the CardPlacement rule: 好差评 may be the first screen built)
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, chinese_input, common, keypad, top_bar  # noqa: F401
from screens.widgets.common import KioskButton, KioskSecondaryButton

__all__ = ["ReviewScreen", "LevelButton", "ChoiceChip"]

class LevelFace(Widget):
    """A face whose mouth curves from a smile (mood 2) to a frown (mood -2), drawn at `s`, its shorter side."""

    mood = NumericProperty(0)
    s = NumericProperty(0)


class LevelButton(ButtonBehavior, BoxLayout):
    """One of the five levels: a face (smile to frown), its name and its stars."""

    level = StringProperty("")
    mood = NumericProperty(0)     # 2 very satisfied … -2 very dissatisfied: the mouth's curve
    stars = NumericProperty(0)    # 5 … 1: a second mark besides the face


class ChoiceChip(KioskSecondaryButton):
    """A big choice that can be taken back: `chosen` shows a check mark and the primary colours.
    Its words are the catalogue text `label`, or `words` as given (a matter's name from the hall)."""

    code = StringProperty("")
    label = StringProperty("")
    words = StringProperty("")
    chosen = BooleanProperty(False)


class ReviewScreen(JourneyScreen):
    can_write = BooleanProperty(True)       # handwriting or pinyin works on this machine
    max_comment = NumericProperty(MAX_COMMENT)
    _samples: dict = {}     # --screenshot's views of the comment step → the input shown in use

    def make_journey(self, app) -> ReviewJourney:
        target, app.visit.pending_review = app.visit.pending_review, None   # read once: a second visit rates anew
        return ReviewJourney(hall=app.live_hall, outbox=app.hall.outbox if app.hall else None, worker=app.worker,
                             session=app.session, on_change=self.show, target=target)

    def blank_view(self) -> ReviewView:
        return ReviewView(ReviewStep.WAITING_CARD)

    def show(self, view: ReviewView) -> None:
        if self.manager and self.manager.current == self.name and view.step is not self.view.step:
            spoken = {ReviewStep.WAITING_CARD: "review.place_card", ReviewStep.RATE: "review.rate_prompt",
                      ReviewStep.THANKS: "review.thanks"}.get(view.step)
            if spoken:
                App.get_running_app().speak(spoken)
        if (view.step is ReviewStep.PHONE) != (self.view.step is ReviewStep.PHONE):
            self.ids.phone_pad.clear()  # the number lives in the session, never in a hidden widget
        self.ids.commenter.follow_step(was_writing=self.view.step is ReviewStep.COMMENT,
                                       writing=view.step is ReviewStep.COMMENT, text=view.comment,
                                       sample=self._samples.get(view, ""))
        if view.step is ReviewStep.REASONS and self.view.step is not ReviewStep.REASONS:
            chinese_input.offer_writing(self)   # 写几句 only where handwriting or pinyin works
        super().show(view)

    # --- rendering ---------------------------------------------------------------------------------

    def render(self, view: ReviewView) -> None:
        cases = self.ids.get("cases")
        if cases is None:
            return  # before the layout is built; on_kv_post renders
        app = App.get_running_app()
        cases.clear_widgets()
        for case in view.cases if view.step is ReviewStep.CHOOSE_CASE else ():
            button = KioskButton(text=app.tr("review.case_line", app.language, matter=case.matter.name,
                                             number=case.case_number, status=case.status_name),
                                 size_hint_y=None, height=dp(app.theme.target_dp) * 1.6)
            button.case_number = case.case_number
            button.bind(on_release=lambda button: self.journey and self.journey.choose_case(button.case_number))
            cases.add_widget(button)
        for chip in self.ids.reasons.children:
            chip.chosen = chip.code in view.reasons

    def on_kv_post(self, *_args) -> None:
        for index, level in enumerate(LEVELS):
            button = LevelButton(level=level, mood=2 - index, stars=len(LEVELS) - index)
            button.bind(on_release=lambda button: self.choose_level(button.level))
            self.ids.levels.add_widget(button)
        for reason in REASONS:
            chip = ChoiceChip(code=reason, label=f"review.reason.{reason}")
            chip.bind(on_release=lambda chip: self.journey and self.journey.toggle_reason(chip.code))
            self.ids.reasons.add_widget(chip)
        self.render(self.view)
        App.get_running_app().bind(language=lambda *_: self.render(self.view))

    def choose_level(self, level: str) -> None:
        if self.journey is None:
            return
        if self.view.step is ReviewStep.RATE:
            self.journey.rate(level)
        else:
            self.journey.rate_indicator(level)

    def level_button(self, level: str) -> LevelButton:
        return next(button for button in self.ids.levels.children if button.level == level)

    def reason_chip(self, reason: str) -> ChoiceChip:
        return next(chip for chip in self.ids.reasons.children if chip.code == reason)

    def case_button(self, case_number: str) -> KioskButton:
        return next(button for button in self.ids.cases.children if button.case_number == case_number)

    def screenshot_views(self) -> list[tuple[str, ReviewView]]:
        from kiosk.hall.models import Case, MatterRef  # only for --screenshot

        case = Case(case_number="YT2026SC000123", matter=MatterRef(code="SC001", name="营业执照办理"),
                    applicant_masked="张**", status="approving", status_name="审批中", accepted_at="2026-11-22",
                    due_date="2026-11-27", steps=())
        unhappy = ReviewView(ReviewStep.REASONS, subject="A023 社保医保综合窗口", level="dissatisfied",
                             reasons=frozenset({"long_wait"}))
        commenting_by_hand = replace(unhappy, step=ReviewStep.COMMENT, comment="只开了")
        commenting_in_pinyin = replace(unhappy, step=ReviewStep.COMMENT, comment="只开了一个窗口，")
        self._samples = {commenting_by_hand: "handwriting", commenting_in_pinyin: "pinyin"}
        return [
            ("waiting-card", ReviewView(ReviewStep.WAITING_CARD)),
            ("choose-case", ReviewView(ReviewStep.CHOOSE_CASE, masked_name="张**", cases=(case,))),
            ("rate", ReviewView(ReviewStep.RATE, subject="A023 社保医保综合窗口")),
            ("indicators", ReviewView(ReviewStep.INDICATORS, subject="A023 社保医保综合窗口", level="satisfied",
                                      indicator_index=1, indicators=(("overall", "satisfied"),))),
            ("reasons", unhappy),
            ("reasons-commented", replace(unhappy, comment="只开了一个窗口，排队的人很多，等了一个多小时。")),
            ("comment-handwriting", commenting_by_hand),
            ("comment-pinyin", commenting_in_pinyin),
            ("phone", replace(unhappy, step=ReviewStep.PHONE)),
            ("thanks", replace(unhappy, step=ReviewStep.THANKS, masked_phone="138****0001",
                               reference="7F3K-9Q2M-XA4B-C8D1")),
            # One problem step stands for all five: they share one panel (message, try again, done).
            ("not-served", ReviewView(ReviewStep.NOT_SERVED, subject="A023 社保医保综合窗口",
                                      problem="review.not_served")),
        ]

    # --- texts the .kv binds to ----------------------------------------------------------------------

    def level_prompt(self, view: ReviewView, language: str) -> str:
        app = App.get_running_app()
        if view.step is ReviewStep.INDICATORS:
            return app.tr("review.indicator_prompt", language, number=view.indicator_index + 1,
                          indicator=app.tr(f"review.indicator.{view.indicator}", language))
        return app.tr("review.rate_prompt", language)

    def subject_text(self, view: ReviewView, language: str) -> str:
        app = App.get_running_app()
        return app.tr("review.subject", language, subject=view.subject) if view.subject else ""

    def thanks_text(self, view: ReviewView, language: str) -> str:
        app = App.get_running_app()
        lines = [app.tr("review.thanks", language)]
        if view.unsatisfied:
            lines.append(app.tr("review.thanks_sorry", language))
            if view.masked_phone:
                lines.append(app.tr("review.thanks_callback", language, phone=view.masked_phone))
        lines.append(app.tr("review.thanks_kept", language))
        return "\n".join(lines)

    def busy_text(self, step: str, language: str) -> str:
        app = App.get_running_app()
        keys = {"checking": "review.checking", "looking_up": "review.looking_up", "saving": "review.saving"}
        return app.tr(keys[step], language) if step in keys else ""


load_kv_beside(__file__)
