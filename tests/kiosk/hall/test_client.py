"""The hall client against the live reference server: every endpoint, typed answers, typed refusals.

Every answer here is also checked against hall_server/openapi.yaml by the hall_client fixture.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid

import pytest
from pydantic import TypeAdapter

from domain.demo_citizens import demo_citizen
from kiosk.hall.client import HallRejected
from kiosk.hall.models import Case, Matter, Ticket
from tests.fixtures.hall import query_code

RESIDENT = demo_citizen("resident").id_number
ELDER = demo_citizen("elder").id_number
FOREIGNER = demo_citizen("foreign-2017").id_number


def test_hall_info_names_the_hall_and_its_hours(hall_client):
    info = hall_client.hall_info()
    assert "政务服务中心" in info.name
    assert "09:00" in info.business_hours
    assert info.server_time.startswith("2026-11-23T10:00")


def test_answers_are_frozen_dataclasses_not_dicts(hall_client):
    matter = hall_client.matter("SB001")
    assert isinstance(matter, Matter) and dataclasses.is_dataclass(matter)
    with pytest.raises(dataclasses.FrozenInstanceError):
        matter.name = "改名"   # type: ignore[misc]


def test_categories_count_their_matters(hall_client):
    categories = {c.code: c for c in hall_client.categories()}
    assert categories["medical"].name == "医疗保障"
    assert categories["medical"].matter_count == 2
    assert sum(c.matter_count for c in categories.values()) == len(hall_client.matters())


def test_matter_search_by_words_category_and_flags(hall_client):
    assert [m.code for m in hall_client.matters(query="公积金")] == ["GJJ001"]
    assert {m.code for m in hall_client.matters(category="medical")} == {"YB001", "YB002"}
    one_id = hall_client.matters(one_id=True)
    assert one_id and all(m.one_id for m in one_id)
    assert "SC001" not in {m.code for m in one_id}
    not_cross_region = hall_client.matters(cross_region=False)
    assert {"BDC001", "MZ001"} <= {m.code for m in not_cross_region}
    assert hall_client.matters(query="不存在的事项") == ()


def test_service_guide_lists_conditions_materials_fees_time_limit_and_place(hall_client):
    guide = hall_client.matter("JJ001")
    assert guide.name == "换领机动车驾驶证"
    assert guide.conditions and guide.materials
    assert any(material.name == "机动车驾驶证" and material.original for material in guide.materials)
    assert guide.fees == "工本费10元"
    assert guide.legal_days == 1
    assert "C区" in guide.location
    assert guide.one_id and guide.cross_region


def test_matter_lists_the_packages_it_belongs_to(hall_client):
    assert set(hall_client.matter("SW001").packages) == {"PKG-BUSINESS", "PKG-HOME"}


def test_unknown_matter_is_refused_with_its_code(hall_client):
    with pytest.raises(HallRejected) as refused:
        hall_client.matter("NOPE1")
    assert (refused.value.status, refused.value.code) == (404, "matter_not_found")
    assert refused.value.message_zh == "未找到该事项。"


def test_packages_bundle_several_named_matters(hall_client):
    packages = {p.code: p for p in hall_client.packages()}
    assert len(packages) >= 3
    birth = hall_client.package("PKG-BIRTH")
    assert birth == packages["PKG-BIRTH"]
    assert [m.name for m in birth.matters] == ["新生儿参保登记", "社保参保登记"]


def test_queues_have_prefixes_hours_and_open_state(hall_client):
    queues = {q.code: q for q in hall_client.queues()}
    assert queues["social"].prefix == "A"
    assert len({q.prefix for q in queues.values()}) == len(queues)
    assert all(q.open for q in queues.values())       # Monday 10:00
    assert queues["traffic"].business_hours == "周一至周六 09:00-17:00"


def test_issued_ticket_has_number_position_and_wait(hall_client):
    first = hall_client.issue_ticket("social")
    second = hall_client.issue_ticket("social", matter_code="SB001")
    assert isinstance(second, Ticket)
    assert (first.number, second.number) == ("A001", "A002")
    assert second.status == "waiting" and second.window is None
    assert second.people_ahead == 1
    assert second.estimated_wait_minutes == 2          # 1 ahead * 8 min / 4 windows
    waiting = {q.code: q.waiting for q in hall_client.queues()}
    assert waiting["social"] == 2


def test_ticket_tied_to_identity_keeps_the_number_out_of_the_answer(hall_client):
    ticket = hall_client.issue_ticket("social", id_number=RESIDENT)
    assert RESIDENT not in repr(ticket)


def test_priority_ticket_goes_before_walk_ins(hall_client):
    walk_in = hall_client.issue_ticket("social")
    elderly = hall_client.issue_ticket("social", priority="elderly", id_number=ELDER)
    assert elderly.priority == "elderly"
    assert elderly.people_ahead == 0
    assert hall_client.ticket(walk_in.ticket_id).people_ahead == 1


def test_ticket_status_follows_the_windows(hall_server, hall_client):
    ticket = hall_client.issue_ticket("housing_fund")
    assert hall_server.simulation.call_next("housing_fund", 6) == ticket.ticket_id
    called = hall_client.ticket(ticket.ticket_id)
    assert (called.status, called.window) == ("called", 6)
    hall_server.simulation.finish(ticket.ticket_id, served=True)
    assert hall_client.ticket(ticket.ticket_id).status == "served"
    missed = hall_client.issue_ticket("housing_fund")
    hall_server.simulation.call_next("housing_fund", 5)
    hall_server.simulation.finish(missed.ticket_id, served=False)
    assert hall_client.ticket(missed.ticket_id).status == "missed"


def test_unknown_ticket_and_queue_are_refused(hall_client):
    with pytest.raises(HallRejected) as refused:
        hall_client.ticket("t0000000000000000")
    assert refused.value.code == "ticket_not_found"
    with pytest.raises(HallRejected) as refused:
        hall_client.issue_ticket("nowhere")
    assert refused.value.code == "queue_not_found"


def test_todays_appointments_are_found_by_identity_number(hall_client):
    appointments = hall_client.todays_appointments(RESIDENT)
    assert [(a.matter.code, a.start) for a in appointments] == [("SB001", "10:00"), ("GJJ001", "14:30")]
    assert all(a.status == "booked" and a.date == "2026-11-23" for a in appointments)
    # The hk-permit holder's appointment is tomorrow, so not today's.
    assert hall_client.todays_appointments(demo_citizen("hk-permit").id_number) == ()


def test_upcoming_appointments_add_the_coming_days_in_date_order_with_the_halls_date(hall_client):
    found = hall_client.upcoming_appointments(RESIDENT)
    upcoming = found.appointments
    assert found.today == "2026-11-23"  # the hall fixture's Monday, whatever the machine's zone
    assert [(a.date, a.start) for a in upcoming] == [("2026-11-23", "10:00"), ("2026-11-23", "14:30"),
                                                     ("2026-11-26", "10:00")]
    assert upcoming[:2] == hall_client.todays_appointments(RESIDENT)
    permit = demo_citizen("hk-permit").id_number
    assert [a.date for a in hall_client.upcoming_appointments(permit).appointments] == ["2026-11-24"]


def test_foreign_permanent_residence_card_holder_is_found_too(hall_client):
    assert [a.matter.code for a in hall_client.todays_appointments(FOREIGNER)] == ["JJ001"]


def test_check_in_issues_a_ticket_ahead_of_walk_ins(hall_client):
    walk_in = hall_client.issue_ticket("social")
    appointment = hall_client.todays_appointments(RESIDENT)[0]
    checked_in = hall_client.check_in(appointment.appointment_id, RESIDENT)
    assert checked_in.appointment.status == "checked_in"
    assert checked_in.appointment.ticket_id == checked_in.ticket.ticket_id
    assert checked_in.ticket.appointment_id == appointment.appointment_id
    assert checked_in.ticket.number == "A002"
    assert checked_in.ticket.people_ahead == 0
    assert hall_client.ticket(walk_in.ticket_id).people_ahead == 1


def test_second_check_in_is_refused_with_a_clear_code(hall_client):
    appointment = hall_client.todays_appointments(ELDER)[0]
    hall_client.check_in(appointment.appointment_id, ELDER)
    with pytest.raises(HallRejected) as refused:
        hall_client.check_in(appointment.appointment_id, ELDER)
    assert (refused.value.status, refused.value.code) == (409, "already_checked_in")
    assert "已签到" in refused.value.message_zh


def test_check_in_with_someone_elses_identity_finds_nothing(hall_client):
    appointment = hall_client.todays_appointments(RESIDENT)[0]
    with pytest.raises(HallRejected) as refused:
        hall_client.check_in(appointment.appointment_id, ELDER)
    assert refused.value.code == "appointment_not_found"


def test_free_slots_book_and_cancel(hall_client):
    slots = hall_client.free_slots("SB001", "2026-11-24")
    assert slots.date == "2026-11-24"
    nine = {s.start: s for s in slots.slots}["09:00"]
    assert nine.free == 1                              # the hk-permit holder's seeded booking
    booked = hall_client.book_appointment("SB001", "2026-11-24", "09:00", RESIDENT, phone="13800000001")
    assert (booked.status, booked.start, booked.end) == ("booked", "09:00", "09:30")
    assert {s.start: s.free for s in hall_client.free_slots("SB001", "2026-11-24").slots}["09:00"] == 0
    with pytest.raises(HallRejected) as refused:
        hall_client.book_appointment("SB001", "2026-11-24", "09:00", ELDER)
    assert refused.value.code == "slot_full"
    cancelled = hall_client.cancel_appointment(booked.appointment_id, RESIDENT)
    assert cancelled.status == "cancelled"
    assert {s.start: s.free for s in hall_client.free_slots("SB001", "2026-11-24").slots}["09:00"] == 1


def test_past_slots_and_unbookable_times_are_not_offered(hall_client):
    today = [s.start for s in hall_client.free_slots("SB001", "2026-11-23").slots]
    assert today[0] == "10:30"                         # it is 10:00 now
    with pytest.raises(HallRejected) as refused:
        hall_client.book_appointment("SB001", "2026-11-23", "09:00", RESIDENT)
    assert refused.value.code == "slot_not_available"
    assert hall_client.free_slots("SB001", "2026-11-29").slots == ()   # Sunday


def test_matter_without_appointments_has_no_slots(hall_client):
    with pytest.raises(HallRejected) as refused:
        hall_client.free_slots("YB001", "2026-11-24")
    assert refused.value.code == "matter_not_appointable"


def test_cases_by_identity_number_show_their_steps(hall_server, hall_client):
    cases = hall_client.cases_of(RESIDENT)
    assert {c.case_number for c in cases} == {"YT2026SC000123", "YT2026JJ000045"}
    licence = hall_client.case("YT2026JJ000045", query_code=query_code(hall_server, "YT2026JJ000045"))
    assert licence.status == "delivered"
    assert [(s.name, s.status) for s in licence.steps] == [("受理", "done"), ("审批", "done"), ("办结", "done"),
                                                           ("送达", "done")]
    business = hall_client.case("YT2026SC000123", query_code=query_code(hall_server, "YT2026SC000123"))
    assert [s.status for s in business.steps] == ["done", "done", "current", "pending"]
    assert business.steps[0].at is not None and business.steps[3].at is None
    assert business.applicant_masked == "张**"


def test_unknown_case_number_is_refused(hall_client):
    with pytest.raises(HallRejected) as refused:
        hall_client.case("YT2099XX000000", query_code="123456")
    assert refused.value.code == "case_not_found"


def test_one_id_records_summarise_what_the_hall_knows(hall_client):
    records = hall_client.records(RESIDENT)
    by_kind = {r.kind: r for r in records.records}
    assert set(by_kind) == {"social_security", "medical_insurance", "housing_fund", "driving_licence"}
    fields = {f.label: f.value for f in by_kind["driving_licence"].fields}
    assert fields["累计记分"] == "2分"
    assert {p.kind for p in records.proofs} == {"social_security_enrolment", "medical_insurance_enrolment",
                                                "housing_fund_deposit"}
    assert hall_client.records(FOREIGNER).proofs == ()


def test_proof_carries_a_verification_code_and_masked_identity(hall_client):
    proof = hall_client.issue_proof(RESIDENT, "social_security_enrolment")
    assert proof.title == "社会保险参保证明"
    assert len(proof.verification_code) == 8
    printed = "\n".join(proof.lines)
    assert RESIDENT not in printed and "张测试" not in printed
    assert "6101**********0045" in printed and "张**" in printed
    with pytest.raises(HallRejected) as refused:
        hall_client.issue_proof(FOREIGNER, "housing_fund_deposit")
    assert refused.value.code == "proof_not_available"


def _served_ticket(hall_server, hall_client, queue="tax"):
    ticket = hall_client.issue_ticket(queue)
    hall_server.simulation.call_next(queue, 15)
    hall_server.simulation.finish(ticket.ticket_id)
    return ticket


def test_review_of_a_served_ticket_once_only(hall_server, hall_client):
    ticket = _served_ticket(hall_server, hall_client)
    receipt = hall_client.submit_review("very_satisfied", ticket_id=ticket.ticket_id,
                                        indicators={"overall": "very_satisfied", "attitude": "satisfied"})
    assert (receipt.level, receipt.target.kind, receipt.callback_requested) == ("very_satisfied", "ticket", False)
    with pytest.raises(HallRejected) as refused:
        hall_client.submit_review("satisfied", ticket_id=ticket.ticket_id)
    assert refused.value.code == "already_reviewed"


def test_unsatisfied_review_needs_reasons_and_may_ask_for_a_call_back(hall_server, hall_client):
    ticket = _served_ticket(hall_server, hall_client)
    unchecked = hall_server.client()        # the API document itself says reasons are required: send it anyway
    with pytest.raises(HallRejected) as refused:
        unchecked.submit_review("very_dissatisfied", ticket_id=ticket.ticket_id)
    unchecked.close()
    assert refused.value.code == "reasons_required"
    receipt = hall_client.submit_review("very_dissatisfied", ticket_id=ticket.ticket_id,
                                        reasons=["long_wait", "bad_attitude"], comment="等了很久",
                                        callback_phone="13800000001")
    assert receipt.callback_requested
    with sqlite3.connect(hall_server.db_path) as db:
        assert db.execute("SELECT phone, status FROM callback_requests").fetchall() == [("13800000001", "pending")]


def test_waiting_ticket_cannot_be_reviewed_yet(hall_client):
    ticket = hall_client.issue_ticket("tax")
    with pytest.raises(HallRejected) as refused:
        hall_client.submit_review("satisfied", ticket_id=ticket.ticket_id)
    assert refused.value.code == "not_yet_served"


def test_a_case_can_be_reviewed(hall_client):
    receipt = hall_client.submit_review("satisfied", case_number="YT2026JJ000045", id_number=RESIDENT)
    assert receipt.target.kind == "case" and receipt.target.id == "YT2026JJ000045"


def test_tickets_and_cases_say_whether_they_were_already_reviewed(hall_server, hall_client):
    ticket = _served_ticket(hall_server, hall_client)
    assert hall_client.ticket(ticket.ticket_id).reviewed is False
    hall_client.submit_review("satisfied", ticket_id=ticket.ticket_id)
    assert hall_client.ticket(ticket.ticket_id).reviewed is True

    hall_client.submit_review("very_satisfied", case_number="YT2026JJ000045", id_number=RESIDENT)
    assert {case.case_number: case.reviewed for case in hall_client.cases_of(RESIDENT)} == {
        "YT2026JJ000045": True, "YT2026SC000123": False}
    assert hall_client.case("YT2026JJ000045", query_code=query_code(hall_server, "YT2026JJ000045")).reviewed is True


def test_an_older_hall_that_does_not_say_reviewed_still_parses(hall_server, hall_client):
    """GIVEN answers of a hall from before `reviewed` WHEN the kiosk reads them THEN they count as not reviewed."""
    ticket = dataclasses.asdict(hall_client.issue_ticket("social"))
    case = dataclasses.asdict(hall_client.case("YT2026SC000123", query_code=query_code(hall_server, "YT2026SC000123")))
    del ticket["reviewed"], case["reviewed"]
    assert TypeAdapter(Ticket).validate_python(ticket).reviewed is False
    assert TypeAdapter(Case).validate_python(case).reviewed is False


def test_review_link_is_a_short_ascii_url_on_the_hall(hall_server, hall_client):
    ticket = hall_client.issue_ticket("social")
    link = hall_client.review_link(ticket_id=ticket.ticket_id)
    assert link.url == f"{hall_server.base_url}/r/{link.token}"
    assert link.url.isascii() and len(link.token) <= 32


def test_complaint_and_suggestion_get_numbers_and_keep_the_citizens_reference(hall_client):
    complaint = hall_client.submit_complaint("complaint", "窗口工作人员离岗时间过长", matter_code="SB001",
                                             contact_phone="13800000001", idempotency_key="7F3K-9Q2M-XA4B-C8D1")
    suggestion = hall_client.submit_complaint("suggestion", "建议增加老年人座椅")
    assert complaint.number == "TS202611230001"
    assert suggestion.number == "JY202611230001"
    assert complaint.reply_within_working_days == 5
    assert complaint.reference == "7F3K-9Q2M-XA4B-C8D1"         # the key it was sent with: the kiosk's reference


def test_heartbeat_and_events_are_stored_and_events_deduplicated(hall_client):
    ack = hall_client.heartbeat("degraded", "0.1.0", 3600, components={"printer": {"status": "degraded",
                                                                                   "message": "paper low"}})
    assert ack.next_heartbeat_seconds == 60
    event = {"event_id": "evt-1", "type": "printer.paper_low", "severity": "warning",
             "occurred_at": "2026-11-23T09:59:00+08:00"}
    assert (hall_client.report_events([event]).accepted, hall_client.report_events([event]).duplicates) == (1, 1)


def test_generic_signed_post_for_the_outbox(hall_client):
    key = uuid.uuid4().hex
    body = {"kind": "suggestion", "content": "希望开放夜间自助服务"}
    first = hall_client.post("/v1/complaints", body, key)
    again = hall_client.post("/v1/complaints", body, key)
    assert first == again and first["number"].startswith("JY")
    with pytest.raises(ValueError):
        hall_client.post("complaints", body, key)


def test_ids_that_could_change_the_path_are_refused_before_sending(hall_client):
    with pytest.raises(ValueError):
        hall_client.ticket("../v1/queues")


def test_client_and_server_logs_carry_no_identity_numbers(hall_server, hall_client, caplog):
    with caplog.at_level("DEBUG"):
        hall_client.todays_appointments(RESIDENT)
        hall_client.cases_of(RESIDENT)
        hall_client.records(RESIDENT)
        hall_client.issue_ticket("social", id_number=RESIDENT)
    assert "/v1/records/lookup" in caplog.text            # the calls were logged...
    assert RESIDENT not in caplog.text                    # ...without the number
    assert RESIDENT[6:14] not in caplog.text
