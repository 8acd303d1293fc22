"""schemathesis over the hall API and the gas utility's API, on live servers over loopback (issue 18).

Every request is signed by the real client's signer (kiosk.hall.client.HallSignature, the gas terminal's), so
the generated cases reach the handlers. Valid and invalid requests alike: a valid one must be accepted or
refused for a documented reason, an invalid one refused with a documented 4xx, every answer as the API
document says (status, content type, headers, body), never a 5xx. Then sequences along the documents'
links (a queue, a ticket in it, its review link and its review; an appointment, its check-in). Derandomized
and bounded, so the suite stays fast and the same every run; bench/api_fuzz.py runs the same for longer.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import requests
import schemathesis

from hall_server.rate_limits import LookupLimits
from kiosk.hall.client import HallSignature
from tests.fixtures.api_fuzz import Tally, register_formats, run_schemathesis, run_stateful
from tests.fixtures.gas_utility import start_live_gas_utility
from tests.fixtures.hall import OpenApiContract, start_live_hall

HALL_CASES, HALL_SEQUENCES = 400, 60
GAS_CASES, GAS_SEQUENCES = 250, 40


def _schema(package: str):
    register_formats()
    return schemathesis.openapi.from_path(str(resources.files(package) / "openapi.yaml"))


def _assert_clean(tally: Tally, at_least: int) -> None:
    assert tally.cases >= at_least, f"only {tally.cases} cases ran"
    assert not tally.failures, "\n\n".join(tally.failures[:5])
    assert not [status for status in tally.statuses if status >= 500], tally.statuses


@pytest.fixture(scope="module")
def fuzzed_hall(tmp_path_factory: pytest.TempPathFactory):
    # The rate limits would answer most lookups 429 (documented, but nothing behind it would be reached).
    hall = start_live_hall(tmp_path_factory.mktemp("fuzzed-hall"),
                           lookup_limits=LookupLimits(kiosk_burst=10**9, identity_burst=10**9))
    session = requests.Session()
    session.auth = HallSignature(hall.kiosk_id, hall.secret)
    yield hall, session
    session.close()
    hall.server.stop()


def test_the_hall_api_answers_every_generated_request_as_documented(fuzzed_hall):
    hall, session = fuzzed_hall
    tally = run_schemathesis(_schema("hall_server"), hall.base_url, session, max_examples=HALL_CASES)
    _assert_clean(tally, HALL_CASES)
    assert {200, 201, 400, 404, 422} <= set(tally.statuses), tally.statuses     # it reached the handlers


def test_the_hall_api_holds_along_its_links(fuzzed_hall):
    hall, session = fuzzed_hall
    tally = run_stateful(_schema("hall_server"), hall.base_url, session, max_examples=HALL_SEQUENCES)
    _assert_clean(tally, HALL_SEQUENCES)
    assert 201 in tally.statuses, tally.statuses


@pytest.fixture(scope="module")
def fuzzed_gas_utility(tmp_path_factory: pytest.TempPathFactory):
    utility = start_live_gas_utility(tmp_path_factory.mktemp("fuzzed-gas"), OpenApiContract("gas_server"))
    client = utility.client(checked=False)
    yield utility, client.session
    client.close()
    utility.server.stop()


def test_the_gas_utility_api_answers_every_generated_request_as_documented(fuzzed_gas_utility):
    utility, session = fuzzed_gas_utility
    tally = run_schemathesis(_schema("gas_server"), utility.base_url, session, max_examples=GAS_CASES)
    _assert_clean(tally, GAS_CASES)


def test_the_gas_utility_api_holds_along_its_links(fuzzed_gas_utility):
    utility, session = fuzzed_gas_utility
    tally = run_stateful(_schema("gas_server"), utility.base_url, session, max_examples=GAS_SEQUENCES)
    _assert_clean(tally, GAS_SEQUENCES)
