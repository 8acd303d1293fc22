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

# The kiosk's Kivy settings, before any test module can create the window by importing kivy.core.window:
# the window reads some of them (the on-screen keyboard mode) only when it is created.
from screens.window_setup import configure_kivy  # noqa: E402

configure_kivy(windowed=True, orientation="portrait", full_size=True)
from kivy.config import Config  # noqa: E402

# A button's release is otherwise delayed 35 ms of wall time; tests step frames, not time.
Config.set("graphics", "min_state_time", "0")

pytest_plugins = ["tests.fixtures.hall", "tests.fixtures.clock", "tests.fixtures.gas_utility", "tests.fixtures.payment_gateway",
                  "tests.fixtures.gas_world"]
