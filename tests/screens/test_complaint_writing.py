"""Issue 16's acceptance: a complaint written by hand and in pinyin on the 投诉建议 screen reaches the embedded hall
over the outbox with its text intact — the real zinnia recogniser fed recorded strokes through real touches, the
real librime fed the letter keys, the app's own outbox and sender delivering it — and nothing of it stays."""

from tests.screens.conftest import all_texts, embedded_hall_rows, frames, tap, wait_for
from tests.screens.test_chinese_input import type_pinyin, write_by_hand

WORDS = "窗口人太少等了十分钟"


def test_a_complaint_written_by_hand_and_in_pinyin_reaches_the_hall_intact(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("complaint"))
    screen = app.screen_manager.get_screen("complaint")
    tap(screen.ids.kind_complaint)
    wait_for(lambda: screen.step == "matter", "matters shown")
    tap(screen.ids.matter_skip)
    tap(screen.ids.write_button)
    assert screen.step == "write"
    writer = screen.ids.writer

    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "chuangkou", "窗口")
    tap(writer.ids.handwriting_button)
    write_by_hand(writer, "人")
    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "taishao", "太少")
    type_pinyin(writer, "dengle", "等了")              # the second candidate: 瞪了 comes first
    tap(writer.ids.handwriting_button)
    write_by_hand(writer, "十")
    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "fenzhong", "分钟")
    assert writer.text == WORDS and writer.ids.display.text == WORDS

    tap(screen.ids.write_done)
    assert screen.step == "phrases" and screen.ids.written.text == f"您写的：{WORDS}"
    assert writer.text == ""                            # the text lives in the journey's view, not in the pads
    tap(screen.ids.phrases_next)
    tap(screen.ids.phone_skip)
    wait_for(lambda: screen.step == "done", lambda: f"done, step {screen.step}")
    wait_for(lambda: embedded_hall_rows(app, "SELECT 1 FROM complaints"), "complaint delivered by the outbox sender")
    assert embedded_hall_rows(app, "SELECT kind, content, matter_code, contact_phone FROM complaints") == [
        ("complaint", WORDS, None, None)]
    assert WORDS.encode() not in (app.settings.data_dir / "outbox.sqlite3").read_bytes()

    tap(screen.ids.done_button)
    assert app.current_screen == "attract"
    assert WORDS not in "\n".join(all_texts(app.root)) and "人太少" not in "\n".join(all_texts(app.root))
