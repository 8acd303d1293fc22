"""Run one fuzz target (tests/fuzz/targets.py) under atheris, coverage-guided, in a process of its own.

    python -m tests.fuzz.atheris_main TARGET [libFuzzer options: -runs=N -seed=1 ...]

The target's seeds are written to a fresh corpus folder first. A target that raises anything but its typed
errors (or hangs past -timeout) makes libFuzzer print the input and exit non-zero. With -runs=N, when the
N-th input is done one line is printed for the caller: `fuzzed TARGET: N inputs in S s (R/s), slowest M ms`
(libFuzzer ends the process without running exit handlers, so it is printed from the last input).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["drivers", "kiosk.config", "domain"]):
    from tests.fuzz.targets import SELF_CHECK, TARGETS


def main(argv: list[str]) -> None:
    target = {**TARGETS, SELF_CHECK.name: SELF_CHECK}[argv[1]]
    corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{target.name}-"))
    for index, seed in enumerate(target.seeds()):
        (corpus / f"seed-{index:03d}").write_bytes(seed)
        target.run(seed)            # warm up (first-use set-up of validators, caches) before anything is timed
    runs = next((int(arg.split("=", 1)[1]) for arg in argv if arg.startswith("-runs=")), 0)
    count = 0
    slowest = 0.0
    started = time.perf_counter()

    def one_input(data: bytes) -> None:
        nonlocal count, slowest
        began = time.perf_counter()
        target.run(data)
        slowest = max(slowest, time.perf_counter() - began)
        count += 1
        if count == runs:
            elapsed = time.perf_counter() - started
            print(f"fuzzed {target.name}: {count} inputs in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s),"
                  f" slowest {slowest * 1000:.1f} ms", flush=True)

    atheris.Setup([argv[0], *argv[2:], str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
