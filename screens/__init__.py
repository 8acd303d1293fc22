"""Kivy screens: one screen is <name>.py (behaviour) plus <name>.kv (layout)."""
