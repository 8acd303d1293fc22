"""Themed building blocks used by every screen: labels and buttons that follow `app.theme`, and the
layouts that keep the kiosk's layout rules (checked on every screen state by tests/screens/test_every_state.py):

| Rule | Kept by |
|---|---|
| a hidden widget takes no room | `CollapsingBoxLayout`: a child with opacity 0 is laid out as if absent (spacing too) and gets no touches |
| a panel that does not fit scrolls, visibly | `StepPanel` and `KioskScrollView`: a scroll bar in the theme's `edge` colour that does not fade |
| no line break inside a word, a number or a button's phrase | `KioskLabel`, `KioskButton` (screens/widgets/line_breaks.py) |
| an input box stands out from what is behind it | `EntryDisplay`: framed in the theme's `edge` colour (3:1 or more) |
| a button stands out from what is behind it | `KioskSecondaryButton` and `KioskDangerButton` are framed, 3:1 or more |
| lines have room (1.3 times the text) | every `Label`, by the rule `<Label>` in common.kv |
| the primary action is always in the same place | `KioskActionBar`: at the bottom, the primary action last (on the right) |

Icons (kiosk.theme.icons) come through `Icon`: a glyph of the icon font, beside words, never alone; without the
font it is hidden and takes no room. `StepIndicator` says "第2步 / 共4步" on journeys of several steps.

To hide a widget, give it opacity 0 (and `disabled`, so it takes no touches wherever it is); in a
`CollapsingBoxLayout` (a `StepPanel`, the top bar, a keypad) that is all it takes.
"""

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty, VariableListProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from screens.kv import load_kv_beside
from screens.widgets.line_breaks import BreaksLinesWell

from kiosk.theme.icons import ICONS

__all__ = ["KioskLabel", "KioskButton", "KioskSecondaryButton", "KioskDangerButton", "EntryDisplay",
           "CollapsingBoxLayout", "KioskScrollView", "StepPanel", "Icon", "IconMessage", "InfoCard",
           "KioskActionBar", "StepIndicator", "icon_font", "icon_markup"]


def icon_markup(icon: str, text: str) -> str:
    """Kivy markup: the icon's glyph (when the font is there) and two spaces before `text` (escaped)."""
    escaped = text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
    font, glyph = icon_font(), ICONS.get(icon, "")
    return f"[font={font}]{glyph}[/font]  {escaped}" if font and glyph else escaped


def icon_font() -> str:
    """The icon font's file, or "" where it is not installed (then every Icon is hidden)."""
    fonts = getattr(App.get_running_app(), "fonts", None)
    return str(fonts.icon_font) if fonts is not None and fonts.icon_font is not None else ""


class KioskLabel(BreaksLinesWell, Label):
    """Body text in the theme's size and colour, wrapping at the label's width (needed for CJK), never
    inside a word or a number. Without text it is hidden (see `hidden_when_empty`)."""

    hidden_when_empty = BooleanProperty(True)


class KioskButton(BreaksLinesWell, Button):
    """A large primary button: at least the theme's touch-target size in both directions. Its label
    breaks only between phrases, and shrinks a little rather than break a phrase."""


class KioskSecondaryButton(KioskButton):
    """A large button for the less important choice; never distinguished by colour alone (it has its own words)."""


class KioskDangerButton(KioskButton):
    """An action that cannot be undone (取消预约): outlined in the alert colour, its words in that colour,
    never the same weight as the action beside it."""


class Icon(Label):
    """One glyph of the icon font, by meaning (kiosk.theme.icons.ICONS); hidden where the font is missing."""

    icon = StringProperty("")

    def glyph(self, icon: str) -> str:
        return ICONS.get(icon, "") if icon_font() else ""

    @staticmethod
    def font_file() -> str:
        return icon_font()


class IconMessage(KioskLabel):
    """A status line that starts with its icon (card, printer, success, error), drawn inline in the icon font so
    that it wraps and centres with the words; hidden when there is no message."""

    icon = StringProperty("")
    message = StringProperty("")

    def compose(self, icon: str, message: str) -> str:
        return icon_markup(icon, message) if message else ""


class StepIndicator(KioskLabel):
    """"第2步 / 共4步": where the citizen is on a journey of several steps (empty, so hidden, elsewhere)."""

    number = NumericProperty(0)
    total = NumericProperty(0)


class EntryDisplay(KioskLabel):
    """What the citizen has typed (on a keypad or a keyboard), big, on the surface colour and framed, so the
    box shows even before anything is typed and where surface and background are the same white."""


class CollapsingBoxLayout(BoxLayout):
    """A BoxLayout in which a hidden child (opacity 0) takes no room and no touches: the shown children
    are laid out exactly as if it were not there, spacing included, and follow when it shows again."""

    def add_widget(self, widget, *args, **kwargs):
        widget.fbind("opacity", self._trigger_layout)
        return super().add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget, *args, **kwargs):
        widget.funbind("opacity", self._trigger_layout)
        return super().remove_widget(widget, *args, **kwargs)

    def do_layout(self, *_args) -> None:
        shown = [child for child in self.children if child.opacity > 0]
        if not shown:
            left, top, right, bottom = self.padding
            self.minimum_size = left + right, top + bottom
            return
        # BoxLayout's own arithmetic (Kivy 2.3), given only the shown children.
        sizes = [(c.size, c.size_hint, c.pos_hint, c.size_hint_min, c.size_hint_max) for c in shown]
        for index, x, y, width, height in self._iterate_layout(sizes):
            child = shown[index]
            child.pos = x, y
            hint_x, hint_y = child.size_hint
            if hint_x is None:
                if hint_y is not None:
                    child.height = height
            elif hint_y is None:
                child.width = width
            else:
                child.size = width, height

    def on_touch_down(self, touch) -> bool:
        if self.disabled and self.collide_point(*touch.pos):
            return True
        return any(child.dispatch("on_touch_down", touch) for child in self.children[:] if child.opacity > 0)

    def on_touch_move(self, touch) -> bool:
        if self.disabled:
            return False
        return any(child.dispatch("on_touch_move", touch) for child in self.children[:] if child.opacity > 0)

    def on_touch_up(self, touch) -> bool:
        if self.disabled:
            return False
        return any(child.dispatch("on_touch_up", touch) for child in self.children[:] if child.opacity > 0)


class InfoCard(KioskLabel):
    """A framed card of facts (an appointment, a 一证通办 record): a bold title with its icon, then its lines,
    aligned left on the surface colour, so that a result reads as a set of cards rather than a text dump."""

    icon = StringProperty("")
    title = StringProperty("")
    lines = StringProperty("")

    def compose(self, icon: str, title: str, lines: str) -> str:
        escaped = lines.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
        return f"[b]{icon_markup(icon, title)}[/b]" + (f"\n{escaped}" if lines else "")


class KioskActionBar(CollapsingBoxLayout):
    """The row of a step's actions at the bottom of the screen, always the same height and place: 返回 or
    another way out first (left), the primary action last (right). A hidden action takes no room."""


class KioskScrollView(ScrollView):
    """Vertical scrolling with a bar that stays visible while there is more to see (a citizen who does
    not know the screen scrolls still sees that there is more), and no elastic bounce. While it scrolls,
    its content leaves the bar its own strip on the right instead of running under it. (Stable: content
    made narrower only grows taller, so it goes on scrolling.) While there is more below, an arrow at the
    bottom of the bar's strip points down to it."""

    more_below = BooleanProperty(False)

    def on_scroll_y(self, _view, scroll_y: float) -> None:
        self._update_more_below()

    def _update_more_below(self, *_args) -> None:
        content = self._viewport
        self.more_below = bool(content is not None and self.height > 0 and content.height > self.height + 0.5
                               and self.do_scroll_y and self.scroll_y > 0.001)

    def add_widget(self, widget, *args, **kwargs):
        super().add_widget(widget, *args, **kwargs)
        widget.size_hint_x = None
        widget.fbind("height", self._share_the_width)
        self.fbind("size", self._share_the_width)
        self._share_the_width()

    def _share_the_width(self, *_args) -> None:
        content = self._viewport
        if content is not None:
            scrolls = content.height > self.height + 0.5
            content.width = self.width - (self.bar_width + 2 * self.bar_margin if scrolls else 0)
        self._update_more_below()


class StepPanel(KioskScrollView):
    """One step of a journey; only the shown panel is drawn, laid out and touchable.

    Its children go into a vertical `CollapsingBoxLayout` (`content`, with the panel's padding and
    spacing) that is as tall as the panel, or taller when they need more room: then the panel scrolls
    and shows its bar, instead of its top drawing over the title above it. A panel shown again starts
    at its top.

    A hidden panel has no size, but its buttons keep their minimum size (size_hint_min), and a disabled
    Kivy widget still swallows the touches that hit it: so a hidden panel passes every touch on, and is
    also parked off screen."""

    shown = BooleanProperty(False)
    padding = VariableListProperty([0, 0, 0, 0])
    spacing = NumericProperty(0)

    def __init__(self, **kwargs) -> None:
        self.content = None
        super().__init__(**kwargs)
        self.content = CollapsingBoxLayout(orientation="vertical", size_hint_y=None,
                                           padding=self.padding, spacing=self.spacing)
        super().add_widget(self.content)
        self.fbind("padding", lambda _panel, padding: setattr(self.content, "padding", padding))
        self.fbind("spacing", lambda _panel, spacing: setattr(self.content, "spacing", spacing))
        self.fbind("height", self._fit_content)
        self.content.fbind("minimum_height", self._fit_content)

    def add_widget(self, widget, *args, **kwargs):
        if self.content is None:
            return super().add_widget(widget, *args, **kwargs)
        return self.content.add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget, *args, **kwargs):
        if widget is self.content or self.content is None:
            return super().remove_widget(widget, *args, **kwargs)
        return self.content.remove_widget(widget, *args, **kwargs)

    def _fit_content(self, *_args) -> None:
        self.content.height = max(self.height, self.content.minimum_height)
        self.do_scroll_y = self.content.minimum_height > self.height + 0.5
        self._update_more_below()

    def on_shown(self, _panel, shown: bool) -> None:
        if shown:
            self.scroll_y = 1

    def on_touch_down(self, touch) -> bool:
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch) -> bool:
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch) -> bool:
        return super().on_touch_up(touch) if self.shown else False


load_kv_beside(__file__)
