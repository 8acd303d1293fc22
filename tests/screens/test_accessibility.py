"""The accessibility floor on every screen and every step of every journey, in both modes, both
languages and both orientations: text at least 18 dp, every touch target at least the theme's size
(60 dp or more in elder mode), and text only in the theme's foreground colours, whose contrast against
the backgrounds they are drawn on is checked in tests/kiosk/test_theme.py (at least 4.5:1). Icons are pictures,
not text (their 3:1 is the theme's), and the technician's maintenance screen colours its diagnostics by verdict:
the contrast of both is measured on the screen itself by tests/screens/test_every_state.py."""

import pytest
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.theme import hex_to_rgba
from screens.screenshots import LAYOUT_FRAMES, Shot, screen_states, settle, stage

# Four combinations cover each orientation, language and mode at least twice, at a quarter of the cost.
COMBINATIONS = [("portrait", "zh", False), ("portrait", "en", True), ("landscape", "zh", True),
                ("landscape", "en", False)]


def is_shown(widget) -> bool:
    if widget.width <= 0 or widget.height <= 0:
        return False
    node = widget
    while node is not None and hasattr(node, "disabled"):
        if node.opacity <= 0 or node.disabled:
            return False
        node = node.parent
    return True


def foreground_colours(theme) -> set:
    names = ("text", "muted_text", "on_primary", "on_secondary", "on_bar", "on_warning", "on_alert", "alert")
    return {tuple(round(c, 3) for c in hex_to_rgba(getattr(theme, name))) for name in names}


TECHNICIAN_SCREENS = ("maintenance",)


def is_icon(label) -> bool:
    return all(0xE000 <= ord(character) <= 0xF8FF for character in label.text.strip())


def problems_on(app, screen: str = "") -> list[str]:
    theme = app.theme
    allowed = foreground_colours(theme)
    found = []
    roots = [app.root] + ([app.idle_dialog] if app.idle_dialog.is_open else [])
    for root in roots:
        for widget in root.walk():
            if not is_shown(widget):
                continue
            name = type(widget).__name__
            if isinstance(widget, Label) and widget.text.strip():
                size = getattr(widget, "fitted_font_size", 0) or widget.font_size  # as drawn: a button may shrink
                if size < dp(18) - 0.01:
                    found.append(f"{name} {widget.text[:20]!r}: text {size:.0f} px < 18 dp")
                if (tuple(round(c, 3) for c in widget.color) not in allowed and not is_icon(widget)
                        and screen not in TECHNICIAN_SCREENS):
                    found.append(f"{name} {widget.text[:20]!r}: colour {widget.color} is not a theme text colour")
            if isinstance(widget, ButtonBehavior):
                if min(widget.width, widget.height) < dp(theme.target_dp) - 0.5:
                    found.append(f"{name} {getattr(widget, 'text', '')[:20]!r}: target {widget.size} "
                                 f"< {theme.target_dp} dp")
    return found


@pytest.mark.parametrize("orientation, language, elder", COMBINATIONS,
                         ids=[f"{o}-{l}-{'elder' if e else 'standard'}" for o, l, e in COMBINATIONS])
def test_every_screen_state_meets_the_floor(walked_app, orientation, language, elder):
    failures = []
    for screen, step in screen_states(walked_app):
        stage(walked_app, Shot(screen, orientation, language, elder, step), draw=False)
        settle(LAYOUT_FRAMES, draw=False)
        failures += [f"{screen}.{step or '-'}: {problem}" for problem in problems_on(walked_app, screen)]
    assert failures == [], "\n".join(failures)
