"""Upcoming appointments on the live server: listed ahead of their day, cancellable ahead of it, checked in
only on it, and a past day's left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.demo_citizens import demo_citizen
from kiosk.hall.client import HallRejected

RESIDENT = demo_citizen("resident").id_number


def test_upcoming_lookup_lists_today_and_the_coming_days_by_date_and_time(hall_client):
    """GIVEN the resident's two appointments today and one on Thursday
    WHEN the lookup asks for upcoming ones THEN all three come, by date and time; without it, today's only."""
    upcoming = hall_client.upcoming_appointments(RESIDENT).appointments
    assert [(a.date, a.start, a.matter.code) for a in upcoming] == [
        ("2026-11-23", "10:00", "SB001"), ("2026-11-23", "14:30", "GJJ001"), ("2026-11-26", "10:00", "BDC001")]
    assert [a.date for a in hall_client.todays_appointments(RESIDENT)] == ["2026-11-23", "2026-11-23"]


def test_upcoming_lookup_stops_at_the_booking_horizon_and_leaves_out_cancelled(hall_server, hall_client):
    """GIVEN the hall clock set back 15 days WHEN looking up THEN Thursday's (18 days ahead) is not listed;
    AND a cancelled appointment is never listed."""
    thursday = hall_client.upcoming_appointments(RESIDENT).appointments[-1]
    hall_server.clock.advance(timedelta(days=-15))
    assert hall_client.upcoming_appointments(RESIDENT).appointments == ()
    hall_server.clock.advance(timedelta(days=15))
    hall_client.cancel_appointment(thursday.appointment_id, RESIDENT)
    listed = hall_client.upcoming_appointments(RESIDENT).appointments
    assert thursday.appointment_id not in [a.appointment_id for a in listed]


def test_a_coming_days_appointment_is_cancelled_but_not_checked_in(hall_client):
    """GIVEN Thursday's appointment WHEN checked in today THEN 409 appointment_not_today;
    WHEN cancelled today THEN it is cancelled and its slot is free again."""
    thursday = hall_client.upcoming_appointments(RESIDENT).appointments[-1]
    with pytest.raises(HallRejected) as refused:
        hall_client.check_in(thursday.appointment_id, RESIDENT)
    assert refused.value.code == "appointment_not_today"

    before = {s.start: s.free for s in hall_client.free_slots("BDC001", thursday.date).slots}["10:00"]
    cancelled = hall_client.cancel_appointment(thursday.appointment_id, RESIDENT)
    assert (cancelled.status, cancelled.date) == ("cancelled", "2026-11-26")
    assert {s.start: s.free for s in hall_client.free_slots("BDC001", thursday.date).slots}["10:00"] == before + 1


def test_a_past_days_appointment_cannot_be_cancelled(hall_server, hall_client):
    """GIVEN today's afternoon appointment, not kept WHEN cancelled the next day THEN 409 appointment_past."""
    afternoon = hall_client.todays_appointments(RESIDENT)[1]
    hall_server.clock.advance(timedelta(days=1))
    with pytest.raises(HallRejected) as refused:
        hall_client.cancel_appointment(afternoon.appointment_id, RESIDENT)
    assert (refused.value.status, refused.value.code) == (409, "appointment_past")
