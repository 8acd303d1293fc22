"""Handwriting and pinyin on the real widgets, offscreen, driving the real zinnia and librime: strokes drawn
with real touches, letter keys tapped, candidates chosen and paged; the limit and its count; elder mode; a
machine without the libraries; and nothing left in the widgets when the visit ends."""

from __future__ import annotations

from kiosk.devices.text_input.handwriting import ZinniaRecogniser
from kiosk.devices.text_input.pinyin import Rime
from kiosk.devices.text_input.service import TextInputService
from tests.fixtures.text_input import scaled_strokes
from tests.screens.conftest import all_texts, frames, tap, wait_for


def draw(surface, character: str) -> None:
    """Write `character` on the pad with real touches: its recorded strokes, stretched to the pad."""
    from kivy.tests.common import UnitTestTouch

    for stroke in scaled_strokes(character, surface.width, surface.height):
        points = [surface.to_window(surface.x + x, surface.top - y) for x, y in stroke]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for point in points[1:]:
            touch.touch_move(*point)
        touch.touch_up()
    frames(1)


def write_by_hand(writer, character: str) -> None:
    """Draw `character`, wait for the recogniser's guesses, tap it among the first three."""
    pad = writer.ids.pad
    draw(pad.ids.surface, character)
    wait_for(lambda: character in pad.guesses[:3], lambda: f"{character} among the guesses {pad.guesses}")
    tap(pad.candidate(character))


def type_pinyin(writer, letters: str, choose: str) -> None:
    """Tap the first letter key (then press the others as the keys do: a drawn frame per tap is slow on a
    software renderer), wait for librime's candidates, tap `choose` among them."""
    keyboard = writer.ids.keyboard
    tap(keyboard.key(letters[0]))
    for letter in letters[1:]:
        keyboard.press(letter)
    wait_for(lambda: choose in keyboard.state.candidates, lambda: f"{choose} among {keyboard.state.candidates}")
    tap(keyboard.candidate(choose))
    wait_for(lambda: not keyboard.state.composing, "the words committed")


def open_writing(app):
    """The 投诉建议 form on a kiosk without a hall (its matters skipped), at its writing step."""
    app.visit.start()
    frames()
    app.open_service("complaint")
    frames()
    screen = app.screen_manager.get_screen("complaint")
    tap(screen.ids.kind_complaint)
    assert screen.step == "phrases"
    tap(screen.ids.write_button)
    assert screen.step == "write"
    return screen, screen.ids.writer


def test_handwriting_rewrite_and_backspace(make_app):
    app = make_app()
    screen, writer = open_writing(app)
    assert writer.method == "handwriting" and writer.ids.display.text == "您写的字会显示在这里"
    write_by_hand(writer, "十")
    assert writer.text == "十" and writer.ids.pad.guesses == [] and writer.ids.pad.ids.surface.stroke_count == 0
    draw(writer.ids.pad.ids.surface, "大")
    assert writer.ids.pad.ids.surface.stroke_count == 3
    tap(writer.ids.pad.ids.backspace)                   # the last stroke, not the character written
    assert writer.ids.pad.ids.surface.stroke_count == 2 and writer.text == "十"
    tap(writer.ids.pad.ids.rewrite)
    assert writer.ids.pad.ids.surface.stroke_count == 0 and writer.ids.pad.guesses == []
    tap(writer.ids.pad.ids.backspace)                   # an empty pad: the character goes
    assert writer.text == ""
    draw(writer.ids.pad.ids.surface, "人")
    wait_for(lambda: writer.ids.pad.guesses[:1] == ["人"], "人 first")
    tap(writer.ids.pad.ids.confirm)                     # 确定 takes the first guess
    assert writer.text == "人" and writer.ids.display.text == "人"


def test_pinyin_with_paging_and_backspace(make_app):
    app = make_app()
    screen, writer = open_writing(app)
    tap(writer.ids.pinyin_button)
    keyboard = writer.ids.keyboard
    assert writer.method == "pinyin" and keyboard.opacity == 1 and writer.ids.pad.opacity == 0
    tap(keyboard.key("t"))
    keyboard.press("o")
    keyboard.press("u")
    wait_for(lambda: keyboard.ids.preedit.text == "tou", "the letters shown")
    first_page = keyboard.state.candidates
    assert len(first_page) == 6 and keyboard.ids.previous_page.opacity == 0
    tap(keyboard.ids.next_page)
    wait_for(lambda: keyboard.state.page == 1, "the second page")
    assert keyboard.ids.previous_page.opacity == 1 and not set(first_page) & set(keyboard.state.candidates)
    chosen = keyboard.state.candidates[1]
    tap(keyboard.candidate(chosen))
    wait_for(lambda: writer.text == chosen, "the candidate from page two written")
    type_pinyin(writer, "tousu", "投诉")
    assert writer.text == chosen + "投诉"
    keyboard.press("a")
    keyboard.press("b")
    tap(keyboard.ids.backspace)
    wait_for(lambda: keyboard.state.preedit == "a", "one letter taken back")
    keyboard.backspace()
    keyboard.backspace()                                # no pinyin left: the last character goes
    wait_for(lambda: writer.text == chosen + "投", "a written character taken back")
    writer.max_length = 3                               # the limit: what does not fit is not written
    type_pinyin(writer, "chuangkou", "窗口")
    assert writer.text == chosen + "投窗" and writer.ids.count.text == "3 / 3 字  已达到字数上限"


def test_elder_mode_has_bigger_targets_and_fewer_candidates(make_app):
    from kivy.metrics import dp

    app = make_app()
    app.visit.start()
    app.visit.toggle_elder_mode()
    screen, writer = open_writing(app)
    tap(writer.ids.pinyin_button)
    keyboard = writer.ids.keyboard
    for letter in "shi":
        keyboard.press(letter)
    wait_for(lambda: len(keyboard.state.candidates) == 4, lambda: f"four candidates: {keyboard.state.candidates}")
    frames(2)
    targets = [keyboard.key("q"), keyboard.ids.next_page, keyboard.ids.backspace, writer.ids.handwriting_button,
               *keyboard.ids.candidates.children]
    for widget in targets:
        assert widget.width >= dp(60) - 0.5 and widget.height >= dp(60) - 0.5, widget


def test_a_machine_without_handwriting_offers_pinyin_alone(make_app):
    app = make_app()
    app.text_input = TextInputService(app.settings.data_dir, deliver=app.deliver,
                                      open_recogniser=lambda: ZinniaRecogniser.open(library="libzinnia-gone.so.0"))
    screen, writer = open_writing(app)
    wait_for(lambda: writer.methods == ["pinyin"], "handwriting withdrawn")
    assert writer.method == "pinyin" and writer.ids.switch.opacity == 0 and writer.ids.pad.opacity == 0
    type_pinyin(writer, "jianyi", "建议")
    assert writer.text == "建议"
    assert "libzinnia0" in app.text_input.status("handwriting").detail
    app.text_input.stop()


def test_a_machine_without_either_offers_the_phrases_and_says_so(make_app):
    app = make_app()
    app.text_input = TextInputService(app.settings.data_dir, deliver=app.deliver,
                                      open_recogniser=lambda: ZinniaRecogniser.open(library="libzinnia-gone.so.0"),
                                      load_rime=lambda: Rime.load(library="librime-gone.so.1"))
    app.visit.start()
    frames()
    app.open_service("complaint")
    frames()
    screen = app.screen_manager.get_screen("complaint")
    tap(screen.ids.kind_complaint)
    wait_for(lambda: not screen.can_write, "writing withdrawn")
    assert screen.ids.write_button.opacity == 0 and screen.ids.write_button.disabled
    assert screen.ids.write_unavailable.text == "这台机器暂不能手写或拼音输入，请选择常用语。"
    tap(screen.phrase_chip("long_wait"))
    tap(screen.ids.phrases_next)
    assert screen.step == "phone"                       # the chips still make a complaint
    app.text_input.stop()


def test_nothing_written_stays_when_the_visit_times_out(make_app, fake_clock):
    app = make_app()
    screen, writer = open_writing(app)
    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "paidui", "排队")
    for letter in "tai":
        writer.ids.keyboard.press(letter)
    wait_for(lambda: writer.ids.keyboard.state.composing, "pinyin half typed")
    fake_clock.advance(app.settings.ui.idle_timeout_s + app.settings.ui.countdown_s + 1)
    wait_for(lambda: app.current_screen == "attract", "the visit timed out")
    frames()
    assert writer.text == "" and not writer.ids.keyboard.state.composing
    assert "排队" not in "\n".join(all_texts(app.root))
    app.text_input.reset().result(timeout=20)
    states = []
    app.text_input.pinyin(lambda session: session.state(), on_result=states.append)
    wait_for(lambda: states, "the engine asked")
    assert not states[0].composing                      # librime forgot the half-typed "tai" too
