"""The layout rules every screen state must keep, checked on the live widget tree (not on pixels).

    problems = rule_violations(app)        # [] when the window as it stands keeps every rule

| Rule | What is checked |
|---|---|
| text does not overlap | no two visible text-bearing labels put ink on the same place (per rendered line) |
| buttons stay on the screen | a visible button lies inside the window, and is not cut off by a scroll view |
| text stays on the screen | no visible line of text is cut off by the window's edge or by a scroll view |
| panels fit or scroll | a visible box or grid is at least as large as its content, unless it is scrolled |
| scrolling shows | a scroll view whose content does not fit has a bar that stays visible |
| hidden takes no room | a box lays out its shown children as if a hidden (transparent) child were absent |
| no break inside a word or number | a line never breaks between two Latin letters or digits |
| button labels break between phrases | a button's own label breaks only at a space or after punctuation |
| inputs stand out | an input box's fill or border has at least 3:1 contrast against what is behind it |
| buttons stand out | an enabled button's fill or border has at least 3:1 contrast against what is behind it |
| text is readable | a label's colour has at least 4.5:1 contrast against what is drawn behind it |
| lines have room | every label's line height is at least 1.3 (MIIT's guidance for elder-friendly apps) |
| no line opens with closing punctuation | no wrapped line starts with 。，、）and their kin (Chinese line-breaking rules) |
| elder mode is large | in elder mode, text is at least 18 dp and every button at least 60x60 dp |

"Visible": the widget and every parent up to the window are opaque at all (opacity > 0), it has a size,
and some of it lies inside every scroll view it is in (a label scrolled out of view is not anywhere).
Rectangles are in window coordinates, clipped by the scroll views around them. Text is compared by the
lines the label really drew (the rendered lines' extents, placed per halign and valign inside the
texture, which Kivy centres in the label), not by the label's box: the boxes of wrapped labels may touch
or overlap while their text does not. A label that is itself a button compares as that button's text.
Windows stacked over one another (a dialog over the screen) are separate layers: text in a dialog is
not compared with the text it covers.

This is a test oracle: it reads Kivy's rendered line layout (`Label._label._cached_lines`, Kivy 2.3) and
does not share code with the widgets that keep these rules.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import takewhile
from typing import Iterator

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput

from kiosk.theme import contrast_ratio

__all__ = ["rule_violations", "is_visible", "text_lines", "wraps", "input_contrast", "button_contrast", "text_contrast",
           "window_rect", "INPUT_CLASSES"]

Rect = tuple[float, float, float, float]   # left, bottom, right, top in window coordinates
SLACK = 1.0                                  # px: rounding in Kivy's layout and texture placement
# Where a button's label may break besides a space: after the end of a clause.
PHRASE_ENDS = set("，。、；：！？,.;:!?）)")
# What may never open a line (GB/T 15834 and the W3C's Chinese layout requirements: 行首禁则).
NO_LINE_START = set("。，、）；：！？”’》」』】,.;:!?)")
MIN_LINE_HEIGHT = 1.3
ELDER_MIN_TEXT_DP = 18
ELDER_MIN_TARGET_DP = 60
MARKUP_TAG = re.compile(r"\[/?(?:b|i|u|s|font|font_context|font_features|size|color|ref|anchor|sub|sup|text_language)"
                        r"(?:=[^\]]*)?\]")
MARKUP_ESCAPES = {"&bl;": "[", "&br;": "]", "&amp;": "&"}


def _input_classes() -> tuple[type, ...]:
    classes: list[type] = [TextInput]
    try:
        from screens.widgets.common import EntryDisplay
    except ImportError:  # before the kiosk had a widget for typed text
        pass
    else:
        classes.append(EntryDisplay)
    return tuple(classes)


INPUT_CLASSES = _input_classes()


# --- geometry --------------------------------------------------------------------------------------------

def window_rect(widget) -> Rect:
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def _intersection(a: Rect, b: Rect) -> Rect | None:
    left, bottom, right, top = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (left, bottom, right, top) if right > left and top > bottom else None


def _overlap(a: Rect, b: Rect) -> bool:
    """More than rounding in both directions."""
    return min(a[2], b[2]) - max(a[0], b[0]) > SLACK and min(a[3], b[3]) - max(a[1], b[1]) > SLACK


def _inside(inner: Rect, outer: Rect) -> bool:
    return (inner[0] >= outer[0] - SLACK and inner[1] >= outer[1] - SLACK
            and inner[2] <= outer[2] + SLACK and inner[3] <= outer[3] + SLACK)


def _ancestors(widget) -> Iterator:
    node = widget.parent
    while node is not None and node is not Window:
        yield node
        node = node.parent


def _scroll_views(widget) -> list[ScrollView]:
    return [node for node in _ancestors(widget) if isinstance(node, ScrollView)]


def _visible_part(widget, rect: Rect) -> Rect | None:
    """`rect` clipped by the window and by every stencil (scroll view) around the widget."""
    clipped: Rect | None = _intersection(rect, (0, 0, Window.width, Window.height))
    for node in _ancestors(widget):
        if clipped is None:
            return None
        if isinstance(node, StencilView):
            clipped = _intersection(clipped, window_rect(node))
    return clipped


def _cut_off(widget, rect: Rect) -> str:
    """Why part of `rect` cannot be seen however the citizen scrolls: "" when all of it can."""
    for view in _scroll_views(widget):
        outer = window_rect(view)
        if not view.do_scroll_x and (rect[0] < outer[0] - SLACK or rect[2] > outer[2] + SLACK):
            return "cut off left or right by a scroll view"
        if not view.do_scroll_y and (rect[1] < outer[1] - SLACK or rect[3] > outer[3] + SLACK):
            return "cut off at the top or bottom by a scroll view"
    if _scroll_views(widget):
        return ""  # scrolled out of the window's sight for now: scrolling brings it back
    if not _inside(rect, (0, 0, Window.width, Window.height)):
        return "past the edge of the screen"
    return ""


def is_visible(widget) -> bool:
    """Drawn at all: opaque along the parent chain, with a size, and not wholly clipped away."""
    if widget.width <= 0 or widget.height <= 0:
        return False
    node = widget
    while node is not None and node is not Window:
        if node.opacity <= 0:
            return False
        node = node.parent
    return node is Window and _visible_part(widget, window_rect(widget)) is not None


# --- rendered text ---------------------------------------------------------------------------------------

def _line_texts(label) -> list[str]:
    """The text of each rendered line."""
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def text_lines(label) -> list[Rect]:
    """The window rectangle of each rendered, non-empty line of a label (what Kivy's text layout placed)."""
    core = label._label
    lines = core._cached_lines
    texture_width, texture_height = label.texture_size
    if not lines or texture_width <= 1 or texture_height <= 1:
        return []
    # Kivy's Label draws its texture centred in the label (kivy/data/style.kv, <Label>).
    left, bottom = label.to_window(int(label.center_x - texture_width / 2.0),
                                   int(label.center_y - texture_height / 2.0))
    top = bottom + texture_height
    padding_left, padding_top, padding_right, _ = core.options["padding"]
    halign, valign = core.options["halign"], core.options["valign"]
    inner_height = core._internal_size[1]
    # As CoreLabel._render_real and render_lines place lines (y grows downwards from the texture's top).
    if valign == "top":
        y = int(padding_top)
    elif valign in ("middle", "center"):
        y = int((texture_height - inner_height + 2 * padding_top) / 2)
    else:
        y = int(texture_height - inner_height + padding_top)
    rects = []
    for line in lines:
        if line.w > 0:
            if halign == "center":
                x = min(int(texture_width - line.w),
                        max(int(padding_left), int((texture_width - line.w + padding_left - padding_right) / 2.0)))
            elif halign == "right":
                x = max(0, int(texture_width - line.w - padding_right))
            else:
                x = padding_left
            rects.append((left + x, top - y - line.h, left + x + line.w, top - y))
        y += line.h
    return rects


def _plain_text(label) -> str:
    text = label.text
    if label.markup:
        text = MARKUP_TAG.sub("", text)
        for escape, character in MARKUP_ESCAPES.items():
            text = text.replace(escape, character)
    return text


def wraps(label) -> list[tuple[str, str, bool]] | None:
    """Each place where a line ends that the label's own text does not end there: (text before, text after,
    at a space). Whoever broke it (Kivy's layout or the widget), the text given has no line break there.
    None when the rendered lines cannot be found in the text (a shortened label)."""
    text = _plain_text(label)
    found = []
    position = 0
    previous_end = None
    for line in _line_texts(label):
        if not line:
            continue
        start = text.find(line, position)
        if start < 0:
            return None
        if previous_end is not None:
            gap = text[previous_end:start]
            if "\n" not in gap:
                found.append((text[:previous_end], text[start:], gap != "" and gap.strip(" ") == ""))
        position = previous_end = start + len(line)
    return found


def _narrow(character: str) -> bool:
    """Latin letters, digits and their punctuation: text that breaks only at spaces."""
    return not character.isspace() and unicodedata.east_asian_width(character) not in ("W", "F")


def _break_problem(label, before: str, after: str, at_space: bool) -> str:
    if after and after.lstrip(" ")[:1] in NO_LINE_START:
        return f"a line opens with {after.lstrip(' ')[0]}: {before[-6:]}|{after[:6]}"
    if at_space or not before or not after:
        return ""
    if _narrow(before[-1]) and _narrow(after[0]):
        tail = "".join(takewhile(_narrow, reversed(before)))[::-1]
        head = "".join(takewhile(_narrow, after))
        kind = "number" if any(c.isdigit() for c in tail[-1:] + head[:1]) else "word"
        return f"{kind} broken across lines: {tail}|{head}"
    if isinstance(label, ButtonBehavior) and before[-1] not in PHRASE_ENDS:
        return f"button label broken mid-phrase: {before[-6:]}|{after[:6]}"
    return ""


# --- colours ---------------------------------------------------------------------------------------------

def _hex(rgba) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(round(channel * 255) for channel in rgba[:3]))


def _is_text(widget, rectangle) -> bool:
    """A label's rendered text (its texture), which is not a fill behind it."""
    texture = getattr(widget, "texture", None)
    return texture is not None and rectangle.texture is texture


def _drawn(widget) -> list[tuple[str, str, tuple]]:
    """(shape, colour, size) for each untextured Rectangle, RoundedRectangle or Line on the widget's canvases."""
    from kivy.graphics import Color, Line, Rectangle, RoundedRectangle

    shapes = []
    for canvas in (widget.canvas.before, widget.canvas, widget.canvas.after):
        colour = None
        for instruction in canvas.children:
            if isinstance(instruction, Color):
                colour = tuple(instruction.rgba)
            elif (isinstance(instruction, (Rectangle, RoundedRectangle)) and colour and colour[3] > 0
                  and not _is_text(widget, instruction)):
                shapes.append(("fill", _hex(colour), tuple(instruction.size)))
            elif isinstance(instruction, Line) and colour and colour[3] > 0:
                shapes.append(("border", _hex(colour), ()))
    return shapes


def _own_fill(widget) -> str | None:
    """The colour a button draws its own box in (Kivy's Button draws no shape we can read: its colour)."""
    if getattr(widget, "background_normal", None) == "" and hasattr(widget, "background_color"):
        if widget.background_color[3] > 0:
            return _hex(widget.background_color)
    return None


def _background_behind(widget, *, including_itself: bool = False) -> str | None:
    """The colour of the nearest parent that fills its whole box (a screen, a panel, a dialog, a button)."""
    nodes = [widget, *_ancestors(widget)] if including_itself else list(_ancestors(widget))
    for node in nodes:
        if isinstance(node, ButtonBehavior) and (fill := _own_fill(node)):
            return fill
        if node is widget and isinstance(widget, Label):   # a label's own band behind its text
            lines = text_lines(widget)
            width = max((line[2] - line[0] for line in lines), default=0)
            height = sum(line[3] - line[1] for line in lines)
            for shape, colour, size in _drawn(node):
                if shape == "fill" and size and size[0] >= width - SLACK and size[1] >= height - SLACK:
                    return colour
            continue
        if hasattr(node, "background_color") and getattr(node, "background", None) == "":
            return _hex(node.background_color)   # a ModalView draws its own background
        for shape, colour, size in _drawn(node):
            if shape == "fill" and size and size[0] >= node.width - SLACK and size[1] >= node.height - SLACK:
                return colour
    return None


# --- the rules -------------------------------------------------------------------------------------------

def _name(widget) -> str:
    text = getattr(widget, "text", "")
    return f"{type(widget).__name__} {text[:24]!r}" if text else type(widget).__name__


def _text_leaves(layer) -> list[tuple[Label, list[Rect]]]:
    leaves = []
    for widget in layer.walk(restrict=True):
        if isinstance(widget, Label) and widget.text.strip() and is_visible(widget):
            lines = [clipped for line in text_lines(widget) if (clipped := _visible_part(widget, line))]
            if lines:
                leaves.append((widget, lines))
    return leaves


def _overlaps(leaves) -> list[str]:
    found = []
    for i, (first, first_lines) in enumerate(leaves):
        for second, second_lines in leaves[i + 1:]:
            if any(_overlap(a, b) for a in first_lines for b in second_lines):
                found.append(f"text overlaps: {_name(first)} and {_name(second)}")
    return found


def _hidden_room(box: BoxLayout) -> str:
    """A hidden child in a box must leave no gap: the shown children sit where they would without it."""
    if not any(child.opacity <= 0 for child in box.children):
        return ""
    shown = [child for child in box.children if child.opacity > 0]
    if not shown:
        return ""
    padding_left, _, _, padding_bottom = box.padding
    horizontal = box.orientation == "horizontal"
    start, end = (lambda w: w.x, lambda w: w.right) if horizontal else (lambda w: w.y, lambda w: w.top)
    edge = (box.x + padding_left) if horizontal else (box.y + padding_bottom)
    for child in sorted(shown, key=start):
        if abs(start(child) - edge) > SLACK:
            return f"a hidden child takes room in {_name(box)}: {_name(child)} is {start(child) - edge:+.0f} px off"
        edge = end(child) + box.spacing
    return ""


def _too_small(layout) -> str:
    if _scroll_views(layout) and layout.parent is _scroll_views(layout)[0]:
        return ""  # a scroll view's content: it may be taller than the view, that is what scrolling is for
    width, height = layout.minimum_size
    if height > layout.height + SLACK or (isinstance(layout, BoxLayout) and width > layout.width + SLACK):
        return (f"content does not fit in {_name(layout)}: needs {width:.0f}x{height:.0f}, "
                f"has {layout.width:.0f}x{layout.height:.0f}")
    return ""


def _scrolling_hidden(view: ScrollView) -> str:
    content = view.children[0] if view.children else None
    if content is None or content.height <= view.height + SLACK or not view.do_scroll_y:
        return ""
    behind = _background_behind(view) or "#FFFFFF"
    bar = [view.bar_color, view.bar_inactive_color]
    if view.bar_width < dp(8) or min(colour[3] for colour in bar) < 0.99:
        return f"scrolls without a lasting bar: {_name(view)} (bar {view.bar_width:.0f} px, {bar})"
    if min(contrast_ratio(_hex(colour), behind) for colour in bar) < 3:
        return f"scroll bar hard to see in {_name(view)}: {_hex(view.bar_color)} on {behind}"
    return ""


def input_contrast(widget) -> float:
    """The better contrast of an input box's fill or frame against what is behind it (1.0: invisible)."""
    behind = _background_behind(widget)
    own = [colour for _shape, colour, _size in _drawn(widget)]
    return max((contrast_ratio(colour, behind) for colour in own), default=1.0) if behind else 21.0


def _input_unseen(widget) -> str:
    contrast = input_contrast(widget)
    if contrast < 3:
        return f"input box not distinguishable from what is behind it: {_name(widget)} ({contrast:.2f}:1 < 3:1)"
    return ""


def button_contrast(widget) -> float:
    """The better contrast of a button's fill or frame against what is behind it (1.0: only its text shows)."""
    behind = _background_behind(widget)
    own = [colour for _shape, colour, _size in _drawn(widget)]
    if fill := _own_fill(widget):
        own.append(fill)
    return max((contrast_ratio(colour, behind) for colour in own), default=1.0) if behind else 21.0


def _button_unseen(widget) -> str:
    if widget.disabled:
        return ""   # an inactive control is exempt (WCAG 1.4.11)
    contrast = button_contrast(widget)
    if contrast < 3:
        return f"button's edge not distinguishable from what is behind it: {_name(widget)} ({contrast:.2f}:1 < 3:1)"
    return ""


def text_contrast(label) -> float:
    behind = _background_behind(label, including_itself=True) or "#FFFFFF"
    return contrast_ratio(_hex(label.color), behind)


def _is_icon(label) -> bool:
    """One glyph of an icon font (the Unicode private use area): a picture, not a line of text."""
    return all(0xE000 <= ord(character) <= 0xF8FF for character in label.text.strip())


def _text_problems(label, elder_mode: bool) -> list[str]:
    found = []
    if label.line_height < MIN_LINE_HEIGHT - 0.001 and not _is_icon(label):
        found.append(f"line height {label.line_height:.2f} < {MIN_LINE_HEIGHT}: {_name(label)}")
    if not label.disabled and not any(node.disabled for node in _ancestors(label)):
        contrast = text_contrast(label)
        if contrast < 4.5:
            found.append(f"text contrast {contrast:.2f}:1 < 4.5:1: {_name(label)}")
    if elder_mode and label.font_size < dp(ELDER_MIN_TEXT_DP) - 0.5:
        found.append(f"elder-mode text {label.font_size / dp(1):.0f} dp < {ELDER_MIN_TEXT_DP} dp: {_name(label)}")
    return found


def _target_too_small(widget) -> str:
    if widget.disabled:
        return ""
    least = dp(ELDER_MIN_TARGET_DP) - SLACK
    if widget.width < least or widget.height < least:
        return (f"elder-mode target {widget.width / dp(1):.0f}x{widget.height / dp(1):.0f} dp "
                f"< {ELDER_MIN_TARGET_DP} dp: {_name(widget)}")
    return ""


def rule_violations(app) -> list[str]:
    """Every broken rule in the window as it stands now, one line each."""
    found: list[str] = []
    for layer in reversed(Window.children):   # the screens first, then what is opened over them
        leaves = _text_leaves(layer)
        found += _overlaps(leaves)
        for label, lines in leaves:
            problem = next((_cut_off(label, line) for line in text_lines(label) if _cut_off(label, line)), "")
            if problem:
                found.append(f"text {problem}: {_name(label)}")
            found += _text_problems(label, app.elder_mode)
            for before, after, at_space in wraps(label) or []:
                if problem := _break_problem(label, before, after, at_space):
                    found.append(f"{problem} in {_name(label)}")
        for widget in layer.walk(restrict=True):
            if not is_visible(widget):
                continue
            if isinstance(widget, ButtonBehavior) and (problem := _cut_off(widget, window_rect(widget))):
                found.append(f"button {problem}: {_name(widget)}")
            if isinstance(widget, ButtonBehavior) and (problem := _button_unseen(widget)):
                found.append(problem)
            if isinstance(widget, ButtonBehavior) and app.elder_mode and (problem := _target_too_small(widget)):
                found.append(problem)
            if isinstance(widget, BoxLayout) and (problem := _hidden_room(widget)):
                found.append(problem)
            if isinstance(widget, (BoxLayout, GridLayout)) and (problem := _too_small(widget)):
                found.append(problem)
            if isinstance(widget, ScrollView) and (problem := _scrolling_hidden(widget)):
                found.append(problem)
            if isinstance(widget, INPUT_CLASSES) and (problem := _input_unseen(widget)):
                found.append(problem)
    return found
