"""`python main.py --diagnose`: the diagnostics on stdout, no window, and an exit code a script can use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
# Runs main() in a fresh interpreter and fails if anything imported Kivy (a window must never open).
RUNNER = ("import sys, main; code = main.main(sys.argv[1:]); "
          "kivy = [m for m in sys.modules if m == 'kivy' or m.startswith('kivy.')]; "
          "print('KIVY IMPORTED', kivy, file=sys.stderr) if kivy else None; sys.exit(code if not kivy else 99)")


def write_profile(folder: Path, *, reader_port: str = "sim://none", extra: str = "") -> Path:
    profile = folder / "site.toml"
    profile.write_text(f'''profile = "demo"
services = ["ticket", "guide"]
data_dir = "data"
[site]
name = "测试大厅"
name_en = "Test hall"
[devices.idcard]
port = "{reader_port}"
[devices.printer]
url = "sim://80mm"
{extra}''', encoding="utf-8")
    return profile


def diagnose(profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, "--diagnose", "--config", str(profile)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_a_healthy_kiosk_prints_every_line_and_exits_0_without_kivy(tmp_path: Path) -> None:
    result = diagnose(write_profile(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "[OK     ] reader     connected" in result.stdout
    assert "[OK     ] printer    ready" in result.stdout
    assert result.stdout.strip().endswith("verdict: all well")


def test_a_missing_reader_is_a_fault_and_exit_1(tmp_path: Path) -> None:
    result = diagnose(write_profile(tmp_path, reader_port=str(tmp_path / "ttyUSB-missing")))
    assert result.returncode == 1, result.stderr
    assert "[FAULT  ] reader     no_reader" in result.stdout
    assert "check the reader's USB/serial cable" in result.stdout


def test_a_broken_profile_is_exit_2_with_the_one_line_message(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, extra="paper_width = 76\n")
    result = diagnose(profile)
    assert result.returncode == 2
    assert result.stderr.strip() == f"{profile}: devices.printer.paper_width: expected 58 or 80, got 76"


def test_an_outbox_held_by_the_running_kiosk_is_reported_as_in_use(tmp_path: Path) -> None:
    """The running kiosk keeps its outbox file locked; --diagnose says so instead of waiting or failing."""
    from kiosk.outbox.store import Outbox, derive_key

    running = Outbox(tmp_path / "data" / "outbox.sqlite3", derive_key("the-running-kiosk-outbox-key"))
    try:
        result = diagnose(write_profile(tmp_path))
    finally:
        running.close()
    assert result.returncode == 0, result.stderr
    assert "[INFO   ] outbox     in_use" in result.stdout
    assert "held by the running kiosk app" in result.stdout
