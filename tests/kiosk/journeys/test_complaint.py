"""投诉建议 without Kivy: the form against a real outbox file, its matter list from the live reference hall's
guides, and the real outbox sender delivering it to that hall. Worker answers are delivered at once."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from hall_server.schemas import ComplaintRequest
from kiosk.hall.errors import HallUnavailable
from kiosk.i18n import Catalogue
from kiosk.journeys.complaint import PHRASES, ComplaintJourney, ComplaintStep, complaint_body, phrase_key
from kiosk.maintenance.logs import MaskingFilter
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key
from tests.fixtures.hall import hall_rows
from tests.kiosk.conftest import Clock, Views, deliver_all

KEY = derive_key("test-outbox-key-not-for-production")
DEADLINE_S = 20
CATALOGUE = Catalogue.load()


def zh(key: str) -> str:
    return CATALOGUE.text(key, "zh")


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(tmp_path / "outbox.sqlite3", KEY)
    yield box
    box.close()


@pytest.fixture
def start(outbox, worker, session, hall_client):
    def start(*, matters=hall_client.matters, box=outbox):
        views = Views()
        journey = ComplaintJourney(outbox=box, worker=worker, session=session, on_change=views,
                                   phrase_text=zh, matters=matters)
        journey.begin()
        return journey, views

    return start


def test_every_phrase_has_words_in_both_languages_and_bodies_are_what_the_hall_accepts() -> None:
    for kind, phrases in PHRASES.items():
        for phrase in phrases:
            assert CATALOGUE.text(phrase_key(kind, phrase), "zh") and CATALOGUE.text(phrase_key(kind, phrase), "en")
    body = complaint_body("suggestion", " 增加等候座位。 ", "SB001", "13800000001")
    assert body == {"kind": "suggestion", "content": "增加等候座位。", "matter_code": "SB001",
                    "contact_phone": "13800000001"}
    assert ComplaintRequest.model_validate(body).model_dump(exclude_none=True) == body
    with pytest.raises(ValueError, match="5 to 1000"):
        complaint_body("complaint", "太慢")
    with pytest.raises(ValueError, match="unknown complaint kind"):
        complaint_body("praise", "工作人员很耐心")


def test_a_complaint_about_a_matter_reaches_the_hall_once_in_chinese_with_its_phone(
        hall_server, hall_client, outbox, session, start, caplog) -> None:
    phone = "13900000002"
    journey, views = start()
    journey.choose_kind("complaint")
    matter = views.until(ComplaintStep.MATTER)
    assert {m.code for m in matter.matters} >= {"SB001", "JJ001"}
    journey.choose_matter("SB001")
    views.until(ComplaintStep.PHRASES)
    journey.confirm_phrases()
    assert views.until(ComplaintStep.PHRASES).problem == "complaint.phrases_required"
    journey.toggle_phrase("bad_attitude")
    journey.toggle_phrase("long_wait")
    views.until(ComplaintStep.PHRASES)
    journey.confirm_phrases()
    views.until(ComplaintStep.PHONE)
    with caplog.at_level(logging.DEBUG):
        journey.give_phone("1390000000")                # ten digits
        assert views.until(ComplaintStep.PHONE).problem == "complaint.phone_invalid"
        assert outbox.stats().pending == 0
        journey.give_phone(phone)
        done = views.until(ComplaintStep.DONE)
        journey.give_phone(phone)                       # a second tap on "send" sends nothing more
    assert outbox.stats().pending == 1
    assert done.masked_phone == "139****0002" and len(done.reference) == 19
    assert phone not in caplog.text and session.recall("complaint.contact_phone") == phone

    deliver_all(outbox, hall_client)
    deliver_all(outbox, hall_client)
    [(number, kind, content, matter_code, contact)] = hall_rows(
        hall_server.db_path, "SELECT number, kind, content, matter_code, contact_phone FROM complaints")
    assert number.startswith("TS") and kind == "complaint" and matter_code == "SB001" and contact == phone
    # In the order shown, whatever order they were touched in; in Chinese, about the chosen matter.
    assert content == "关于“社保参保登记”：排队等候时间太长；工作人员服务态度不好。"


def test_a_suggestion_needs_no_matter_and_no_phone(hall_server, hall_client, outbox, start) -> None:
    journey, views = start()
    journey.choose_kind("suggestion")
    views.until(ComplaintStep.MATTER)
    journey.skip_matter()
    journey.toggle_phrase("more_seats")
    journey.confirm_phrases()
    journey.skip_phone()
    done = views.until(ComplaintStep.DONE)
    assert done.masked_phone == "" and done.matter_name == ""
    deliver_all(outbox, hall_client)
    assert hall_rows(hall_server.db_path, "SELECT kind, content, matter_code, contact_phone FROM complaints") == [
        ("suggestion", "增加等候座位。", None, None)]


def test_back_keeps_what_was_chosen(start) -> None:
    journey, views = start()
    journey.choose_kind("complaint")
    views.until(ComplaintStep.MATTER)
    journey.choose_matter("JJ001")
    journey.toggle_phrase("fees")
    journey.back()
    assert journey.view.step is ComplaintStep.MATTER and journey.view.phrases == ("fees",)
    journey.back()
    assert journey.view.step is ComplaintStep.KIND
    with pytest.raises(ValueError):
        journey.choose_kind("praise")


def test_without_a_matter_list_the_form_goes_straight_to_the_phrases(start) -> None:
    def hall_away():
        raise HallUnavailable("connection refused")

    journey, views = start(matters=hall_away)
    journey.choose_kind("suggestion")
    assert views.until(ComplaintStep.PHRASES).matters == ()


def test_it_is_kept_while_the_hall_is_away(hall_server, hall_client, outbox, start) -> None:
    journey, views = start()
    journey.choose_kind("complaint")
    views.until(ComplaintStep.MATTER)
    journey.skip_matter()
    journey.toggle_phrase("device_failure")
    journey.confirm_phrases()
    hall_server.server.stop()                           # the hall goes away before it is sent
    journey.skip_phone()
    assert views.until(ComplaintStep.DONE).reference
    attempt = OutboxSender(outbox, hall_client, clock=Clock(), rng=random.Random(7)).run_once()
    assert attempt.failed == 1 and outbox.stats().pending == 1 and outbox.dead_items() == []


def test_an_outbox_that_cannot_keep_it_says_so(tmp_path, start) -> None:
    full = Outbox(tmp_path / "full.sqlite3", KEY, max_bytes=1)
    try:
        journey, views = start(box=full)
        journey.choose_kind("suggestion")
        views.until(ComplaintStep.MATTER)
        journey.skip_matter()
        journey.toggle_phrase("elder_help")
        journey.confirm_phrases()
        journey.skip_phone()
        assert views.until(ComplaintStep.NOT_SAVED).problem == "complaint.not_saved"
    finally:
        full.close()


def test_own_words_alone_reach_the_hall_sealed_and_never_in_a_log(hall_server, hall_client, outbox, start, caplog,
                                                                   tmp_path, session) -> None:
    """GIVEN a complaint in the citizen's own words only WHEN it is saved and delivered THEN the hall has exactly
    those words, the outbox file holds them only sealed, and a log line that quotes them shows their length."""
    words = "窗口人太少，排队一个多小时"
    journey, views = start()
    journey.choose_kind("complaint")
    views.until(ComplaintStep.MATTER)
    journey.skip_matter()
    journey.open_writing()
    assert views.until(ComplaintStep.WRITE).text == ""
    journey.finish_writing(f"  {words}  ")
    assert views.until(ComplaintStep.PHRASES).text == words
    journey.confirm_phrases()
    journey.skip_phone()
    views.until(ComplaintStep.DONE)
    assert words.encode() not in (tmp_path / "outbox.sqlite3").read_bytes()
    caplog.handler.addFilter(MaskingFilter())       # as on every handler of the running kiosk
    with caplog.at_level(logging.INFO):
        logging.getLogger("kiosk.test").info("the citizen wrote %s", words)
    assert words not in caplog.text and f"«{len(words)} 字»" in caplog.text
    deliver_all(outbox, hall_client)
    assert hall_rows(hall_server.db_path, "SELECT content FROM complaints") == [(words,)]
    session.wipe()                                  # the visit ends: the filter forgets the words too
    assert MaskingFilter().filter(record := logging.makeLogRecord({"msg": words})) and record.msg == words


def test_phrases_and_own_words_go_together_matter_first(hall_server, hall_client, outbox, start) -> None:
    journey, views = start()
    journey.choose_kind("complaint")
    views.until(ComplaintStep.MATTER)
    journey.choose_matter("SB001")
    journey.toggle_phrase("long_wait")
    journey.open_writing()
    journey.finish_writing("窗口人太少")
    journey.confirm_phrases()
    journey.skip_phone()
    views.until(ComplaintStep.DONE)
    deliver_all(outbox, hall_client)
    assert hall_rows(hall_server.db_path, "SELECT content FROM complaints") == [
        ("关于“社保参保登记”：排队等候时间太长。窗口人太少",)]


def test_writing_too_little_or_too_much(start) -> None:
    """Fewer than five characters in all is refused with its own sentence; more than MAX_TEXT is cut there."""
    from kiosk.journeys.complaint import MAX_TEXT

    journey, views = start()
    journey.choose_kind("suggestion")
    views.until(ComplaintStep.MATTER)
    journey.skip_matter()
    journey.open_writing()
    journey.finish_writing("太慢")
    journey.confirm_phrases()
    assert journey.view.step is ComplaintStep.PHRASES and journey.view.problem == "complaint.text_too_short"
    journey.open_writing()
    journey.finish_writing("慢" * (MAX_TEXT + 20))
    assert len(journey.view.text) == MAX_TEXT


def test_back_from_writing_keeps_the_text_written_before(start) -> None:
    journey, views = start()
    journey.choose_kind("complaint")
    views.until(ComplaintStep.MATTER)
    journey.skip_matter()
    journey.open_writing()
    journey.finish_writing("大厅太冷了啊")
    journey.open_writing()
    journey.back()
    assert journey.view.step is ComplaintStep.PHRASES and journey.view.text == "大厅太冷了啊"
    journey.confirm_phrases()
    journey.back()
    assert journey.view.step is ComplaintStep.PHRASES and journey.view.text == "大厅太冷了啊"
