"""一证通办 end to end: the demo card placed on the simulated reader (real driver over a pty), the masked
greeting, the citizen's matters from the embedded reference hall, and nothing personal left behind."""

from dataclasses import replace
from datetime import date

import pytest

from domain.demo_citizens import demo_citizen
from domain.privacy import redact
from tests.screens.conftest import all_texts, frames, tap, wait_for


@pytest.fixture
def kiosk(make_demo_kiosk):
    app = make_demo_kiosk(printer=False)
    yield app


def open_one_card(app):
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("one_card"))
    screen = app.screen_manager.get_screen("one_card")
    assert screen.step == "waiting_card"
    assert screen.ids.place_prompt.text == "请将身份证放在感应区"
    return screen


def test_demo_card_gives_a_masked_greeting_and_the_citizens_matters(kiosk):
    screen = open_one_card(kiosk)
    citizen = demo_citizen("resident")
    tap(screen.ids.demo_card_button)  # the demo control places the first demo card: this citizen
    wait_for(lambda: screen.step == "result", lambda: f"result, step {screen.step}")

    assert screen.ids.greeting.text == "您好，张**"
    texts = "\n".join(all_texts(screen))
    assert "今天的预约" in texts and "我的信息" in texts
    assert screen.view.records, "the demo hall has records for the demo citizen"
    assert screen.view.records[0].title in texts
    for secret in (citizen.name, citizen.id_number, citizen.address):
        assert secret not in texts


def test_everything_personal_is_gone_after_done(kiosk):
    screen = open_one_card(kiosk)
    citizen = demo_citizen("resident")
    kiosk.devices.place_next_demo_card()
    wait_for(lambda: screen.step == "result", "result")
    identity = kiosk.session.recall("identity")
    assert identity is not None and redact(citizen.name) != citizen.name  # registered for the log filter

    tap(screen.ids.done_button)
    assert kiosk.current_screen == "attract" and not kiosk.session.holds_personal_data()
    assert identity.wiped
    assert redact(citizen.name) == citizen.name  # forgotten by the log filter too
    everything = "\n".join(all_texts(kiosk.root))
    for secret in ("张**", "张测试", citizen.id_number, citizen.address):
        assert secret not in everything


def test_a_card_placed_on_the_attract_screen_opens_one_card_services(kiosk):
    assert kiosk.current_screen == "attract"
    kiosk.devices.place_next_demo_card()
    wait_for(lambda: kiosk.current_screen == "one_card" and
             kiosk.screen_manager.get_screen("one_card").step == "result", "one-card result")
    assert kiosk.session.active


@pytest.mark.parametrize("key, greeting", [
    ("foreign-2017", "您好，S***** **** ****"),
    ("foreign-2023", "您好，示***"),
    ("hk-permit", "您好，陈**"),
])
def test_other_card_types_get_the_same_journey(kiosk, key, greeting):
    screen = open_one_card(kiosk)
    kiosk.devices.demo_reader.place_card(demo_citizen(key))
    wait_for(lambda: screen.step == "result", lambda: f"result, step {screen.step}")
    assert screen.ids.greeting.text == greeting


def test_a_rare_character_in_a_name_is_drawn_with_the_fallback_font(kiosk):
    screen = open_one_card(kiosk)
    rare = replace(demo_citizen("resident"), name="䶮测试")
    kiosk.devices.demo_reader.place_card(rare)
    wait_for(lambda: screen.step == "result", "result")
    assert screen.ids.greeting.text.startswith("您好，[font=") and "䶮[/font]**" in screen.ids.greeting.text


def test_a_card_with_a_wrong_check_digit_gets_a_plain_explanation(kiosk):
    screen = open_one_card(kiosk)
    citizen = demo_citizen("resident")
    wrong = "0" if citizen.id_number[-1] != "0" else "1"
    kiosk.devices.demo_reader.place_card(replace(citizen, id_number=citizen.id_number[:-1] + wrong))
    wait_for(lambda: screen.step == "card_problem", lambda: f"card problem, step {screen.step}")
    assert screen.ids.problem.text == "这张证件的号码无法核验，请到服务窗口办理。"
    assert not screen.ids.try_again_button.disabled


def test_an_expired_card_is_explained(kiosk):
    screen = open_one_card(kiosk)
    kiosk.devices.demo_reader.place_card(replace(demo_citizen("resident"), valid_until=date(2020, 1, 1)))
    wait_for(lambda: screen.step == "card_problem", "card problem")
    assert screen.ids.problem.text == "这张证件已过有效期，请到服务窗口办理。"


def test_hall_down_mid_journey_says_so(kiosk):
    screen = open_one_card(kiosk)
    kiosk.hall.embedded.stop()
    kiosk.devices.place_next_demo_card()
    wait_for(lambda: screen.step == "unavailable", "unavailable")
    assert screen.ids.problem.text == "暂时查询不到您的信息，请稍后再试，或到服务窗口办理。"
