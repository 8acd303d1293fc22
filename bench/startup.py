"""Start-up benchmark: process start → first frame of the attract screen, and idle RSS after 30 s.

Runs the real `main.py` (demo profile, offscreen, no GPU) five times in fresh processes and prints the
median and the spread. Goal on a 2-core machine with no GPU: first frame ≤ 1.5 s, idle RSS ≤ 200 MiB.

    .venv/bin/python bench/startup.py [--runs 5] [--idle 30] [--hall embedded|remote]

`--hall remote` (the default) measures the kiosk as a site runs it: the reference hall in its own process,
reached over loopback. `--hall embedded` measures the demo profile, whose process also carries the hall.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hall_server.kiosk_secrets import write_kiosks_file  # noqa: E402

# Runs inside the kiosk process: hooks the first frame and reads the resident set size when idle.
PROBE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import main
import screens.window_setup as window_setup

original_configure = window_setup.configure_kivy

def configure_and_probe(**kwargs):
    original_configure(**kwargs)
    from kivy.clock import Clock
    from kivy.core.window import Window
    report = {{}}

    def first_flip(*_):
        if "first_frame" not in report:
            report["first_frame"] = time.monotonic()
            Clock.schedule_once(idle_report, {idle})

    def idle_report(_dt):
        rss_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
        report["idle_rss_mib"] = rss_kib / 1024
        print("PROBE " + json.dumps(report), flush=True)
        from kivy.app import App
        App.get_running_app().stop()

    Window.bind(on_flip=first_flip)

window_setup.configure_kivy = configure_and_probe
sys.exit(main.main(["--windowed", "--config", {config!r}]))
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_once(idle_s: float, config: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env["SDL_VIDEODRIVER"] = "offscreen"
    code = PROBE.format(root=str(ROOT), idle=idle_s, config=str(config))
    started = time.monotonic()  # CLOCK_MONOTONIC is system-wide on Linux: comparable across processes
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=idle_s + 120)
    line = next((l for l in result.stdout.splitlines() if l.startswith("PROBE ")), None)
    if line is None:
        raise RuntimeError(f"kiosk did not report (exit {result.returncode}): {result.stderr[-1500:]}")
    report = json.loads(line[len("PROBE "):])
    return {"first_frame_s": report["first_frame"] - started, "idle_rss_mib": report["idle_rss_mib"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds idle before RSS is read")
    parser.add_argument("--hall", choices=("remote", "embedded"), default="remote")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        config = Path(data) / "demo.toml"
        profile = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8").replace(
            'data_dir = "../data/demo"', f'data_dir = "{data}"')
        hall = None
        if args.hall == "remote":
            port = free_port()
            secret = "bench-secret-0123456789abcdef"
            hall = subprocess.Popen([sys.executable, "-m", "hall_server", "--port", str(port), "--db",
                                     str(Path(data) / "hall.sqlite3"), "--kiosks-file",
                                     str(write_kiosks_file(Path(data) / "kiosks", {"demo-kiosk-01": secret})),
                                     "--always-open"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            (Path(data) / "secrets.toml").write_text(
                f'kiosk_secret = "{secret}"\noutbox_key = "bench-outbox-key-0123456789"\n', encoding="utf-8")
            os.chmod(Path(data) / "secrets.toml", 0o600)
            profile = profile.replace('[hall]\nmode = "embedded"',  # the hall's, not the gas utility's
                                      f'[hall]\nmode = "remote"\nbase_url = "http://127.0.0.1:{port}"')
            profile = 'secrets_file = "secrets.toml"\n' + profile
        config.write_text(profile, encoding="utf-8")
        try:
            runs = [run_once(args.idle, config) for _ in range(args.runs)]
        finally:
            if hall is not None:
                hall.terminate()
                hall.wait(timeout=30)
    print(f"hall: {args.hall}")
    for index, run in enumerate(runs, 1):
        print(f"run {index}: first frame {run['first_frame_s']:.3f} s, idle RSS {run['idle_rss_mib']:.1f} MiB")
    first = [r["first_frame_s"] for r in runs]
    rss = [r["idle_rss_mib"] for r in runs]
    print(f"first frame: median {statistics.median(first):.3f} s (min {min(first):.3f}, max {max(first):.3f});"
          f" goal <= 1.5 s")
    print(f"idle RSS after {args.idle:.0f} s: median {statistics.median(rss):.1f} MiB"
          f" (min {min(rss):.1f}, max {max(rss):.1f}); goal <= 200 MiB")


if __name__ == "__main__":
    main()
