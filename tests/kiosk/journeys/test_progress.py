"""办件查询 without Kivy: the journey against the live reference hall over loopback HTTP, its answers
delivered at once on the worker thread and collected in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.clock import SiteClock
from domain.demo_citizens import demo_citizen
from domain.privacy import redact
from drivers.idcard.errors import ChecksumMismatch
from kiosk.journeys.progress import ProgressJourney, ProgressStep, step_time
from tests.fixtures.hall import HALL_MONDAY_10AM, query_code
from tests.kiosk.conftest import identity_of

HALL_TODAY = date(2026, 11, 23)  # the hall fixture's clock: Monday 10:00 CST
DEADLINE_S = 20


@pytest.fixture
def journey(hall_client, worker, session, views, frozen_clock):
    frozen_clock(HALL_MONDAY_10AM)
    journey = ProgressJourney(hall=hall_client, worker=worker, session=session, on_change=views,
                              clock=SiteClock())
    journey.begin()
    assert views.until(ProgressStep.CHOOSE)
    return journey


def test_the_card_finds_every_case_of_the_citizen_newest_first_with_their_timelines(journey, views, session):
    citizen = demo_citizen("resident")
    journey.card_read(identity_of(citizen))
    view = views.until(ProgressStep.RESULT)

    assert views.steps[-2:] == [ProgressStep.LOOKING_UP, ProgressStep.RESULT]
    assert view.by_card and view.masked_name == "张**"
    assert [case.case_number for case in view.cases] == ["YT2026SC000123", "YT2026JJ000045"]
    approving = view.cases[0]
    assert [(s.name, s.status) for s in approving.steps] == [
        ("受理", "done"), ("审批", "done"), ("办结", "current"), ("送达", "pending")]
    assert step_time(approving.steps[0].at, SiteClock()) == "2026-11-22 10:12"
    assert step_time(approving.steps[2].at, SiteClock()) == ""
    assert session.recall("identity") is not None
    assert redact(citizen.name) != citizen.name  # the log filter knows the name until the session ends


def test_a_typed_case_number_with_its_query_code_finds_that_case_whoever_holds_it(journey, views, hall_server):
    journey.enter_number()
    assert views.until(ProgressStep.ENTER_NUMBER)
    journey.look_up_number(" yt2026mz000078 ")  # lower case and spaces as a citizen might type them
    assert views.until(ProgressStep.ENTER_CODE).case_number == "YT2026MZ000078"
    journey.look_up_number(query_code(hall_server, "YT2026MZ000078"))
    view = views.until(ProgressStep.RESULT)

    assert not view.by_card and view.case_number == "YT2026MZ000078"
    (case,) = view.cases
    assert case.applicant_masked == "李**" and case.status == "completed"
    assert [s.status for s in case.steps] == ["done", "done", "done", "current"]


def test_finding_6_a_case_number_with_a_wrong_query_code_is_not_found(journey, views, hall_server):
    """GIVEN the number of someone else's case WHEN a wrong query code is typed THEN the hall shows nothing of it
    (a case number alone showed the case: numbers are sequential), as for a number that does not exist."""
    journey.enter_number()
    journey.look_up_number("YT2026MZ000078")
    wrong = "000000" if query_code(hall_server, "YT2026MZ000078") != "000000" else "111111"
    journey.look_up_number(wrong)
    view = views.until(ProgressStep.NOT_FOUND)
    assert view.problem == "case_progress.number_not_found" and view.cases == ()


def test_a_query_code_that_is_not_six_digits_is_refused_before_asking_the_hall(journey, views):
    journey.enter_number()
    journey.look_up_number("YT2026MZ000078")
    journey.look_up_number("12a4")
    view = journey.view                      # typed checks are made on the UI thread: no waiting
    assert view.step is ProgressStep.ENTER_CODE and view.problem == "case_progress.code_incomplete"
    assert view.case_number == "YT2026MZ000078"
    journey.back()
    assert journey.view.step is ProgressStep.ENTER_NUMBER and journey.view.case_number == "YT2026MZ000078"
    assert ProgressStep.LOOKING_UP not in views.steps


def test_an_unknown_case_number_is_not_found_and_can_be_corrected(journey, views):
    journey.enter_number()
    journey.look_up_number("YT2026SC999999")
    journey.look_up_number("123456")
    view = views.until(ProgressStep.NOT_FOUND)
    assert view.problem == "case_progress.number_not_found" and view.case_number == "YT2026SC999999"

    journey.enter_number()
    again = views.until(ProgressStep.ENTER_NUMBER)
    assert again.case_number == "YT2026SC999999" and again.problem == ""


def test_a_number_too_short_is_refused_before_asking_the_hall(journey, views):
    journey.enter_number()
    views.until(ProgressStep.ENTER_NUMBER)
    journey.look_up_number("123")
    view = views.until(ProgressStep.ENTER_NUMBER)
    assert view.problem == "case_progress.number_incomplete" and view.case_number == "123"
    assert ProgressStep.LOOKING_UP not in views.steps


def test_a_card_without_cases_says_so_plainly(journey, views):
    journey.card_read(identity_of(demo_citizen("hk-permit")))
    view = views.until(ProgressStep.NOT_FOUND)
    assert view.problem == "case_progress.none_for_card" and view.masked_name == "陈**"


def test_an_unusable_card_is_explained_and_an_expired_one_too(journey, views):
    journey.card_failed(ChecksumMismatch("frame checksum wrong"))
    assert views.until(ProgressStep.CARD_PROBLEM).problem == "card.unreadable"
    expired = replace(demo_citizen("resident"), valid_until=date(2020, 1, 1))
    journey.card_read(identity_of(expired))
    assert views.until(ProgressStep.CARD_PROBLEM).problem == "card.expired"


def test_a_card_placed_while_the_cases_are_shown_is_wiped_at_once(journey, views, session):
    first = identity_of(demo_citizen("resident"))
    journey.card_read(first)
    views.until(ProgressStep.RESULT)
    second = identity_of(demo_citizen("elder"))
    journey.card_read(second)
    assert second.wiped and not first.wiped and session.recall("identity") is first


def test_hall_down_mid_journey_says_so_and_keeps_nothing_personal_in_the_view(journey, views, hall_server):
    hall_server.server.stop()
    journey.card_read(identity_of(demo_citizen("resident")))
    view = views.until(ProgressStep.UNAVAILABLE)
    assert view.problem == "case_progress.hall_down"
    assert "张测试" not in repr(view) and demo_citizen("resident").id_number not in repr(view)


def test_no_hall_at_all_is_unavailable_at_once(worker, session, views):
    journey = ProgressJourney(hall=None, worker=worker, session=session, on_change=views, clock=SiteClock())
    journey.begin()
    journey.enter_number()
    journey.look_up_number("YT2026SC000123")
    journey.look_up_number("123456")
    assert views.until(ProgressStep.UNAVAILABLE).problem == "case_progress.hall_down"


def test_answers_after_cancel_are_dropped(journey, views, worker):
    journey.card_read(identity_of(demo_citizen("resident")))
    views.until(ProgressStep.LOOKING_UP)
    journey.cancel()
    worker.shutdown(wait=True)  # the lookup has answered by now
    assert views._queue.empty() and journey.view.step is ProgressStep.LOOKING_UP
