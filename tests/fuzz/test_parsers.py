"""Coverage-guided fuzzing (atheris) of the parsers that read bytes from outside (issue 18): the ID card frame
codec, the printer's status replies, the gas card layouts and the configuration loader.

Each target (tests/fuzz/targets.py) runs in a process of its own for a short, seeded run; any exception other
than its typed errors fails the test with libFuzzer's report (the crashing input included). The long runs —
a million inputs each, with the slowest input measured — are bench/fuzz.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
RUNS = {"idcard_frames": 12_000, "printer_status": 20_000, "gas_card_layouts": 20_000, "config_loader": 6_000}


def fuzz(target: str, runs: int, *options: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tests.fuzz.atheris_main", target, f"-runs={runs}", "-seed=1",
                           "-timeout=10", *options], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_parser_ends_every_input_in_its_value_or_its_typed_error(target: str, tmp_path: Path) -> None:
    finished = fuzz(target, RUNS[target], f"-artifact_prefix={tmp_path}/")
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert f"fuzzed {target}: {RUNS[target]} inputs" in finished.stdout, finished.stdout[-2000:]


def test_the_harness_catches_an_untyped_error(tmp_path: Path) -> None:
    """The fuzzer would be worthless if a crash went unnoticed: a target that raises KeyError fails the run."""
    finished = fuzz("self_check", 1000, f"-artifact_prefix={tmp_path}/")
    assert finished.returncode != 0 and "KeyError" in finished.stdout + finished.stderr
