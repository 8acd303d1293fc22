"""Long schemathesis runs over the hall API and the gas utility's API (issue 18): what the suite does briefly.

    .venv/bin/python bench/api_fuzz.py [--cases 20000] [--sequences 2000]

Live servers on loopback (fresh databases in a temporary folder), every request signed by the real clients'
signers, valid and invalid requests, then sequences along the documents' links (tests/fixtures/api_fuzz.py).
Prints per API the cases, the answers by status, the time and the failures; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import schemathesis  # noqa: E402

from hall_server.rate_limits import LookupLimits  # noqa: E402
from kiosk.hall.client import HallSignature  # noqa: E402
from tests.fixtures.api_fuzz import Tally, register_formats, run_schemathesis, run_stateful  # noqa: E402
from tests.fixtures.gas_utility import start_live_gas_utility  # noqa: E402
from tests.fixtures.hall import OpenApiContract, start_live_hall  # noqa: E402


def _schema(package: str):
    return schemathesis.openapi.from_path(str(resources.files(package) / "openapi.yaml"))


def _report(name: str, tally: Tally, seconds: float) -> bool:
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items()))
    print(f"{name:<22} {tally.cases:>7,} requests in {seconds:6.1f} s  ({statuses})  failures: {len(tally.failures)}")
    for failure in tally.failures[:5]:
        print("    " + failure.replace("\n", "\n    "))
    return not tally.failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--sequences", type=int, default=2_000)
    args = parser.parse_args()
    register_formats()
    ok = True
    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as folder:
        hall_folder, gas_folder = Path(folder) / "hall", Path(folder) / "gas"
        hall_folder.mkdir()
        gas_folder.mkdir()
        hall = start_live_hall(hall_folder, lookup_limits=LookupLimits(kiosk_burst=10**9,
                                                                               identity_burst=10**9))
        session = requests.Session()
        session.auth = HallSignature(hall.kiosk_id, hall.secret)
        gas = start_live_gas_utility(gas_folder, OpenApiContract("gas_server"))
        terminal = gas.client(checked=False)
        try:
            for name, run, target, count in (
                    ("hall API", run_schemathesis, ("hall_server", hall.base_url, session), args.cases),
                    ("hall API, links", run_stateful, ("hall_server", hall.base_url, session), args.sequences),
                    ("gas API", run_schemathesis, ("gas_server", gas.base_url, terminal.session), args.cases),
                    ("gas API, links", run_stateful, ("gas_server", gas.base_url, terminal.session), args.sequences)):
                package, base_url, signed = target
                started = time.perf_counter()
                tally = run(_schema(package), base_url, signed, max_examples=count)
                ok = _report(name, tally, time.perf_counter() - started) and ok
        finally:
            terminal.close()
            gas.server.stop()
            session.close()
            hall.server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
