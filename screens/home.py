"""The home screen: one large tile per service that the site's profile enables, in its configured order."""

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from screens.kv import load_kv_beside
from screens.widgets import top_bar  # noqa: F401  (TopBar rule)

__all__ = ["HomeScreen", "ServiceTile"]


class ServiceTile(ButtonBehavior, BoxLayout):
    """A big touch target naming the service in words (never colour or an icon alone)."""

    service = StringProperty("")
    mode = StringProperty("full")   # full | number_on_screen | disabled (device health)


class HomeScreen(Screen):
    def on_kv_post(self, *_args) -> None:
        app = App.get_running_app()
        for service in app.settings.services:
            tile = ServiceTile(service=service)
            tile.bind(on_release=lambda tile: App.get_running_app().open_service(tile.service))
            self.ids.tiles.add_widget(tile)

    def tile(self, service: str) -> ServiceTile:
        return next(tile for tile in self.ids.tiles.children if tile.service == service)


load_kv_beside(__file__)
