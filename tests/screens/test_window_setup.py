"""Kiosk lockdown as Kivy is configured before the window exists (checked in a fresh process, since
Kivy's configuration is global): full screen, borderless, no cursor, no Esc exit, no debug modules."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from screens.window_setup import configure_kivy
configure_kivy(windowed={windowed}, orientation="portrait")
from kivy.config import Config
print(json.dumps({{
    "fullscreen": Config.get("graphics", "fullscreen"), "borderless": Config.get("graphics", "borderless"),
    "show_cursor": Config.get("graphics", "show_cursor"), "exit_on_escape": Config.get("kivy", "exit_on_escape"),
    "mouse": Config.get("input", "mouse"), "modules": Config.options("modules"),
    "size": [Config.getint("graphics", "width"), Config.getint("graphics", "height")],
}}))
"""


def configured(windowed: bool, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    home = tmp_path / "kivy-home"
    home.mkdir()
    # A user config that would load the inspector: the kiosk must drop it.
    (home / "config.ini").write_text("[modules]\ninspector =\nmonitor =\n")
    env.update({"KIVY_HOME": str(home), "KIVY_NO_CONSOLELOG": "1", "SDL_VIDEODRIVER": "offscreen"})
    result = subprocess.run([sys.executable, "-c", PROBE.format(windowed=windowed)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_citizen_mode_is_locked_down(tmp_path):
    config = configured(False, tmp_path)
    assert config == {
        "fullscreen": "auto", "borderless": "1", "show_cursor": "0", "exit_on_escape": "0",
        "mouse": "mouse,disable_multitouch", "modules": [], "size": [1080, 1920],
    }


def test_developer_window_is_half_size_with_a_cursor(tmp_path):
    config = configured(True, tmp_path)
    assert (config["fullscreen"], config["borderless"], config["show_cursor"]) == ("0", "0", "1")
    assert config["size"] == [540, 960]
    assert config["exit_on_escape"] == "0" and config["modules"] == []


def test_multisampling_only_where_a_gpu_draws(tmp_path):
    """Without a render node Mesa draws in software, where multisampled surfaces cost ~80 MiB of the kiosk."""
    from screens.window_setup import GPU_SAMPLES, antialiasing_samples

    dri = tmp_path / "dri"
    dri.mkdir()
    (dri / "card0").touch()          # a display controller alone renders nothing
    assert antialiasing_samples(dri) == 0
    (dri / "renderD128").touch()
    assert antialiasing_samples(dri) == GPU_SAMPLES
    assert antialiasing_samples(tmp_path / "no-dri") == 0
