"""Widgets shared by several screens: the top bar, big buttons, the inactivity dialog."""
