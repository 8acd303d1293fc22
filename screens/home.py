"""The home screen: one large tile per service that the site's profile enables, in its configured order."""

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import common, top_bar  # noqa: F401  (Icon and TopBar rules)
from screens.widgets.common import icon_markup

__all__ = ["HomeScreen", "ServiceTile"]


class ServiceTile(ButtonBehavior, BoxLayout):
    """A big touch target naming the service in words (never colour or an icon alone)."""

    service = StringProperty("")
    mode = StringProperty("full")   # full | number_on_screen | disabled (device health)

    def title(self, name: str, landscape: bool) -> str:
        """The service's name as markup: with its icon in front in landscape, where the icon has no row of its own."""
        return icon_markup(self.service, name) if landscape else icon_markup("", name)


class HomeScreen(Screen):
    def on_kv_post(self, *_args) -> None:
        app = App.get_running_app()
        for service in app.settings.services:
            tile = ServiceTile(service=service)
            tile.bind(on_release=lambda tile: App.get_running_app().open_service(tile.service))
            self.ids.tiles.add_widget(tile)

    @staticmethod
    def tile_height(grid_height: float, tiles: int, cols: int, theme, landscape: bool) -> float:
        """Each row's height: the rows share the grid's whole height (in both orientations the grid fills
        the screen), so that every tile stays on screen without scrolling and no third of it is empty."""
        rows = max(1, -(-tiles // max(1, cols)))
        spacing, padding = dp(theme.spacing_dp), dp(theme.spacing_dp) * (1 if landscape else 2)
        room = (grid_height - 2 * padding - (rows - 1) * spacing) / rows
        return max(dp(theme.target_dp), room)

    def tile(self, service: str) -> ServiceTile:
        return next(tile for tile in self.ids.tiles.children if tile.service == service)


load_kv_beside(__file__)
