"""The bar at the top of every screen: site name and clock, and the language and elder-mode toggles."""

from kivy.properties import BooleanProperty

from screens.kv import load_kv_beside
from screens.widgets.common import CollapsingBoxLayout

__all__ = ["TopBar"]


class TopBar(CollapsingBoxLayout):
    """Without the home button (on the attract and home screens) the site name starts at the left edge."""

    show_home = BooleanProperty(True)


load_kv_beside(__file__)
