"""Queue numbering, business hours, calling order and the simulated windows, on the live server."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from domain.demo_citizens import demo_citizen
from hall_server.clock import CHINA_STANDARD_TIME
from hall_server.simulation import QueueSimulation
from kiosk.hall.client import HallRejected
from tests.fixtures.hall import hall_rows


def test_fifty_kiosks_issuing_at_once_get_unique_gapless_numbers(hall_server):
    clients = [hall_server.client() for _ in range(50)]
    start = threading.Barrier(50)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def kiosk(client):
        try:
            start.wait(timeout=10)
            ticket = client.issue_ticket("social")
            with lock:
                numbers.append(ticket.number)
        except BaseException as error:     # collected, so the assertion below names it
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=kiosk, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 51)]
    for client in clients:
        client.close()


def test_one_client_shared_by_worker_threads_gets_distinct_tickets(hall_client):
    start = threading.Barrier(10)
    numbers: list[str] = []
    lock = threading.Lock()

    def worker():
        start.wait(timeout=10)
        number = hall_client.issue_ticket("tax").number
        with lock:
            numbers.append(number)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(numbers) == [f"F{n:03d}" for n in range(1, 11)]


def test_each_prefix_counts_on_its_own(hall_client):
    numbers = [hall_client.issue_ticket(queue).number for queue in ("social", "tax", "social", "tax", "traffic")]
    assert numbers == ["A001", "F001", "A002", "F002", "C001"]


def test_numbers_start_again_the_next_day(hall_server, hall_client):
    assert hall_client.issue_ticket("social").number == "A001"
    assert hall_client.issue_ticket("social").number == "A002"
    hall_server.clock.advance(timedelta(days=1))              # Tuesday 10:00
    tuesday = hall_client.issue_ticket("social")
    assert (tuesday.number, tuesday.service_date) == ("A001", "2026-11-24")
    assert {q.code: q.waiting for q in hall_client.queues()}["social"] == 1


@pytest.mark.parametrize("moment", [datetime(2026, 11, 23, 8, 59), datetime(2026, 11, 23, 17, 0),
                                    datetime(2026, 11, 29, 10, 0)])
def test_no_ticket_outside_business_hours(hall_server, hall_client, moment):
    hall_server.clock.set(moment.replace(tzinfo=CHINA_STANDARD_TIME))
    assert not {q.code: q.open for q in hall_client.queues()}["social"]
    with pytest.raises(HallRejected) as refused:
        hall_client.issue_ticket("social")
    assert (refused.value.status, refused.value.code) == (409, "queue_closed")
    assert "周一至周五 09:00-17:00" in refused.value.message_zh


def test_saturday_only_the_vehicle_queue_is_open(hall_server, hall_client):
    hall_server.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_STANDARD_TIME))
    assert {q.code for q in hall_client.queues() if q.open} == {"traffic"}
    assert hall_client.issue_ticket("traffic").number == "C001"


def test_calling_order_is_appointments_then_priority_then_walk_ins(hall_server, hall_client):
    resident = demo_citizen("resident").id_number
    walk_in = hall_client.issue_ticket("social")
    pregnant = hall_client.issue_ticket("social", priority="pregnant")
    appointment = hall_client.todays_appointments(resident)[0]
    checked_in = hall_client.check_in(appointment.appointment_id, resident).ticket
    called = [hall_server.simulation.call_next("social", window) for window in (1, 2, 3)]
    assert called == [checked_in.ticket_id, pregnant.ticket_id, walk_in.ticket_id]
    assert hall_server.simulation.call_next("social", 4) is None


def test_queue_that_does_not_favour_appointments_puts_them_in_line(hall_client):
    resident = demo_citizen("resident").id_number
    walk_in = hall_client.issue_ticket("real_estate")
    booked = hall_client.book_appointment("BDC001", "2026-11-23", "10:30", resident)
    ticket = hall_client.check_in(booked.appointment_id, resident).ticket
    assert ticket.people_ahead == 1
    assert hall_client.ticket(walk_in.ticket_id).people_ahead == 0


def test_appointment_on_another_day_cannot_be_checked_in(hall_server, hall_client):
    permit = demo_citizen("hk-permit").id_number
    hall_server.clock.advance(timedelta(days=1))
    appointment = hall_client.todays_appointments(permit)[0]
    hall_server.clock.advance(timedelta(days=-1))
    with pytest.raises(HallRejected) as refused:
        hall_client.check_in(appointment.appointment_id, permit)
    assert refused.value.code == "appointment_not_today"


def test_cancelled_appointment_cannot_be_checked_in(hall_client):
    elder = demo_citizen("elder").id_number
    appointment = hall_client.todays_appointments(elder)[0]
    hall_client.cancel_appointment(appointment.appointment_id, elder)
    with pytest.raises(HallRejected) as refused:
        hall_client.check_in(appointment.appointment_id, elder)
    assert refused.value.code == "appointment_cancelled"
    assert hall_client.todays_appointments(elder) == ()


def test_simulated_windows_take_turns_calling_and_finishing(hall_server, hall_client):
    tickets = [hall_client.issue_ticket("housing_fund") for _ in range(5)]
    assert {q.code: q.waiting for q in hall_client.queues()}["housing_fund"] == 5
    hall_server.simulation.step()                       # one window of queue B calls the first ticket
    hall_server.simulation.step()                       # the other window calls the second
    assert {q.code: q.waiting for q in hall_client.queues()}["housing_fund"] == 3
    assert {hall_client.ticket(t.ticket_id).window for t in tickets[:2]} == {5, 6}
    hall_server.simulation.step()                       # the first window finishes and calls the third
    assert [hall_client.ticket(t.ticket_id).status for t in tickets[:3]] == ["served", "called", "called"]
    assert hall_client.ticket(tickets[4].ticket_id).people_ahead == 1


def test_every_tenth_finished_ticket_is_a_citizen_who_did_not_come(hall_server, hall_client):
    for _ in range(12):
        hall_client.issue_ticket("tax")
    for _ in range(12):                 # queue F, 2 windows: from the third step on, one finish per step
        hall_server.simulation.step()
    statuses = dict(hall_rows(hall_server.db_path, "SELECT status, COUNT(*) FROM tickets GROUP BY status"))
    assert (statuses["served"], statuses["missed"]) == (9, 1)


def test_simulated_walk_ins_arrive_at_open_queues(hall_server):
    simulation = QueueSimulation(hall_server.db_path, hall_server.clock, arrivals=(2, 0))
    simulation.step()
    simulation.step()
    per_queue = dict(hall_rows(hall_server.db_path, "SELECT queue_code, COUNT(*) FROM tickets GROUP BY queue_code"))
    assert per_queue == {code: 2 for code in per_queue} and len(per_queue) == 7   # each queue: 2, then 0
    hall_server.clock.set(datetime(2026, 11, 29, 10, 0, tzinfo=CHINA_STANDARD_TIME))   # Sunday: closed
    simulation.step()
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM tickets") == [(14,)]


def test_simulation_thread_calls_tickets_by_itself(hall_server, hall_client):
    ticket = hall_client.issue_ticket("civil")
    hall_server.simulation.start(0.01)
    try:
        deadline = time.monotonic() + 10
        while hall_client.ticket(ticket.ticket_id).status == "waiting" and time.monotonic() < deadline:
            pass                        # polling the condition, bounded by the deadline
    finally:
        hall_server.simulation.stop()
    assert hall_client.ticket(ticket.ticket_id).status in ("called", "served", "missed")
