"""好差评 without Kivy: the journey against the live reference hall over loopback HTTP, a real outbox file,
and the real outbox sender delivering what the journey queued. Worker answers are delivered at once."""

from __future__ import annotations

import logging
import random
import socket
from pathlib import Path

import pytest

from domain.demo_citizens import demo_citizen
from domain.review_scale import INDICATORS, LEVELS, REASONS, REVIEW_INDICATORS, REVIEW_LEVELS, REVIEW_REASONS
from hall_server.schemas import ReviewRequest
from kiosk.hall.client import HallClient
from kiosk.journeys.review import MAX_COMMENT, ReviewJourney, ReviewStep, review_body
from kiosk.maintenance.logs import MaskingFilter
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key
from tests.fixtures.hall import hall_rows, query_code
from tests.fixtures.hall import LiveHall
from tests.kiosk.conftest import Clock, Views, identity_of, deliver_all

RESIDENT = demo_citizen("resident").id_number

KEY = derive_key("test-outbox-key-not-for-production")
DEADLINE_S = 20


def served_ticket(hall: LiveHall, client) -> str:
    ticket = client.issue_ticket("social")
    hall.simulation.call_next("social", 1)
    hall.simulation.finish(ticket.ticket_id)
    return ticket.ticket_id


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(tmp_path / "outbox.sqlite3", KEY)
    yield box
    box.close()


@pytest.fixture
def unreachable_client():
    refusing = socket.socket()
    refusing.bind(("127.0.0.1", 0))                 # bound, never listening: connections are refused
    client = HallClient(f"http://127.0.0.1:{refusing.getsockname()[1]}", "kiosk-test-01", b"x" * 16, retries=0,
                        connect_timeout=1.0)
    yield client
    client.close()
    refusing.close()


@pytest.fixture
def start(hall_client, outbox, worker, session):
    def start(target=None, *, hall=hall_client, box=outbox, begin=True):
        views = Views()
        journey = ReviewJourney(hall=hall, outbox=box, worker=worker, session=session, on_change=views,
                                target=target)
        if begin:
            journey.begin()
        return journey, views

    return start


def test_bodies_are_exactly_what_the_hall_accepts() -> None:
    """GIVEN each kind of rating WHEN its body is built THEN the hall's own ReviewRequest accepts it unchanged."""
    happy = review_body({"ticket_id": "tk1"}, "satisfied", {"attitude": "satisfied", "overall": "very_satisfied"},
                        reasons={"long_wait"}, callback_phone="13800000001")
    assert happy == {"ticket_id": "tk1", "level": "satisfied",
                     "indicators": {"overall": "very_satisfied", "attitude": "satisfied"}}
    unhappy = review_body({"case_number": "YT2026SC000123", "query_code": "482913"}, "very_dissatisfied", {},
                          reasons=frozenset({"other", "long_wait"}), callback_phone="13800000001",
                          comment=" 窗口只开了一个 ")
    assert unhappy == {"case_number": "YT2026SC000123", "query_code": "482913", "level": "very_dissatisfied",
                       "indicators": {}, "reasons": ["long_wait", "other"], "comment": "窗口只开了一个",
                       "callback_phone": "13800000001"}
    for body in (happy, unhappy):
        accepted = ReviewRequest.model_validate(body).model_dump(exclude_none=True)
        assert {name: accepted[name] for name in body} == body
    longest = review_body({"ticket_id": "tk1"}, "satisfied", comment="好" * MAX_COMMENT)
    assert ReviewRequest.model_validate(longest).comment == "好" * MAX_COMMENT
    with pytest.raises(ValueError, match="at most 300 characters"):
        review_body({"ticket_id": "tk1"}, "satisfied", comment="好" * (MAX_COMMENT + 1))
    with pytest.raises(ValueError, match="unknown review level"):
        review_body({"ticket_id": "tk1"}, "great")
    with pytest.raises(ValueError, match="a ticket_id, or a case_number with its proof"):
        review_body({"ticket_id": "tk1", "case_number": "YT1"}, "satisfied")
    with pytest.raises(ValueError, match="a ticket_id, or a case_number with its proof"):
        review_body({"case_number": "YT1"}, "satisfied")            # finding 6: a case number alone


def test_every_level_indicator_and_reason_has_the_kiosks_words_in_both_languages() -> None:
    from kiosk.i18n import Catalogue

    catalogue = Catalogue.load()
    for level in LEVELS:        # the hall's own words, so the kiosk and the phone page say the same
        assert catalogue.text(f"review.level.{level}", "zh") == REVIEW_LEVELS[level]
    for reason in REASONS:
        assert catalogue.text(f"review.reason.{reason}", "zh") == REVIEW_REASONS[reason]
    for name in INDICATORS:
        assert catalogue.text(f"review.indicator.{name}", "en")
        assert catalogue.text(f"review.indicator.{name}", "zh") == REVIEW_INDICATORS[name]


def test_a_served_ticket_is_rated_with_indicators_and_reaches_the_hall_exactly_once(
        hall_server, hall_client, outbox, start) -> None:
    ticket_id = served_ticket(hall_server, hall_client)
    journey, views = start({"ticket_id": ticket_id})
    rate = views.until(ReviewStep.RATE)
    assert rate.subject.endswith("社保医保综合窗口")

    journey.rate("very_satisfied")
    asked = views.until(ReviewStep.INDICATORS)
    assert asked.indicator == "overall"
    journey.rate_indicator("very_satisfied")
    assert views.until(ReviewStep.INDICATORS).indicator == "efficiency"
    journey.rate_indicator("satisfied")
    journey.skip_indicators()                           # the rest is optional
    thanks = views.until(ReviewStep.THANKS)
    assert thanks.reference and not thanks.unsatisfied and thanks.masked_phone == ""

    deliver_all(outbox, hall_client)
    deliver_all(outbox, hall_client)                    # a second pass finds nothing more to send
    assert hall_rows(hall_server.db_path, "SELECT target_kind, target_id, level, overall, efficiency, service_level,"
                                  " attitude, reasons, channel FROM reviews") == [
        ("ticket", ticket_id, "very_satisfied", "very_satisfied", "satisfied", None, None, "[]", "kiosk")]
    assert outbox.stats().pending == 0 and outbox.dead_items() == []


def test_unsatisfied_asks_reasons_and_a_valid_phone_and_files_a_call_back(
        hall_server, hall_client, outbox, session, start, caplog) -> None:
    phone = "13800000001"
    code = query_code(hall_server, "YT2026SC000123")
    journey, views = start({"case_number": "YT2026SC000123", "query_code": code})
    views.until(ReviewStep.RATE)
    journey.rate("dissatisfied")
    views.until(ReviewStep.INDICATORS)
    journey.skip_indicators()
    views.until(ReviewStep.REASONS)
    journey.confirm_reasons()
    assert views.until(ReviewStep.REASONS).problem == "review.reasons_required"
    journey.toggle_reason("slow_processing")
    journey.toggle_reason("long_wait")
    journey.toggle_reason("other")
    journey.toggle_reason("other")                      # a second touch takes a reason back
    journey.confirm_reasons()
    views.until(ReviewStep.PHONE)
    with caplog.at_level(logging.DEBUG):
        journey.give_phone("23800000001")               # not a mainland mobile number
        assert views.until(ReviewStep.PHONE).problem == "review.phone_invalid"
        assert outbox.stats().pending == 0              # nothing is saved until the number is right
        journey.give_phone(phone)
        thanks = views.until(ReviewStep.THANKS)
        journey.give_phone(phone)                       # a second tap on "send" sends nothing more
    assert outbox.stats().pending == 1
    assert thanks.masked_phone == "138****0001" and thanks.reasons == {"long_wait", "slow_processing"}
    assert session.recall("review.callback_phone") == phone
    assert phone not in caplog.text

    deliver_all(outbox, hall_client)
    assert hall_rows(hall_server.db_path, "SELECT target_kind, target_id, level, reasons FROM reviews") == [
        ("case", "YT2026SC000123", "dissatisfied", '["long_wait", "slow_processing"]')]
    assert hall_rows(hall_server.db_path, "SELECT phone, status FROM callback_requests") == [(phone, "pending")]
    session.wipe()
    assert session.recall("review.callback_phone") is None


def test_a_comment_reaches_the_hall_sealed_and_never_in_a_log(hall_server, hall_client, outbox, session, start,
                                                                caplog, tmp_path) -> None:
    """GIVEN an unsatisfied rating WHEN the citizen writes a comment beside the reasons THEN it is shown back,
    delivered to the hall exactly, held only sealed in the outbox, masked in logs until the session ends; back from
    writing keeps the comment written before, and an over-long one is cut at the hall's limit."""
    words = "窗口只开了一个，等了很久"
    journey, views = start({"ticket_id": served_ticket(hall_server, hall_client)})
    views.until(ReviewStep.RATE)
    journey.rate("very_dissatisfied")
    journey.skip_indicators()
    views.until(ReviewStep.REASONS)
    journey.toggle_reason("long_wait")
    journey.open_comment()
    assert views.until(ReviewStep.COMMENT).comment == "" and journey.view.reasons == {"long_wait"}
    journey.finish_comment("好" * (MAX_COMMENT + 5))
    assert len(journey.view.comment) == MAX_COMMENT
    journey.open_comment()
    journey.finish_comment(f"  {words}  ")
    assert journey.view.step is ReviewStep.REASONS and journey.view.comment == words
    journey.open_comment()
    journey.back()                                      # back from writing: the comment written before stays
    assert journey.view.step is ReviewStep.REASONS and journey.view.comment == words
    journey.confirm_reasons()
    journey.back()
    assert journey.view.step is ReviewStep.REASONS and journey.view.comment == words
    journey.confirm_reasons()
    journey.skip_phone()
    assert views.until(ReviewStep.THANKS).comment == words
    assert words.encode() not in (tmp_path / "outbox.sqlite3").read_bytes()
    caplog.handler.addFilter(MaskingFilter())           # as on every handler of the running kiosk
    with caplog.at_level(logging.INFO):
        logging.getLogger("kiosk.test").info("the citizen wrote %s", words)
    assert words not in caplog.text and f"«{len(words)} 字»" in caplog.text

    deliver_all(outbox, hall_client)
    assert hall_rows(hall_server.db_path, "SELECT level, reasons, comment FROM reviews") == [
        ("very_dissatisfied", '["long_wait"]', words)]
    session.wipe()                                      # the visit ends: the filter forgets the words too
    assert MaskingFilter().filter(record := logging.makeLogRecord({"msg": words})) and record.msg == words


def test_a_satisfied_rating_is_not_asked_for_a_comment(start) -> None:
    journey, views = start({"case_number": "YT2026SC000123", "query_code": "000000"}, hall=None)
    views.until(ReviewStep.RATE)
    journey.rate("satisfied")
    journey.open_comment()                              # not offered: a satisfied rating stays one tap
    assert journey.view.step is ReviewStep.INDICATORS


def test_back_returns_to_the_previous_question_with_its_answers(start) -> None:
    journey, views = start({"case_number": "YT2026JJ000045", "query_code": "123456"})
    views.until(ReviewStep.RATE)
    journey.rate("very_dissatisfied")
    journey.rate_indicator("dissatisfied")
    journey.skip_indicators()
    journey.toggle_reason("bad_attitude")
    journey.back()                                      # choices are made on the UI thread: no waiting
    again = journey.view
    assert again.step is ReviewStep.INDICATORS
    assert again.indicator == "efficiency" and again.indicators == (("overall", "dissatisfied"),)
    journey.back()
    assert journey.view.step is ReviewStep.INDICATORS and journey.view.indicator == "overall"
    journey.back()
    assert journey.view.step is ReviewStep.RATE and journey.view.level == ""


def test_a_ticket_still_waiting_cannot_be_rated_yet_and_nothing_is_queued(hall_client, outbox, start) -> None:
    ticket = hall_client.issue_ticket("social")
    journey, views = start({"ticket_id": ticket.ticket_id})
    waiting = views.until(ReviewStep.NOT_SERVED)
    assert waiting.problem == "review.not_served" and ticket.number in waiting.subject
    journey.rate("satisfied")                           # no rating screen, no rating
    assert journey.view.step is ReviewStep.NOT_SERVED and outbox.stats().pending == 0


def test_a_ticket_already_rated_on_the_phone_is_not_offered_again(hall_server, hall_client, outbox, start) -> None:
    """GIVEN a served ticket the citizen already rated through its QR code WHEN its 好差评 opens at the kiosk
    THEN it says so plainly and queues nothing (the hall would refuse a second review later)."""
    ticket_id = served_ticket(hall_server, hall_client)
    hall_client.submit_review("very_satisfied", ticket_id=ticket_id)      # as the phone page would
    journey, views = start({"ticket_id": ticket_id})
    rated = views.until(ReviewStep.NOTHING_TO_RATE)
    assert rated.problem == "review.already_reviewed" and rated.subject.endswith("社保医保综合窗口")
    journey.rate("satisfied")
    assert journey.view.step is ReviewStep.NOTHING_TO_RATE and outbox.stats().pending == 0


def test_cases_already_rated_are_left_out_and_when_none_is_left_it_says_so(hall_client, start) -> None:
    hall_client.submit_review("satisfied", case_number="YT2026SC000123", id_number=RESIDENT)
    journey, views = start()
    journey.card_read(identity_of(demo_citizen("resident")))
    assert [case.case_number for case in views.until(ReviewStep.CHOOSE_CASE).cases] == ["YT2026JJ000045"]

    hall_client.submit_review("satisfied", case_number="YT2026JJ000045", id_number=RESIDENT)
    journey, views = start()
    journey.card_read(identity_of(demo_citizen("resident")))
    nothing = views.until(ReviewStep.NOTHING_TO_RATE)
    assert nothing.problem == "review.all_reviewed" and nothing.masked_name == "张**"


def test_the_already_rated_messages_are_plain_in_both_languages() -> None:
    from kiosk.i18n import Catalogue

    catalogue = Catalogue.load()
    assert catalogue.text("review.already_reviewed", "zh") == "您已评价过这次服务，感谢您的参与。"
    assert catalogue.text("review.already_reviewed", "en") == "You have already rated this service. Thank you."
    assert catalogue.text("review.all_reviewed", "zh") and catalogue.text("review.all_reviewed", "en")


def test_a_ticket_the_hall_does_not_know_is_not_rated(start) -> None:
    journey, views = start({"ticket_id": "tk-unknown"})
    assert views.until(ReviewStep.NOTHING_TO_RATE).problem == "review.ticket_unknown"


def test_from_the_home_tile_the_card_lists_the_citizens_cases_to_choose_from(start) -> None:
    journey, views = start()
    assert journey.view.step is ReviewStep.WAITING_CARD
    journey.card_read(identity_of(demo_citizen("resident")))
    choose = views.until(ReviewStep.CHOOSE_CASE)
    assert choose.masked_name == "张**"
    assert {case.case_number for case in choose.cases} == {"YT2026SC000123", "YT2026JJ000045"}
    journey.choose_case("YT2026JJ000045")
    rate = views.until(ReviewStep.RATE)
    assert "YT2026JJ000045" in rate.subject and "换领机动车驾驶证" in rate.subject
    with pytest.raises(ValueError):
        journey.rate("excellent")
    stray = identity_of(demo_citizen("elder"))
    journey.card_read(stray)                            # a card placed while rating is not asked for
    assert stray.wiped and journey.view.step is ReviewStep.RATE


def test_a_citizen_without_cases_is_told_plainly_there_is_nothing_to_rate(start) -> None:
    journey, views = start()
    first = identity_of(demo_citizen("foreign-2017"))
    journey.card_read(first)
    nothing = views.until(ReviewStep.NOTHING_TO_RATE)
    assert nothing.problem == "review.no_cases"
    journey.try_again()
    assert journey.view.step is ReviewStep.WAITING_CARD
    journey.card_read(identity_of(demo_citizen("resident")))    # someone else's card, after all
    views.until(ReviewStep.CHOOSE_CASE)
    assert first.wiped


def test_an_unreadable_card_is_explained_and_may_be_placed_again(start) -> None:
    from drivers.idcard.errors import ChecksumMismatch

    journey, views = start()
    journey.card_failed(ChecksumMismatch("frame checksum does not match"))
    assert views.until(ReviewStep.CARD_PROBLEM).problem == "card.unreadable"
    journey.try_again()
    journey.card_read(identity_of(demo_citizen("elder")))
    assert [case.case_number for case in views.until(ReviewStep.CHOOSE_CASE).cases] == ["YT2026MZ000078"]


def test_with_the_hall_away_the_review_is_kept_and_delivered_once_it_returns(
        hall_server, hall_client, outbox, worker, session, start, unreachable_client) -> None:
    ticket_id = served_ticket(hall_server, hall_client)
    journey, views = start({"ticket_id": ticket_id}, hall=None)   # the app passes None while the hall is away
    views.until(ReviewStep.RATE)
    journey.rate("basically_satisfied")
    journey.skip_indicators()
    reference = views.until(ReviewStep.THANKS).reference

    attempt = OutboxSender(outbox, unreachable_client, clock=Clock(), rng=random.Random(7)).run_once()
    assert attempt.delivered == 0 and attempt.failed == 1   # the hall is away: the sender waits
    assert outbox.stats().pending == 1 and outbox.dead_items() == []
    assert hall_rows(hall_server.db_path, "SELECT level FROM reviews") == []

    outbox.close()                                      # a restart while offline keeps it too
    reopened = Outbox(outbox.path, KEY)
    try:
        deliver_all(reopened, hall_client)
        assert reopened.stats().pending == 0
    finally:
        reopened.close()
    assert hall_rows(hall_server.db_path, "SELECT target_id, level FROM reviews") == [(ticket_id, "basically_satisfied")]
    assert reference


def test_while_the_hall_is_away_cases_cannot_be_looked_up_and_it_says_so(start) -> None:
    journey, views = start(hall=None)
    journey.card_read(identity_of(demo_citizen("resident")))
    unavailable = views.until(ReviewStep.UNAVAILABLE)
    assert unavailable.problem == "review.hall_down" and unavailable.masked_name == "张**"


def test_an_outbox_that_cannot_keep_it_says_so_instead_of_pretending(tmp_path, start) -> None:
    full = Outbox(tmp_path / "full.sqlite3", KEY, max_bytes=1)
    try:
        journey, views = start({"case_number": "YT2026SC000123", "query_code": "123456"}, box=full)
        views.until(ReviewStep.RATE)
        journey.rate("satisfied")
        journey.skip_indicators()
        assert views.until(ReviewStep.NOT_SAVED).problem == "review.not_saved"
        assert full.stats().pending == 0
    finally:
        full.close()


def test_answers_arriving_after_the_citizen_left_are_dropped(hall_server, hall_client, start) -> None:
    ticket_id = served_ticket(hall_server, hall_client)
    journey, views = start({"ticket_id": ticket_id}, begin=False)
    journey.cancel()
    journey.begin()
    journey.rate("satisfied")
    assert views._queue.empty() and journey.view.step is ReviewStep.CHECKING
