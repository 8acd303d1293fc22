"""Shared test set-up. Kivy is made hermetic and offscreen before anything can import it."""

import os
import tempfile

# Kivy reads these at import time: no X server, no user config, no argv parsing, no log files.
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_USE_DEFAULTCONFIG"] = "1"
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")

pytest_plugins = ["tests.fixtures.hall"]
