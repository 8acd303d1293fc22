"""Long fuzzing runs of the parsers that read bytes from outside (issue 18): a million inputs each by default.

    .venv/bin/python bench/fuzz.py [--runs 1000000] [--target idcard_frames ...]

Each target of tests/fuzz/targets.py (the ID card frame codec, the printer's status replies, the gas card
layouts, the configuration loader) runs under atheris, coverage-guided, in a process of its own
(tests/fuzz/atheris_main.py). Prints per target the inputs, the rate and the slowest single input; exits 1 if a
target raised anything but its typed errors or any input took over 100 ms (a hang the kiosk would feel).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz.targets import TARGETS  # noqa: E402

SLOWEST_ALLOWED_MS = 100.0
REPORT = re.compile(r"fuzzed (\S+): (\d+) inputs in ([\d.]+) s \((\d+)/s\), slowest ([\d.]+) ms \((.*)\)")


def run(target: str, runs: int) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as artifacts:
        finished = subprocess.run([sys.executable, "-m", "tests.fuzz.atheris_main", target, f"-runs={runs}",
                                   "-seed=1", "-timeout=5", "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/"],
                                  cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                                  text=True)
    found = REPORT.search(finished.stdout)
    if finished.returncode != 0 or found is None:
        return False, f"{target}: FAILED\n{finished.stdout[-3000:]}{finished.stderr[-3000:]}"
    _name, count, seconds, rate, slowest, where = found.groups()
    ok = float(slowest) <= SLOWEST_ALLOWED_MS
    verdict = "ok" if ok else f"TOO SLOW (over {SLOWEST_ALLOWED_MS:.0f} ms; {where})"
    return ok, f"{target:<18} {int(count):>10,} inputs  {float(seconds):>7.1f} s  {int(rate):>7,}/s  " \
               f"slowest {float(slowest):6.1f} ms  {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    args = parser.parse_args()
    all_ok = True
    for target in args.target or list(TARGETS):
        ok, line = run(target, args.runs)
        all_ok = all_ok and ok
        print(line, flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
