"""The kiosk as a command: exit codes, config errors, offscreen screenshots, and the README/CI contract."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
# Rendering screenshots in a child process takes longer than a unit test's default limit on a busy machine.
pytestmark = pytest.mark.timeout(900)


def run_main(*args: str, env_extra: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env.update({"SDL_VIDEODRIVER": "offscreen", **(env_extra or {})})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_broken_config_exits_2_with_one_clear_line(tmp_path):
    profile = tmp_path / "bank.toml"
    profile.write_text((ROOT / "config" / "bank.toml").read_text(encoding="utf-8")
                       .replace("paper_width = 80", "paper_width = 76"), encoding="utf-8")
    result = run_main("--config", str(profile))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{profile}: devices.printer.paper_width: expected 58 or 80, got 76"


def test_config_from_environment_variable(tmp_path):
    result = run_main(env_extra={"KIOSK_CONFIG": str(tmp_path / "missing.toml")})
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tmp_path / 'missing.toml'}: file not found"


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots")
    data = tmp_path_factory.mktemp("data")
    profile = data / "demo.toml"
    profile.write_text((ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
                       .replace('data_dir = "../data/demo"', f'data_dir = "{data}"'), encoding="utf-8")
    # The shell and two journeys as PNG files; every state of every journey is staged and checked without
    # encoding pictures by tests/screens/test_accessibility.py.
    result = run_main("--config", str(profile), "--screenshot", str(out),
                      "--screenshot-only", "attract,home*,idle-dialog,ticket.*,one_card.*", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_screenshot_mode_renders_every_screen_in_every_mode(screenshots):
    files = {p.name for p in screenshots.glob("*.png")}
    combos = [f"{orientation}-{language}-{mode}" for orientation in ("portrait", "landscape")
              for language in ("zh", "en") for mode in ("standard", "elder")]
    states = {name.rsplit("-", 3)[0] for name in files}
    assert len(files) == len(states) * len(combos)  # every state in every orientation, language and mode
    for state in ("attract", "home", "home.offline", "idle-dialog", "ticket.choose", "ticket.done",
                  "ticket.not-printed", "one_card.waiting-card", "one_card.result", "one_card.card-problem"):
        assert {f"{state}-{combo}.png" for combo in combos} <= files, state
    assert Image.open(screenshots / "home-portrait-zh-standard.png").size == (1080, 1920)
    assert Image.open(screenshots / "home-landscape-zh-standard.png").size == (1920, 1080)


def differ(a: Path, b: Path) -> bool:
    return ImageChops.difference(Image.open(a).convert("RGB"), Image.open(b).convert("RGB")).getbbox() is not None


def test_screenshots_follow_language_and_elder_mode(screenshots):
    shot = lambda name: screenshots / f"{name}.png"  # noqa: E731
    assert differ(shot("home-portrait-zh-standard"), shot("home-portrait-en-standard"))
    assert differ(shot("home-portrait-zh-standard"), shot("home-portrait-zh-elder"))
    assert differ(shot("idle-dialog-portrait-zh-standard"), shot("home-portrait-zh-standard"))
    assert differ(shot("home.offline-portrait-zh-standard"), shot("home-portrait-zh-standard"))
    assert differ(shot("ticket.done-portrait-zh-standard"), shot("ticket.not-printed-portrait-zh-standard"))


def test_screenshots_fill_the_whole_screen(screenshots):
    # The offscreen surface must follow each orientation: no black band where nothing was drawn.
    for path in screenshots.glob("*.png"):
        image = Image.open(path).convert("L")
        width, height = image.size
        edges = [(2, y) for y in range(0, height, 10)] + [(width - 3, y) for y in range(0, height, 10)]
        for x, y in edges + [(x, 2) for x in range(0, width, 10)] + [(x, height - 3) for x in range(0, width, 10)]:
            assert image.getpixel((x, y)) > 0, (path.name, x, y)


def test_every_journey_screen_lists_its_states_for_the_screenshots():
    code = ("import os; os.environ['KIVY_NO_ARGS'] = '1'\n"
            "from screens.window_setup import configure_kivy; configure_kivy(windowed=True, orientation='portrait')\n"
            "from kiosk.config import PROFILE_DIR, load_settings; from kiosk.i18n import Catalogue\n"
            "from kiosk.fonts import find_fonts; from kiosk.speech import Speaker\n"
            "from screens.kiosk_app import KioskApp; from screens.screenshots import screen_states\n"
            "app = KioskApp(load_settings(PROFILE_DIR / 'demo.toml'), Catalogue.load(), find_fonts(),"
            " speaker=Speaker(enabled=False)); app._run_prepare(); app.build_all_screens()\n"
            "print(sorted({s for s, step in screen_states(app) if step and s != 'home'}))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env.update({"SDL_VIDEODRIVER": "offscreen", "KIVY_NO_CONSOLELOG": "1"})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # Every journey screen, and the out-of-service screen (its reasons: paused, closed, broken).
    journeys = {"ticket", "appointment", "one_card", "progress", "guide", "review", "complaint", "gas", "out_of_service"}
    assert result.stdout.strip().splitlines()[-1] == str(sorted(journeys))


def test_kiosk_core_and_domain_import_no_kivy():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                     for package in ("domain", "kiosk") for p in (ROOT / package).rglob("*.py")
                     if p.stem not in ("__init__", "__main__"))
    assert "kiosk.journeys.ticket" in modules and "domain.identity" in modules
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(sorted(m for m in sys.modules if m == 'kivy' or m.startswith('kivy.')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.split("#")[0].strip() for line in readme.split("```sh", 1)[1].split("```", 1)[0].splitlines()
                if line.strip()]
    assert len(commands) == 2
    run_command, test_command = commands
    assert run_command.endswith("main.py")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert ci_lines[-1] == test_command
