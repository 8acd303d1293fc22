"""办事指南: browse the matters by category, search them on the letter keyboard (pinyin initials, or characters
chosen from the candidates the letters offer) or by writing characters by hand or in pinyin
(screens/widgets/chinese_input.py) behind a 字母 | 手写 | 拼音 switch, open one matter's guide and print its material
list; 一件事一次办 packages too. Logic in kiosk.journeys.guide.GuideJourney; this screen renders its view and passes
on the citizen's taps.

The search text has one home, the letter keyboard's `text` (whose changes go to the journey); the Chinese input
mirrors it, so each way of typing goes on from what the others typed. Where neither handwriting nor pinyin works on
this machine the switch is not shown and the letter keyboard remains.

Lists are paged with big 上一页/下一页 buttons, fewer items a page in elder mode, two columns in landscape. Values
from the hall are escaped before they reach a label that uses markup.
"""

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.utils import escape_markup

from domain.printouts import SiteLines
from kiosk.hall.catalogue import describe_age
from kiosk.hall.models import Category, Matter, ServicePackage
from kiosk.devices.text_input.pinyin import PinyinState
from kiosk.journeys.guide import GuideJourney, GuideStep, GuideView, copies_text, time_limit_text
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, chinese_input, common, letter_keyboard, top_bar  # noqa: F401
from screens.widgets.common import KioskLabel

__all__ = ["GuideScreen", "GuideItem", "GuidePager", "page_size_for", "candidates_for"]

LIST_STEPS = {"browse", "matters", "search", "packages", "package"}
WRITING = ("handwriting", "pinyin")   # the input methods of the Chinese input (the third is the letter keyboard)
# What the screenshots show being typed in pinyin after 社保: "ka", with the characters it can be.
SAMPLE_SEARCH_PINYIN = PinyinState(preedit="ka", candidates=("卡", "咖", "卡片", "咔", "喀", "佧"), has_next=True)


def page_size_for(elder_mode: bool) -> int:
    """Items a page: fewer and bigger in elder mode (landscape shows them in two columns)."""
    return 4 if elder_mode else 6


def candidates_for(elder_mode: bool) -> int:
    """Candidate characters in one row of keys at the touch target, in the narrower landscape column too."""
    return 6 if elder_mode else 8


class GuideItem(ButtonBehavior, BoxLayout):
    """One thing to tap in a list: a category, a matter, a package, or a matter of a package."""

    code = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")


class GuidePager(FloatLayout):
    """Big 上一页 / 下一页 buttons for the list of `screen` (the GuideScreen whose view it pages), each in a
    place of its own: a button that appears or goes never moves the others under a citizen's finger."""

    screen = ObjectProperty(None, allownone=True, rebind=True)


class GuideScreen(JourneyScreen):
    service = StringProperty("guide")
    input_methods = ListProperty(["letters", *WRITING])   # what the search's switch offers on this machine
    _matter_shown = ""          # the code of the guide on screen, to open each new one at its top
    _samples: frozenset = frozenset()   # --screenshot's search views that show the Chinese input in use

    def make_journey(self, app) -> GuideJourney:
        printer = app.settings.devices.printer
        return GuideJourney(
            guides=app.hall.catalogue if app.hall is not None else None, worker=app.worker, devices=app.devices,
            site=SiteLines(header=printer.header_lines, footer=printer.footer_lines), texts=app.catalogue,
            on_change=self.show, page_size=page_size_for(app.elder_mode), clock=app.clock,
        )

    def blank_view(self) -> GuideView:
        return GuideView(GuideStep.LOADING)

    def on_leave(self, *_args) -> None:
        super().on_leave()
        self.ids.keyboard.clear()       # the next citizen's search starts empty
        self.ids.writer.clear()         # ... and nothing half written stays on the pad or in librime
        self._matter_shown = ""

    def on_kv_post(self, *_args) -> None:
        app = App.get_running_app()
        app.bind(language=lambda *_: self.render(self.view), elder_mode=self._follow_elder_mode)
        keyboard, writer = self.ids.keyboard, self.ids.writer
        keyboard.bind(text=lambda _keyboard, typed: self.journey and self.journey.type_query(typed))
        # One search text, typed three ways (an unchanged value is not passed on, so this ends).
        keyboard.bind(text=lambda _keyboard, typed: setattr(writer, "text", typed))
        writer.bind(text=lambda _writer, written: setattr(keyboard, "text", written))
        writer.bind(methods=self._offer_methods)

    def _offer_methods(self, *_args) -> None:
        """Offer what works on this machine; a method withdrawn while in use gives way to the letters."""
        self.input_methods = ["letters", *self.ids.writer.methods]
        if self.journey is not None and self.view.input_method not in self.input_methods:
            self.journey.choose_input("letters")

    def _follow_elder_mode(self, *_args) -> None:
        app = App.get_running_app()
        if self.journey is not None:
            self.journey.set_page_size(page_size_for(app.elder_mode))

    # --- the citizen's taps ---------------------------------------------------------------------------

    def back(self) -> None:
        if self.journey is None or not self.journey.back():
            App.get_running_app().visit.go_home()

    def open_search(self) -> None:
        if self.journey is not None:
            self.ids.keyboard.clear()
            self.ids.writer.clear()
            self.journey.open_search()

    def choose_input(self, method: str) -> None:
        if self.journey is not None and method in self.input_methods:
            self.journey.choose_input(method)

    def scroll_guide(self, screens: int) -> None:
        """Move the guide by whole screens (less a line, to keep the reader's place): +1 on, -1 back."""
        scroll, content = self.ids.matter_scroll, self.ids.matter_sections
        overflow = content.height - scroll.height
        if overflow > 0:
            scroll.scroll_y = min(1.0, max(0.0, scroll.scroll_y - screens * scroll.height * 0.9 / overflow))

    def choose(self, item: GuideItem) -> None:
        if self.journey is None:
            return
        step = self.view.step
        if step is GuideStep.BROWSE:
            self.journey.open_category(item.code)
        elif step is GuideStep.PACKAGES:
            self.journey.open_package(item.code)
        else:
            self.journey.open_matter(item.code)

    # --- rendering -----------------------------------------------------------------------------------

    def show(self, view: GuideView) -> None:
        if view.step is GuideStep.MATTER and view.printed and not self.view.printed:
            App.get_running_app().speak("guide.printed")
        searching, was_searching = view.step is GuideStep.SEARCH, self.view.step is GuideStep.SEARCH
        if searching and not was_searching:
            self.ids.writer.activate()  # starts the input thread once, and learns what works here
        if searching and (view.input_method != self.view.input_method or not was_searching):
            self._follow_input_method(view.input_method)
        if searching and view in self._samples:
            self.ids.writer.show_sample(view.input_method, pinyin=SAMPLE_SEARCH_PINYIN)
        super().show(view)

    def _follow_input_method(self, method: str) -> None:
        """The pad and the pinyin keyboard start empty whenever the method changes (the text itself stays)."""
        writer = self.ids.writer
        writer.ids.pad.rewrite()
        writer.ids.keyboard.clear()
        if method in WRITING:
            writer.method = method

    def screenshot_views(self) -> list[tuple[str, GuideView]]:
        from kiosk.journeys.guide_demo import demo_views  # only for --screenshot

        app = App.get_running_app()
        views = demo_views(page_size_for(app.elder_mode))
        self._samples = frozenset(view for step, view in views if step in ("search-handwriting", "search-pinyin"))
        return views

    def candidate(self, character: str):
        """The candidate key typing `character`."""
        return next(key for key in self.ids.candidates.children if key.text == character)

    def item(self, code: str) -> GuideItem:
        """The list item showing `code` on the page now showing."""
        return next(w for w in self._items_box().children if isinstance(w, GuideItem) and w.code == code)

    def _items_box(self):
        boxes = {GuideStep.BROWSE: "browse_items", GuideStep.SEARCH: "search_items"}
        return self.ids[boxes.get(self.view.step, "list_items")]

    def render(self, view: GuideView) -> None:
        if "browse_items" not in self.ids:
            return  # the blank view, before the layout is built
        app = App.get_running_app()
        language = app.language
        for box in (self.ids.browse_items, self.ids.list_items, self.ids.search_items, self.ids.matter_sections,
                    self.ids.candidates):
            box.clear_widgets()
        for character in view.candidates[:candidates_for(app.elder_mode)]:
            key = Factory.GuideCandidate(text=character)
            key.bind(on_release=lambda key: self.ids.keyboard.choose(key.text))
            self.ids.candidates.add_widget(key)
        if view.step is GuideStep.SEARCH:
            self.ids.search_scroll.scroll_y = 1     # new matches, or a new page of them, are seen from the top
        if view.step.value in LIST_STEPS:
            box = self._items_box()
            for entry in view.page_items:
                item = GuideItem(code=entry.code, **self._item_texts(entry, language))
                item.bind(on_release=self.choose)
                box.add_widget(item)
            if view.step is GuideStep.SEARCH and view.query and not view.listing:
                box.add_widget(KioskLabel(text=app.tr("guide.no_results", language)))
        if view.matter is not None and view.step in (GuideStep.MATTER, GuideStep.PRINTING):
            self._fill_matter(view.matter, language)

    def _item_texts(self, entry, language: str) -> dict:
        app = App.get_running_app()
        if isinstance(entry, Category):
            return {"title": entry.name, "detail": app.tr("guide.category_count", language, count=entry.matter_count)}
        if isinstance(entry, ServicePackage):
            return {"title": entry.name, "detail": entry.description}
        marks = [app.tr(key, language) for flag, key in ((getattr(entry, "one_id", False), "guide.mark_one_id"),
                                                        (getattr(entry, "cross_region", False),
                                                         "guide.mark_cross_region")) if flag]
        return {"title": entry.name, "detail": " · ".join(marks)}

    def _fill_matter(self, matter: Matter, language: str) -> None:
        app = App.get_running_app()
        box = self.ids.matter_sections
        texts = app.catalogue
        if matter.code != self._matter_shown:
            self.ids.matter_scroll.scroll_y = 1      # a guide opens at its top (printing keeps the place)
            self._matter_shown = matter.code

        def section(title_key: str, lines: list[str]) -> None:
            box.add_widget(GuideHeading(text=app.tr(title_key, language)))
            box.add_widget(KioskLabel(text="\n".join(lines), markup=True, halign="left"))

        box.add_widget(GuideMark(text=app.tr("guide.one_id_yes" if matter.one_id else "guide.one_id_no", language),
                                 marked=matter.one_id))
        box.add_widget(GuideMark(text=app.tr("guide.cross_region_yes" if matter.cross_region
                                             else "guide.cross_region_no", language), marked=matter.cross_region))
        section("guide.conditions", [f"• {escape_markup(condition)}" for condition in matter.conditions])
        materials = []
        for number, material in enumerate(matter.materials, start=1):
            copies = escape_markup(copies_text(texts, language, material))
            line = f"{number}. [b]{escape_markup(material.name)}[/b]  {copies}"
            if material.note:
                line += f"\n    {escape_markup(material.note)}"
            materials.append(line)
        section("guide.materials", materials)
        section("guide.fees", [escape_markup(matter.fees)])
        section("guide.time_limit", [escape_markup(time_limit_text(texts, language, matter))])
        section("guide.where", [escape_markup(matter.location)])
        section("guide.department", [escape_markup(matter.department)])

    # --- texts the layout asks for ------------------------------------------------------------------------

    def prompt(self, view: GuideView, language: str) -> str:
        app = App.get_running_app()
        if view.step is GuideStep.MATTERS and view.category is not None:
            return view.category.name
        if view.step is GuideStep.PACKAGE and view.package is not None:
            package = view.package
            return "\n".join((package.name, package.description,
                              app.tr("guide.package_days", language, days=package.promised_days),
                              app.tr("guide.package_matters", language)))
        key = {GuideStep.PACKAGES: "guide.packages_prompt", GuideStep.BROWSE: "guide.browse_prompt"}.get(view.step)
        return app.tr(key, language) if key else ""

    def saved_copy(self, view: GuideView, language: str) -> str:
        if view.saved_age_s is None or view.step in (GuideStep.LOADING, GuideStep.UNAVAILABLE):
            return ""
        app = App.get_running_app()
        return app.tr("guide.saved_copy", language, age=describe_age(view.saved_age_s, language, app.catalogue))

    def page_text(self, view: GuideView, language: str) -> str:
        if view.page_count < 2:
            return ""
        return App.get_running_app().tr("guide.page", language, page=view.page + 1, pages=view.page_count)

    def busy_text(self, step: str, language: str) -> str:
        keys = {"loading": "guide.loading", "opening": "guide.opening"}
        return App.get_running_app().tr(keys[step], language) if step in keys else ""

    def print_state(self, view: GuideView, language: str) -> str:
        app = App.get_running_app()
        if view.step is GuideStep.PRINTING:
            return app.tr("guide.printing", language)
        if view.problem and view.step is GuideStep.MATTER:
            return app.tr(view.problem, language)
        return app.tr("guide.printed", language) if view.printed else ""

    def list_problem(self, view: GuideView, language: str) -> str:
        if not view.problem or view.step.value not in LIST_STEPS:
            return ""
        return App.get_running_app().tr(view.problem, language)


class GuideHeading(KioskLabel):
    """The title of one part of a guide (办理条件, 需要带的材料, ...)."""


class GuideMark(KioskLabel):
    """一证通办 / 跨区通办 said in words on its own band (bold and framed when it applies, not colour alone)."""

    marked = BooleanProperty(False)


load_kv_beside(__file__)
