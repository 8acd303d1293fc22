"""The kiosk's core: configuration, sessions, the hall client, the outbox and the domain.

Nothing in this package may import Kivy: it must run (and be tested) without a screen.
"""
