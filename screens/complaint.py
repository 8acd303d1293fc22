"""投诉建议: complaint or suggestion, optionally the matter, the words from big phrase chips and/or the citizen's
own, written by hand or in pinyin on the touchscreen (screens/widgets/chinese_input.py), an optional phone
number on the keypad; the reference number shown big. Logic in kiosk.journeys.complaint.ComplaintJourney.

Where neither handwriting nor pinyin works on this machine, the form offers the chips alone and says so.
"""

from dataclasses import replace

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty

from kiosk.journeys.complaint import MAX_TEXT, PHRASES, ComplaintJourney, ComplaintStep, ComplaintView, phrase_key
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.review import ChoiceChip
from screens.widgets import busy, chinese_input, common, keypad, top_bar  # noqa: F401

__all__ = ["ComplaintScreen"]


class ComplaintScreen(JourneyScreen):
    STEP_NUMBERS = {"kind": 1, "matter": 2, "phrases": 3, "write": 3, "phone": 4}

    can_write = BooleanProperty(True)       # handwriting or pinyin works on this machine
    max_text = NumericProperty(MAX_TEXT)
    # What the chip grids hold now: they are rebuilt only when the matters or the kind change.
    _matters_shown: tuple | None = None
    _kind_shown: str | None = None
    _samples: dict = {}     # --screenshot's views of the writing step → the input shown in use

    def make_journey(self, app) -> ComplaintJourney:
        hall = app.hall
        return ComplaintJourney(
            outbox=hall.outbox if hall else None, worker=app.worker, session=app.session, on_change=self.show,
            phrase_text=lambda key: app.tr(key, "zh"),     # the hall's staff read Chinese
            matters=(lambda: hall.catalogue.matters().value) if hall else None,
        )

    def blank_view(self) -> ComplaintView:
        return ComplaintView(ComplaintStep.KIND)

    def show(self, view: ComplaintView) -> None:
        if self.manager and self.manager.current == self.name and view.step is not self.view.step:
            spoken = {ComplaintStep.KIND: "complaint.kind_prompt", ComplaintStep.DONE: "complaint.done_title"}
            if view.step in spoken:
                App.get_running_app().speak(spoken[view.step])
        if (view.step is ComplaintStep.PHONE) != (self.view.step is ComplaintStep.PHONE):
            self.ids.phone_pad.clear()  # the number lives in the session, never in a hidden widget
        self.ids.writer.follow_step(was_writing=self.view.step is ComplaintStep.WRITE,
                                    writing=view.step is ComplaintStep.WRITE, text=view.text,
                                    sample=self._samples.get(view, ""))
        if view.step is ComplaintStep.PHRASES and self.view.step is not ComplaintStep.PHRASES:
            chinese_input.offer_writing(self)   # 写几句 only where handwriting or pinyin works
        super().show(view)

    def render(self, view: ComplaintView) -> None:
        if "matters" not in self.ids:
            return  # before the layout is built
        if view.matters != self._matters_shown:
            self._fill_matters(view)
        if view.kind != self._kind_shown:
            self._fill_phrases(view)
        for chip in self.ids.phrases.children:
            chip.chosen = chip.code in view.phrases

    def _fill_matters(self, view: ComplaintView) -> None:
        grid = self.ids.matters
        grid.clear_widgets()
        self._matters_shown = view.matters
        for matter in view.matters:
            chip = ChoiceChip(code=matter.code, words=matter.name)
            chip.bind(on_release=lambda chip: self.journey and self.journey.choose_matter(chip.code))
            grid.add_widget(chip)

    def _fill_phrases(self, view: ComplaintView) -> None:
        grid = self.ids.phrases
        grid.clear_widgets()
        self._kind_shown = view.kind
        for phrase in PHRASES.get(view.kind, ()):
            chip = ChoiceChip(code=phrase, label=phrase_key(view.kind, phrase))
            chip.bind(on_release=lambda chip: self.journey and self.journey.toggle_phrase(chip.code))
            grid.add_widget(chip)

    def matter_chip(self, code: str) -> ChoiceChip:
        return next(chip for chip in self.ids.matters.children if chip.code == code)

    def phrase_chip(self, phrase: str) -> ChoiceChip:
        return next(chip for chip in self.ids.phrases.children if chip.code == phrase)

    def screenshot_views(self) -> list[tuple[str, ComplaintView]]:
        from kiosk.hall.models import MatterSummary  # only for --screenshot

        matters = tuple(MatterSummary(code=code, name=name, category=category, department="", one_id=True,
                                      cross_region=False, appointable=True, queue=category)
                        for code, name, category in (("SB001", "社保参保登记", "social"),
                                                     ("GJJ001", "公积金提取", "housing_fund"),
                                                     ("JJ001", "换领机动车驾驶证", "traffic")))
        chosen = ComplaintView(ComplaintStep.PHRASES, kind="complaint", matters=matters, matter_code="SB001",
                               matter_name="社保参保登记", phrases=("long_wait",))
        writing_by_hand = ComplaintView(ComplaintStep.WRITE, kind="complaint", text="窗口")
        writing_in_pinyin = ComplaintView(ComplaintStep.WRITE, kind="complaint", text="窗口人太少，")
        self._samples = {writing_by_hand: "handwriting", writing_in_pinyin: "pinyin"}
        return [
            ("kind", ComplaintView(ComplaintStep.KIND)),
            ("matter", ComplaintView(ComplaintStep.MATTER, kind="complaint", matters=matters)),
            ("phrases", chosen),
            ("phrases-written", replace(chosen, text="窗口人太少，排队等了一个多小时。")),
            ("write-handwriting", writing_by_hand),
            ("write-pinyin", writing_in_pinyin),
            ("phone", ComplaintView(ComplaintStep.PHONE, kind="complaint", phrases=("long_wait",))),
            ("done", ComplaintView(ComplaintStep.DONE, kind="complaint", phrases=("long_wait",),
                                   masked_phone="138****0001", reference="7F3K-9Q2M-XA4B-C8D1")),
            ("not-saved", ComplaintView(ComplaintStep.NOT_SAVED, kind="suggestion", problem="complaint.not_saved")),
        ]

    # --- texts the .kv binds to ----------------------------------------------------------------------

    def done_text(self, view: ComplaintView, language: str) -> str:
        app = App.get_running_app()
        lines = [app.tr("complaint.reference_hint", language), app.tr("complaint.kept", language)]
        if view.masked_phone:
            lines.append(app.tr("complaint.reply_phone", language, phone=view.masked_phone))
        return "\n".join(lines)

    def busy_text(self, step: str, language: str) -> str:
        app = App.get_running_app()
        keys = {"loading_matters": "complaint.loading", "saving": "complaint.saving"}
        return app.tr(keys[step], language) if step in keys else ""


load_kv_beside(__file__)
