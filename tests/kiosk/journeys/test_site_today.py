"""The kiosk's "today" is the site's, at any hour and on a machine in any zone: appointments, booking days,
tickets' elderly priority, card expiry and printed times, against a live hall that reads the same (frozen)
real time. Each test runs at the instants that used to break (tests/fixtures/clock.py) on machines in UTC,
in China and in Los Angeles; a kiosk that asked the machine for its date fails them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from domain.clock import SiteClock
from domain.demo_citizens import demo_citizen
from domain.printouts import SiteLines
from drivers.printer.escpos_reader import printed_text
from kiosk.journeys.appointment import BOOKING_DAYS, AppointmentJourney, AppointmentStep
from kiosk.journeys.one_card import OneCardJourney, OneCardStep
from kiosk.journeys.ticket import TicketJourney, TicketStep
from tests.fixtures.clock import MACHINE_ZONES, TRICKY_INSTANTS, site_day, site_time
from tests.kiosk.conftest import identity_of

INSTANTS = pytest.mark.parametrize("instant", TRICKY_INSTANTS.values(), ids=TRICKY_INSTANTS)
ZONES = pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
SITE = SiteLines(footer=("咨询电话：12345",))
LAST_SLOT = time(16, 30)  # the demo hall's queues close at 17:00, in half-hour slots


@pytest.fixture
def at_site(frozen_clock, start_hall_on_real_clock):
    """Freeze the instant on a machine in the given zone, then start a hall seeded for its own today."""
    def at(instant: datetime, machine_zone: str):
        frozen_clock(instant, machine_zone=machine_zone)
        return start_hall_on_real_clock().client()
    return at


@INSTANTS
@ZONES
def test_todays_appointments_booking_days_and_the_printed_ticket_follow_the_sites_day(
        at_site, devices, worker, session, views, instant, machine_zone):
    """GIVEN the resident's two appointments for the hall's today WHEN the card is placed THEN both are today's
    (check-in offered), the coming day's is not; booking offers the site's today onward; checking in prints
    the site's time on the ticket."""
    hall = at_site(instant, machine_zone)
    journey = AppointmentJourney(hall=hall, devices=devices, worker=worker, session=session, site=SITE,
                                 hall_name="测试大厅", on_change=views, clock=SiteClock())
    journey.begin()
    journey.card_read(identity_of(demo_citizen("resident")))
    view = views.until(AppointmentStep.APPOINTMENTS)
    today = site_day(instant).isoformat()
    assert [(a.date, a.start) for a in view.appointments] == [(today, "10:00"), (today, "14:30")]
    assert all(a.date > today for a in view.upcoming) and len(view.upcoming) == 1

    journey.start_booking()
    views.until(AppointmentStep.CHOOSE_MATTER)
    journey.choose_matter("GJJ001")  # weekdays, 09:00–17:00
    offered = [day.day for day in views.until(AppointmentStep.CHOOSE_DAY).days]
    expected = [site_day(instant, k) for k in range(BOOKING_DAYS)
                if site_day(instant, k).isoweekday() <= 5 and (k > 0 or site_time(instant).time() < LAST_SLOT)]
    assert offered == expected

    journey.back()
    journey.back()
    views.until(AppointmentStep.APPOINTMENTS)
    journey.check_in(view.appointments[0].appointment_id)
    done = views.until(AppointmentStep.CHECKED_IN)
    assert done.printed
    assert f"取号时间：{site_time(instant):%Y-%m-%d %H:%M}" in printed_text(devices.demo_printer.received())


@pytest.mark.parametrize("born, elderly", [(date(1966, 11, 24), True), (date(1966, 11, 25), False)],
                         ids=["sixtieth-birthday-at-the-site", "one-day-short"])
@ZONES
def test_elderly_priority_counts_age_on_the_sites_day(at_site, devices, worker, session, views, born, elderly,
                                                      machine_zone):
    """GIVEN 16:00 UTC on 23 November, already the 24th at the site, and priority from 60 WHEN a citizen born
    on 24 November 1966 identifies THEN the ticket is an elderly-priority one (born a day later: not yet);
    the ticket carries the site's time of issue."""
    instant = TRICKY_INSTANTS["utc-16:00"]
    hall = at_site(instant, machine_zone)
    journey = TicketJourney(hall=hall, devices=devices, worker=worker, site=SITE, hall_name="测试大厅",
                            on_change=views, session=session, elderly_priority_age=60, clock=SiteClock())
    journey.begin()
    views.until(TicketStep.CHOOSE)
    journey.card_read(identity_of(replace(demo_citizen("resident"), birth_date=born)))
    assert journey.view.priority == ("elderly" if elderly else "none")
    journey.choose("social")
    assert views.until(TicketStep.DONE).printed
    assert "取号时间：2026-11-24 00:00" in printed_text(devices.demo_printer.received())


@pytest.mark.parametrize("valid_until, accepted", [(date(2026, 11, 23), False), (date(2026, 11, 24), True)],
                         ids=["expired-yesterday-at-the-site", "last-valid-day"])
@ZONES
def test_a_card_expires_at_the_end_of_the_sites_day(at_site, worker, session, views, valid_until, accepted,
                                                     machine_zone):
    """GIVEN 16:00 UTC on 23 November, the 24th at the site WHEN a card valid until the 23rd is placed
    THEN it is expired; one valid until the 24th is read."""
    hall = at_site(TRICKY_INSTANTS["utc-16:00"], machine_zone)
    journey = OneCardJourney(hall=hall, worker=worker, session=session, on_change=views, clock=SiteClock())
    journey.begin()
    journey.card_read(identity_of(replace(demo_citizen("resident"), valid_until=valid_until)))
    if accepted:
        assert views.until(OneCardStep.RESULT).masked_name == "张**"
    else:
        assert views.until(OneCardStep.CARD_PROBLEM).problem == "card.expired"
