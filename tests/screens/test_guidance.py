"""Guidance on the real widgets: the bar of 帮助, 重听 and 呼叫工作人员 at the foot of every citizen screen (and
nowhere else), the staff call reaching the embedded hall as a device event through the outbox, the help
dialog's picture of this machine model, and the closing note that asks for the card and the slip back."""

from __future__ import annotations

import pytest

from tests.screens.conftest import embedded_hall_rows, frames, tap, wait_for


class RecordingSpeaker:
    """What the kiosk said, in order (the real one speaks through espeak-ng, which a test cannot hear)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))

    def close(self) -> None:
        pass


def test_the_guidance_bar_is_at_the_foot_of_citizen_screens_only(make_app):
    """GIVEN the attract screen THEN no guidance bar; WHEN a visit starts THEN it is there, below the screen."""
    app = make_app()
    frames()
    bar = app.root.ids.guidance_bar
    assert app.current_screen == "attract" and bar.opacity == 0 and bar.height == 0 and bar.disabled
    app.visit.start()
    frames()
    assert bar.opacity == 1 and not bar.disabled and bar.top <= app.screen_manager.y + 1
    assert [button.text for button in bar.children[::-1]] == ["帮助", "重听", "呼叫工作人员"]


def test_calling_staff_raises_an_event_the_hall_receives(make_demo_kiosk):
    """GIVEN the demo kiosk with its embedded hall WHEN a citizen taps 呼叫工作人员 on the home screen THEN they
    are told staff know, and the hall's device events hold a warning that names the screen and nobody."""
    app = make_demo_kiosk(idcard=False, printer=False)
    app.visit.start()
    frames()
    tap(app.root.ids.guidance_bar.ids.call_staff_button)
    wait_for(lambda: app.staff_call_state == "called", "the staff call written to the outbox")
    frames()
    assert app.root.ids.staff_call_note.text == "已通知工作人员，请稍候，工作人员马上过来。"
    query = "SELECT type, severity, message FROM device_events WHERE type = 'citizen.call_staff'"
    wait_for(lambda: embedded_hall_rows(app, query), "the staff call delivered to the hall")
    assert embedded_hall_rows(app, query) == [("citizen.call_staff", "warning",
                                               "a citizen asks for help on the home screen")]


def test_hear_again_repeats_the_last_prompt_in_the_language_shown(make_app):
    """GIVEN a prompt said in Chinese WHEN the citizen switches to English and taps 重听 THEN it is said again,
    in English."""
    speaker = RecordingSpeaker()
    app = make_app(speaker=speaker)
    app.visit.start()
    app.speak("ticket.take_ticket")
    app.visit.toggle_language()
    frames()
    tap(app.root.ids.guidance_bar.ids.replay_button)
    assert speaker.said == [("请取走号票", "zh"), ("Please take your ticket", "en")]


@pytest.mark.parametrize("model", ["upright", "desktop"])
def test_help_shows_where_the_card_goes_on_this_machine_model(make_app, model):
    """GIVEN a profile naming the machine model WHEN the citizen taps 帮助 THEN the help dialog draws that
    model's reader and slot inside its picture, with the words for both."""
    from kiosk.config import PROFILE_DIR, load_settings
    from kiosk.journeys.guidance import MACHINE_MODELS

    demo = load_settings(PROFILE_DIR / "demo.toml")
    app = make_app(settings=demo.model_copy(update={"ui": demo.ui.model_copy(update={"machine_model": model})}))
    app.visit.start()
    frames()
    tap(app.root.ids.guidance_bar.ids.help_button)
    dialog = app.help_dialog
    assert dialog._is_open
    picture = dialog.ids.machine
    assert picture.model == MACHINE_MODELS[model]
    for part in ("reader", "slot"):
        left, bottom, width, height = picture.box(part)
        assert picture.x <= left and left + width <= picture.right and picture.y <= bottom
        assert bottom + height <= picture.top and width > 0 and height > 0
    texts = [widget.text for widget in dialog.walk() if hasattr(widget, "message")]
    assert any("身份证放这里" in text for text in texts) and any("凭条从这里出" in text for text in texts)
    tap(dialog.ids.help_close)
    assert not dialog._is_open


def test_a_visit_that_read_a_card_ends_by_asking_for_it_back_aloud(make_app):
    """GIVEN a visit in which a card was placed WHEN it ends THEN the resting screen shows 请取回您的身份证,
    and says it; a visit with nothing placed or printed ends without the note."""
    speaker = RecordingSpeaker()
    app = make_app(speaker=speaker)
    app.visit.start()
    app.session.note_takeaway("card")
    app.visit.end()
    frames()
    assert app.current_screen == "attract" and app.closing_dialog._is_open
    assert app.closing_dialog.ids.note.text == "请取回您的身份证"
    assert speaker.said[-1] == ("请取回您的身份证", "zh")
    app.closing_dialog.dismiss(animation=False)
    app.visit.start()
    app.visit.end()
    frames()
    assert not app.closing_dialog._is_open
