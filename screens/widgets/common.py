"""Themed building blocks used by every screen: labels and buttons that follow `app.theme`."""

from kivy.uix.button import Button
from kivy.uix.label import Label

from screens.kv import load_kv_beside

__all__ = ["KioskLabel", "KioskButton", "KioskSecondaryButton"]


class KioskLabel(Label):
    """Body text in the theme's size and colour, wrapping at the label's width (needed for CJK)."""


class KioskButton(Button):
    """A large primary button: at least the theme's touch-target size in both directions."""


class KioskSecondaryButton(KioskButton):
    """A large button for the less important choice; never distinguished by colour alone (it has its own words)."""


load_kv_beside(__file__)
