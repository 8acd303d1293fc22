"""取号 end to end on the real widgets: the embedded reference hall over HTTP, the printer simulator over a
pseudo-terminal, and the citizen's taps. The number on screen is the number on paper."""

import pytest

from drivers.printer import PrinterState
from drivers.printer.escpos_reader import printed_text
from tests.screens.conftest import frames, tap, wait_for


@pytest.fixture
def ticket_kiosk(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False)
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("ticket"))
    screen = app.screen_manager.get_screen("ticket")
    wait_for(lambda: screen.step == "choose", "queues shown")
    return app, screen


def test_choose_a_queue_get_a_printed_ticket_with_its_number_on_screen(ticket_kiosk):
    app, screen = ticket_kiosk
    queue = next(q for q in screen.view.queues if q.open)
    tap(screen.queue_button(queue.code))
    wait_for(lambda: screen.step == "done", lambda: f"ticket done, step {screen.step} {screen.view}")

    number = screen.ids.number.text
    assert number.startswith(queue.prefix) and number == screen.view.ticket.number
    assert screen.view.printed
    assert screen.ids.print_state.message == "请取走号票"
    assert "请留意叫号" in screen.ids.watch.text
    paper = printed_text(app.devices.demo_printer.received())
    assert number in paper and queue.name in paper and "扫码评价本次服务" in paper
    ticket = app.hall.client.ticket(screen.view.ticket.ticket_id)
    assert ticket.number == number  # the hall knows the same ticket


def test_paper_out_keeps_the_number_on_screen_and_offers_a_reprint(ticket_kiosk):
    app, screen = ticket_kiosk
    app.devices.demo_printer.set_state(PrinterState.PAPER_OUT)
    queue = next(q for q in screen.view.queues if q.open)
    tap(screen.queue_button(queue.code))
    wait_for(lambda: screen.step == "done", lambda: f"ticket done, step {screen.step} {screen.view}")

    assert screen.ids.number.text == screen.view.ticket.number
    assert not screen.view.printed
    assert "号票没有打印出来" in screen.ids.print_state.text and "缺纸" in screen.ids.print_state.text
    assert screen.ids.reprint_button.opacity == 1 and not screen.ids.reprint_button.disabled
    assert printed_text(app.devices.demo_printer.received()).strip() == ""

    app.devices.demo_printer.set_state(PrinterState.READY)  # staff put in a new roll
    tap(screen.ids.reprint_button)
    wait_for(lambda: screen.step == "done" and screen.view.printed, "reprinted")
    assert screen.view.ticket.number in printed_text(app.devices.demo_printer.received())


def test_done_moves_on_to_rating_this_ticket_and_clears_the_number(ticket_kiosk):
    app, screen = ticket_kiosk
    tap(screen.queue_button(next(q for q in screen.view.queues if q.open).code))
    wait_for(lambda: screen.step == "done", lambda: f"ticket done, step {screen.step} {screen.view}")
    tap(screen.ids.done_button)
    frames()
    assert app.current_screen == "review" and app.session.active
    assert app.screen_manager.get_screen("review").journey is not None
    assert screen.ids.number.text == ""


def test_hall_down_says_so_and_where_to_go_instead(ticket_kiosk):
    app, screen = ticket_kiosk
    app.hall.embedded.stop()  # the backend goes away mid-journey
    app.visit.go_home()
    frames()
    tap(app.screen_manager.get_screen("home").tile("ticket"))
    wait_for(lambda: screen.step == "unavailable", "unavailable shown")
    assert screen.ids.unavailable_message.text == "取号服务暂时无法使用，请到服务台取号。"


def test_an_elderly_citizen_who_places_the_card_gets_a_priority_ticket_with_a_masked_name(make_demo_kiosk):
    from domain.demo_citizens import demo_citizen

    app = make_demo_kiosk()
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("ticket"))
    screen = app.screen_manager.get_screen("ticket")
    wait_for(lambda: screen.step == "choose", lambda: f"queues shown, step {screen.step} {screen.view.problem}, "
                                                      f"hall {app.hall_state}")
    assert screen.ids.holder.text == "65岁以上的老人请刷身份证，优先取号"

    elder = demo_citizen("elder")  # born 1948
    app.devices.demo_reader.place_card(elder)
    wait_for(lambda: screen.view.holder, "card read")
    assert screen.ids.holder.text == "李**，已为您优先取号" and screen.view.priority == "elderly"

    tap(screen.queue_button(next(q for q in screen.view.queues if q.open).code))
    wait_for(lambda: screen.step == "done", "ticket done")
    assert app.hall.client.ticket(screen.view.ticket.ticket_id).priority == "elderly"
    paper = printed_text(app.devices.demo_printer.received())
    assert "李**" in paper and elder.name not in paper and elder.id_number not in paper
