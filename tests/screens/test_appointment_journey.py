"""预约 end to end on the real widgets: the demo card on the simulated reader (real driver over a pty), the
embedded reference hall over HTTP, the printer simulator over a pty. Check-in ends with the number on screen
and on paper; a booking ends with its confirmation printed; nothing personal stays behind."""

from datetime import date

import pytest

from domain.demo_citizens import demo_citizen
from drivers.idcard.simulator import Fault
from drivers.printer import PrinterState
from drivers.printer.escpos_reader import printed_text
from tests.fixtures.clock import MACHINE_ZONES, TRICKY_INSTANTS, site_day
from tests.screens.conftest import all_texts, frames, tap, wait_for
from tests.screens.test_progress_journey import assert_accessible


@pytest.fixture
def kiosk(make_demo_kiosk):
    app = make_demo_kiosk()
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("appointment"))
    screen = app.screen_manager.get_screen("appointment")
    assert app.current_screen == "appointment" and screen.step == "waiting_card"
    assert screen.ids.place_prompt.text == "请将身份证放在感应区"
    return app, screen


def card_placed(app, screen, key="resident"):
    app.devices.demo_reader.place_card(demo_citizen(key))
    wait_for(lambda: screen.step == "appointments", lambda: f"appointments, step {screen.step}")


def assert_nothing_personal_left(app, *secrets):
    assert app.current_screen == "attract" and not app.session.holds_personal_data()
    everything = "\n".join(all_texts(app.root))
    for secret in secrets:
        assert secret not in everything, secret


def test_check_in_by_card_with_paper_out_keeps_the_number_on_screen_reprints_and_done_wipes_it(kiosk):
    app, screen = kiosk
    citizen = demo_citizen("resident")
    app.devices.demo_printer.set_state(PrinterState.PAPER_OUT)
    card_placed(app, screen)
    assert screen.ids.greeting.text == "您好，张**"
    first = screen.view.appointments[0]
    row = screen.row(first.appointment_id)
    assert row.ids.line_label.text.startswith("10:00–10:30  社保参保登记")
    assert (row.ids.action_button.text, row.ids.cancel_button.text) == ("签到", "取消预约")

    tap(row.ids.action_button)
    wait_for(lambda: screen.step == "checked_in", lambda: f"checked in, step {screen.step}")
    number = screen.ids.number.text
    assert number == screen.view.ticket.number and number.startswith("A") and not screen.view.printed
    assert screen.ids.checked_in_headline.text == "签到成功，您的号码是"
    print_state = screen.ids.ticket_print_state.text
    assert "号票没有打印出来" in print_state and "缺纸" in print_state
    assert printed_text(app.devices.demo_printer.received()).strip() == ""

    app.devices.demo_printer.set_state(PrinterState.READY)  # staff put in a new roll
    tap(screen.ids.ticket_reprint)
    wait_for(lambda: screen.step == "checked_in" and screen.view.printed, "reprinted")
    assert screen.ids.ticket_print_state.text == "请取走号票" and screen.ids.ticket_reprint.disabled
    paper = printed_text(app.devices.demo_printer.received())
    assert number in paper and "社保参保登记" in paper and "张**" in paper and citizen.name not in paper
    texts = "\n".join(all_texts(screen))
    assert citizen.name not in texts and citizen.id_number not in texts

    tap(screen.ids.checked_in_done)
    assert_nothing_personal_left(app, "张**", citizen.name, citizen.id_number, number, "社保参保登记")


def test_a_checked_in_appointment_shows_its_number_another_is_cancelled_then_the_citizen_walks_away(
        kiosk, fake_clock):
    app, screen = kiosk
    citizen = demo_citizen("resident")
    earlier = app.hall.client.check_in(app.hall.client.todays_appointments(citizen.id_number)[0].appointment_id,
                                       citizen.id_number)  # e.g. at the desk, an hour ago
    card_placed(app, screen)
    row = screen.row(earlier.appointment.appointment_id)
    assert "（已签到）" in row.ids.line_label.text and row.ids.action_button.text == "查看号码"
    assert row.ids.cancel_button.disabled and row.ids.cancel_button.opacity == 0  # too late to cancel

    other = screen.view.appointments[1]  # the afternoon one: the citizen cannot come, asks first, cancels
    tap(screen.row(other.appointment_id).ids.cancel_button)
    assert screen.step == "confirm_cancel" and "公积金提取" in screen.ids.cancel_summary.text
    tap(screen.ids.cancel_yes)
    wait_for(lambda: screen.step == "appointments", lambda: f"appointments, step {screen.step}")
    assert screen.ids.appointments_problem.text == "预约已取消。"
    assert [a.appointment_id for a in screen.view.appointments] == [earlier.appointment.appointment_id]

    row = screen.row(earlier.appointment.appointment_id)
    tap(row.ids.action_button)
    wait_for(lambda: screen.step == "checked_in", lambda: f"checked in, step {screen.step}")
    assert screen.ids.checked_in_headline.text.startswith("您已经签到过了，不需要再签到。")
    assert screen.ids.number.text == earlier.ticket.number
    assert printed_text(app.devices.demo_printer.received()).strip() == ""  # nothing new was printed
    assert screen.ids.ticket_reprint.text == "打印号票" and not screen.ids.ticket_reprint.disabled

    fake_clock.advance(app.visit.idle_watch.idle_timeout_s + app.visit.idle_watch.countdown_s + 1)  # nobody touches
    app.check_idle()
    frames()
    assert_nothing_personal_left(app, "张**", citizen.name, citizen.id_number, earlier.ticket.number)


def test_an_upcoming_appointment_shows_its_date_offers_only_cancel_and_is_cancelled_after_confirming(kiosk):
    """GIVEN the resident's appointment on Thursday WHEN the card is placed THEN it is listed below today's with
    its date, the check-in hint and only 取消预约; WHEN cancelled and confirmed THEN it is gone, here and at the
    hall, and today's still offer 签到."""
    app, screen = kiosk
    citizen = demo_citizen("resident")
    card_placed(app, screen)
    thursday = screen.view.upcoming[0]
    row = screen.row(thursday.appointment_id)
    assert row in screen.ids.upcoming.children
    assert row.ids.line_label.text.startswith("11月26日 星期四  10:00–10:30  不动产登记")
    assert row.ids.cancel_button.text == "取消预约" and not row.ids.cancel_button.disabled
    assert row.ids.action_button.disabled and row.ids.action_button.opacity == 0  # check-in is on the day
    assert screen.ids.upcoming_heading.text == "以后几天的预约"
    assert screen.ids.upcoming_hint.text.startswith("请在预约当天来签到")

    tap(row.ids.cancel_button)
    assert screen.step == "confirm_cancel" and "不动产登记" in screen.ids.cancel_summary.text
    assert "2026年11月26日" in screen.ids.cancel_summary.text
    tap(screen.ids.cancel_yes)
    wait_for(lambda: screen.step == "appointments", lambda: f"appointments, step {screen.step}")
    assert screen.ids.appointments_problem.text == "预约已取消。"
    assert screen.ids.upcoming.children == [] and screen.ids.upcoming_heading.text == ""
    assert thursday.appointment_id not in [
        a.appointment_id for a in app.hall.client.upcoming_appointments(citizen.id_number).appointments]
    today = screen.view.appointments
    assert len(today) == 2 and all(screen.row(a.appointment_id).ids.action_button.text == "签到" for a in today)


AROUND_MIDNIGHT = {name: TRICKY_INSTANTS[name] for name in ("utc-16:00", "year-end")}


@pytest.mark.parametrize("instant", AROUND_MIDNIGHT.values(), ids=AROUND_MIDNIGHT)
@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_just_after_midnight_at_the_site_todays_appointments_offer_check_in_on_a_machine_in_any_zone(
        make_demo_kiosk, machine_zone, instant):
    """GIVEN the first minutes of a day at the site, still the day before on the machine WHEN the resident's
    card is placed THEN today's two appointments offer 签到 and the coming one shows its own date."""
    app = make_demo_kiosk(at=instant, machine_zone=machine_zone, tick=False)
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("appointment"))
    screen = app.screen_manager.get_screen("appointment")
    card_placed(app, screen)
    today = site_day(instant).isoformat()
    assert [a.date for a in screen.view.appointments] == [today, today]
    assert [screen.row(a.appointment_id).ids.action_button.text for a in screen.view.appointments] == ["签到"] * 2
    coming = date.fromisoformat(screen.view.upcoming[0].date)
    assert coming > site_day(instant)
    assert screen.row(screen.view.upcoming[0].appointment_id).ids.line_label.text.startswith(
        f"{coming.month}月{coming.day}日 星期{'一二三四五六日'[coming.weekday()]}  10:00–10:30  不动产登记")


def test_book_a_new_time_in_english_and_elder_mode_with_the_confirmation_printed(kiosk):
    app, screen = kiosk
    citizen = demo_citizen("elder")
    app.visit.toggle_language()
    app.visit.toggle_elder_mode()
    card_placed(app, screen, "elder")

    tap(screen.ids.book_button)
    wait_for(lambda: screen.step == "choose_matter", lambda: f"matters, step {screen.step}")
    tap(screen.choice("matters", "GJJ001"))
    wait_for(lambda: screen.step == "choose_day", lambda: f"days, step {screen.step}")
    assert_accessible(app, screen)
    day = screen.view.days[0]
    assert "places free" in screen.choice("days", day.day.isoformat()).text
    tap(screen.choice("days", day.day.isoformat()))
    assert screen.step == "choose_time"
    slot = day.slots[0]
    tap(screen.choice("times", slot.start))
    assert screen.step == "confirm"
    assert screen.ids.confirm_summary.text.startswith("Service: 公积金提取\nDay: ")
    assert f"Time: {slot.start}–{slot.end}" in screen.ids.confirm_summary.text

    tap(screen.ids.confirm_button)
    wait_for(lambda: screen.step == "booked", lambda: f"booked, step {screen.step}")
    booking = screen.view.booking
    assert screen.view.printed and screen.ids.booking_print_state.text.startswith("Please take your booking slip")
    assert f"Booking number: {booking.appointment_id}" in screen.ids.booked_summary.text
    paper = printed_text(app.devices.demo_printer.received())
    assert "预约成功" in paper and booking.appointment_id in paper and f"{booking.date} {slot.start}" in paper
    assert booking.date == day.day.isoformat() and booking.matter.code == "GJJ001"

    tap(screen.ids.booked_done)
    assert_nothing_personal_left(app, "李**", citizen.name, citizen.id_number, booking.appointment_id)
    assert app.language == "zh" and not app.elder_mode


def test_an_unreadable_card_is_explained_then_the_hall_goes_down_at_check_in(kiosk):
    app, screen = kiosk
    app.devices.demo_reader.inject(Fault.BAD_CHECKSUM)
    app.devices.demo_reader.place_card(demo_citizen("resident"))
    wait_for(lambda: screen.step == "card_problem", lambda: f"card problem, step {screen.step}")
    assert screen.ids.problem.text == "没有读到证件，请取下后重新放置在感应区。"
    tap(screen.ids.try_again_button)
    assert screen.step == "waiting_card"

    app.devices.demo_reader.remove_card()
    card_placed(app, screen)  # placed again, read this time
    app.hall.embedded.stop()
    tap(screen.row(screen.view.appointments[0].appointment_id).ids.action_button)
    wait_for(lambda: screen.step == "unavailable", lambda: f"unavailable, step {screen.step}")
    assert screen.ids.problem.text == "暂时无法签到，请到服务台签到取号。"
    tap(screen.ids.back_button)
    assert app.current_screen == "home"
