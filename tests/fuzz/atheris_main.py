"""Run one fuzz target (tests/fuzz/targets.py) under atheris, coverage-guided, in a process of its own.

    python -m tests.fuzz.atheris_main TARGET [libFuzzer options: -runs=N -seed=1 ...]

The target's seeds are written to a fresh corpus folder first. A target that raises anything but its typed
errors (or hangs past -timeout) makes libFuzzer print the input and exit non-zero. With -runs=N, when the
N-th input is done one line is printed for the caller: `fuzzed TARGET: N inputs in S s (R/s), slowest M ms`
(libFuzzer ends the process without running exit handlers, so it is printed from the last input). "Slowest"
is CPU time of the input alone, so a busy machine does not pass for a slow parser; the input is kept to replay.
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
    slowest, slowest_input = 0.0, b""
    started = time.perf_counter()

    def one_input(data: bytes) -> None:
        nonlocal count, slowest, slowest_input
        # This thread's CPU time: what the input costs, whatever else the machine is doing meanwhile.
        began = time.thread_time()
        target.run(data)
        spent = time.thread_time() - began
        if spent > slowest:
            slowest, slowest_input = spent, data
        count += 1
        if count == runs:
            elapsed = time.perf_counter() - started
            kept = corpus / "slowest-input"
            kept.write_bytes(slowest_input)
            print(f"fuzzed {target.name}: {count} inputs in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s),"
                  f" slowest {slowest * 1000:.1f} ms ({len(slowest_input)} bytes, kept in {kept})", flush=True)

    atheris.Setup([argv[0], *argv[2:], str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
