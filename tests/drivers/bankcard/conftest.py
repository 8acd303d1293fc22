"""Bank card terminal fixtures: a clock that never waits, and one control panel over both backends.

The fake terminal library (`ums_library`, built from fake_ums.c) and its folder (`ums_dir`) are shared
payment fixtures (tests/fixtures/payment_gateway.py).

`terminal(backend)` gives a `MisPosTerminal` over either backend with the same controls (`outcome`, `hang`),
so one test runs against the vendor library in its child process and against the simulator. Waiting for
the citizen (card, PIN) advances the fake clock instead of sleeping.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.bankcard import MisPosTerminal, open_terminal
from drivers.bankcard.simulator import Outcome, SimulatedTerminal


class FakeTime:
    """A monotonic clock that only moves when the code under test waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waited = 0.0

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.waited += seconds


class Controls:
    """The same faults for both backends: the fake library's files, or the simulator's script."""

    def __init__(self, backend: str, folder: Path, simulator: SimulatedTerminal | None) -> None:
        self.backend = backend
        self.folder = folder
        self.simulator = simulator

    def outcome(self, outcome: str, code: str = "51") -> None:
        if self.simulator is not None:
            self.simulator.script(Outcome(outcome), response_code=code)
        else:
            (self.folder / "outcome").write_text(f"{outcome} {code}" if outcome == "declined" else outcome)

    def hang_transaction(self, *, after_approval: bool = False) -> None:
        if self.simulator is not None:
            self.simulator.script(Outcome.HANG_APPROVED if after_approval else Outcome.HANG)
        else:
            (self.folder / "hang").write_text("UMS_TransCard:sale after" if after_approval else "UMS_TransCard:sale")

    def recover(self) -> None:
        (self.folder / "hang").unlink(missing_ok=True)

    def calls(self) -> list[str]:
        if self.simulator is not None:
            return list(self.simulator.calls)
        path = self.folder / "calls"
        return path.read_text().split() if path.exists() else []


@pytest.fixture(params=["vendor", "simulator"])
def terminal(request, ums_library, ums_dir):
    """(MisPosTerminal, Controls, FakeTime) over the vendor library (0.5 s per call) or the simulator."""
    time = FakeTime()
    if request.param == "vendor":
        built = open_terminal("vendor", library_path=str(ums_library), timeout_s=0.5, transaction_timeout_s=0.5,
                              clock=time.clock, wait=time.wait)
        controls = Controls("vendor", ums_dir, None)
    else:
        simulator = SimulatedTerminal()
        built = MisPosTerminal(simulator, clock=time.clock, wait=time.wait)
        controls = Controls("simulator", ums_dir, simulator)
    with built:
        yield built, controls, time
