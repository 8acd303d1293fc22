"""办件查询 end to end on the real widgets: the demo card on the simulated reader (real driver over a pty) or
a case number typed on the keypad, the cases from the embedded reference hall, their timelines, and nothing
personal left behind."""

import pytest
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from domain.demo_citizens import demo_citizen
from drivers.idcard.simulator import Fault
from tests.screens.conftest import all_texts, embedded_query_code, frames, tap, wait_for


@pytest.fixture
def kiosk(make_demo_kiosk):
    app = make_demo_kiosk(printer=False)
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("progress"))
    screen = app.screen_manager.get_screen("progress")
    assert app.current_screen == "progress" and screen.step == "choose"
    return app, screen


def touch(widget) -> None:
    """A real touch at the widget's centre, without drawing a frame after it (typing is many touches)."""
    from kivy.tests.common import UnitTestTouch

    finger = UnitTestTouch(*widget.to_window(*widget.center))
    finger.touch_down()
    finger.touch_up()


def type_number(screen, number):
    """Real touches on the keys; one frame is drawn only when the keypad turns the page (to lay it out)."""
    keypad = screen.ids.keypad
    for key in number:
        if key.isalpha() != keypad.letters:
            touch(keypad.ids.page_switch)
            frames(1)
        touch(keypad.key(key))
    frames(1)


def shown(widget) -> bool:
    node = widget
    while node is not None and hasattr(node, "disabled"):
        if node.opacity <= 0 or node.disabled or node.width <= 0 or node.height <= 0:
            return False
        node = node.parent
    return True


def assert_accessible(app, screen):
    """Text at least 18 dp and every shown button at least the theme's touch target."""
    frames(2)
    target = dp(app.theme.target_dp) - 0.5
    for widget in screen.walk():
        if not shown(widget):
            continue
        if isinstance(widget, Label) and widget.text:
            assert widget.font_size >= dp(18), widget.text
        if isinstance(widget, ButtonBehavior):
            assert widget.width >= target and widget.height >= target, (getattr(widget, "text", ""), widget.size)


def test_the_card_shows_every_case_with_its_timeline_and_done_wipes_it_all(kiosk):
    app, screen = kiosk
    citizen = demo_citizen("resident")
    app.devices.demo_reader.place_card(citizen)
    wait_for(lambda: screen.step == "result", lambda: f"result, step {screen.step}")

    assert screen.ids.greeting.text == "您好，张**"
    texts = "\n".join(all_texts(screen))
    for expected in ("营业执照办理", "办件编号：YT2026SC000123", "当前状态：审批中", "受理　已完成",
                     "审批　已完成",
                     "办结　进行中", "送达　未开始", "换领机动车驾驶证", "送达　已完成"):
        assert expected in texts, expected
    assert citizen.name not in texts and citizen.id_number not in texts

    tap(screen.ids.done_button)
    assert app.current_screen == "attract" and not app.session.holds_personal_data()
    everything = "\n".join(all_texts(app.root))
    for secret in ("张**", citizen.name, citizen.id_number, "YT2026SC000123", "营业执照办理"):
        assert secret not in everything, secret


def test_a_mistyped_case_number_is_explained_then_corrected_on_the_keypad_in_english_and_elder_mode(kiosk):
    app, screen = kiosk
    app.visit.toggle_language()
    app.visit.toggle_elder_mode()
    tap(screen.ids.by_number_button)
    assert screen.step == "enter_number" and screen.ids.number_prompt.text.startswith("Please enter the case")
    type_number(screen, "YT2026MZ000079")
    assert screen.ids.keypad.text == "YT2026MZ000079"
    tap(screen.ids.search_button)
    assert screen.step == "enter_code" and screen.ids.number_prompt.text.startswith("Please enter the 6-digit")
    assert screen.ids.keypad.text == ""
    type_number(screen, "123456")
    tap(screen.ids.search_button)
    wait_for(lambda: screen.step == "not_found", lambda: f"not found, step {screen.step}")
    assert screen.ids.not_found_message.text.startswith("The case number YT2026MZ000079 and the query code")

    tap(screen.ids.retype_button)
    assert screen.step == "enter_number" and screen.ids.keypad.text == "YT2026MZ000079"
    touch(screen.ids.keypad.ids.delete_key)
    type_number(screen, "8")
    tap(screen.ids.search_button)
    assert screen.step == "enter_code"
    type_number(screen, embedded_query_code(app, "YT2026MZ000078"))
    tap(screen.ids.search_button)
    wait_for(lambda: screen.step == "result", lambda: f"result, step {screen.step}")
    texts = "\n".join(all_texts(screen))
    assert "Case number: YT2026MZ000078" in texts and "Status: completed" in texts
    assert "Completed · done" in texts and "Delivered · in progress" in texts
    assert screen.ids.greeting.height == 0  # a number alone says nothing about who asks
    assert_accessible(app, screen)


def test_an_unreadable_card_is_explained_then_the_hall_goes_down_mid_search(kiosk):
    app, screen = kiosk
    app.devices.demo_reader.inject(Fault.BAD_CHECKSUM)
    app.devices.demo_reader.place_card(demo_citizen("resident"))
    wait_for(lambda: screen.step == "card_problem", lambda: f"card problem, step {screen.step}")
    assert screen.ids.problem.text == "没有读到证件，请取下后重新放置在感应区。"
    tap(screen.ids.try_again_button)
    assert screen.step == "choose"

    tap(screen.ids.by_number_button)
    type_number(screen, "YT2026SC000123")
    tap(screen.ids.search_button)
    type_number(screen, "123456")
    app.hall.embedded.stop()
    tap(screen.ids.search_button)
    wait_for(lambda: screen.step == "unavailable", lambda: f"unavailable, step {screen.step}")
    assert screen.ids.problem.text == "暂时无法查询办件进度，请稍后再试，或到服务窗口咨询。"
    tap(screen.ids.back_button)
    assert app.current_screen == "home"
