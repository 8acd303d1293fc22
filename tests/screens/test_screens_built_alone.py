"""Journey screens are built when first opened, so 好差评 may be built right after 取号, before any screen that
uses an ID card: it must bring every .kv rule it uses (it once lacked 一证通办's CardPlacement, and the kiosk's
first citizen who took a ticket crashed it). Kivy's rules are global to a process: the kiosk starts afresh."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BUILD_FIRST = """
import os, sys, tempfile
os.environ.update(SDL_VIDEODRIVER="offscreen", KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1",
                  KIVY_USE_DEFAULTCONFIG="1", KIVY_HOME=tempfile.mkdtemp(prefix="kivy-alone-"))
from screens.window_setup import configure_kivy, register_fonts
configure_kivy(windowed=True, orientation="portrait", full_size=True)
from kivy.base import EventLoop
from kiosk.config import PROFILE_DIR, load_settings
from kiosk.fonts import find_fonts
from kiosk.i18n import Catalogue
from kiosk.speech import Speaker
register_fonts(find_fonts().ui_font)
EventLoop.ensure_window()
from screens.kiosk_app import KioskApp
app = KioskApp(load_settings(PROFILE_DIR / "demo.toml"), Catalogue.load(), find_fonts(), windowed=True,
               speaker=Speaker(enabled=False))
app._run_prepare()
for service in sys.argv[1:]:
    app.show(service)
    EventLoop.idle()
app.dispatch("on_stop")
"""


def test_review_is_built_right_after_a_ticket_in_a_fresh_kiosk():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", BUILD_FIRST, "ticket", "review"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr.strip().splitlines()[-1]
