"""Every screen lays out cleanly in portrait and landscape, standard and elder mode, and meets the
accessibility floor: text at least 18 dp, touch targets at least the theme's size (60 dp or more)."""

import pytest
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from tests.screens.conftest import frames

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


@pytest.fixture(params=[(o, e) for o in SIZES for e in (False, True)],
                ids=lambda p: f"{p[0]}-{'elder' if p[1] else 'standard'}")
def staged_app(request, make_app, kivy_window):
    orientation, elder = request.param
    kivy_window.size = SIZES[orientation]
    app = make_app()
    if elder:
        app.visit.toggle_elder_mode()
    app.visit.start()
    frames(4)
    yield app
    kivy_window.size = SIZES["portrait"]


def is_shown(widget) -> bool:
    """Drawn and touchable: neither it nor any parent is transparent or disabled, and it has a size."""
    if widget.width <= 0 or widget.height <= 0:
        return False
    node = widget
    while node is not None and hasattr(node, "disabled"):  # up to the window
        if node.opacity <= 0 or node.disabled:
            return False
        node = node.parent
    return True


def visible_widgets(screen):
    return [w for w in screen.walk() if is_shown(w)]


def test_home_tiles_fit_on_screen_without_overlap(staged_app):
    home = staged_app.screen_manager.get_screen("home")
    rects = []
    for tile in home.ids.tiles.children:
        x, y = tile.to_window(tile.x, tile.y)
        assert 0 <= x and x + tile.width <= Window.width + 0.5, tile.service
        assert 0 <= y and y + tile.height <= Window.height + 0.5, tile.service
        rects.append((x, y, x + tile.width, y + tile.height))
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("screen_name", ["attract", "home", "ticket"])
def test_text_size_and_touch_targets_meet_the_floor(staged_app, screen_name):
    staged_app.show(screen_name)
    frames(3)
    screen = staged_app.screen_manager.current_screen
    theme = staged_app.theme
    for widget in visible_widgets(screen):
        if isinstance(widget, Label):
            assert widget.font_size >= dp(18), (type(widget).__name__, widget.text)
        if isinstance(widget, ButtonBehavior) and not widget.disabled:
            assert widget.width >= dp(theme.target_dp) - 0.5 and widget.height >= dp(theme.target_dp) - 0.5, (
                type(widget).__name__, getattr(widget, "text", ""), widget.size)


def test_wrapped_texts_stay_inside_their_labels(staged_app):
    for name in ("attract", "home"):
        staged_app.show(name)
        frames(3)
        for widget in visible_widgets(staged_app.screen_manager.current_screen):
            if isinstance(widget, Label) and widget.text and widget.text_size[0] and not widget.shorten:
                assert widget.texture_size[0] <= widget.width + 1, widget.text
