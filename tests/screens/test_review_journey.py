"""好差评 end to end on the real widgets: the embedded reference hall over HTTP, the simulated reader over a
pseudo-terminal, the app's own outbox and sender; the citizen's taps, and a comment written through the real
librime and zinnia. What was rated reaches the hall once, and nothing personal stays on screen."""


from domain.demo_citizens import demo_citizen
from tests.screens.conftest import all_texts, embedded_hall_rows, embedded_query_code, frames, tap, wait_for
from tests.screens.test_chinese_input import type_pinyin, write_by_hand

PHONE = "13800000001"


def rate_case(app, case_number: str):
    """A completed case journey hands over to 好差评, as the app does after a served journey."""
    app.visit.start()
    frames()
    app.visit.finish_journey(case_number=case_number, query_code=embedded_query_code(app, case_number))
    frames()
    screen = app.screen_manager.get_screen("review")
    wait_for(lambda: screen.step == "rate", lambda: f"rating shown, step {screen.step}")
    return screen


def type_on(keypad, digits: str) -> None:
    """The first key by a real touch, the rest by the keypad's own key handler (its taps are tested in
    test_keypad.py): each touch redraws the whole window, which is slow in software."""
    tap(keypad.key(digits[0]))
    for digit in digits[1:]:
        keypad.press(digit)


def test_unsatisfied_rating_with_reasons_and_a_call_back_reaches_the_hall_once(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    screen = rate_case(app, "YT2026SC000123")
    assert app.visit.pending_review is None                  # read once, on entering
    names = [button.ids.name.text for button in reversed(screen.ids.levels.children)]
    assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [len(b.ids.stars.text) for b in reversed(screen.ids.levels.children)] == [5, 4, 3, 2, 1]

    tap(screen.level_button("dissatisfied"))
    assert screen.step == "indicators" and "总体评价" in screen.ids.level_prompt.text
    tap(screen.level_button("satisfied"))             # overall
    assert "办事效率" in screen.ids.level_prompt.text
    tap(screen.ids.skip_indicators)
    assert screen.step == "reasons"
    tap(screen.ids.reasons_next)
    assert screen.ids.reasons_problem.text == "请至少选择一个原因。"
    tap(screen.reason_chip("long_wait"))
    assert screen.reason_chip("long_wait").text == "✓ 等候时间长"
    tap(screen.ids.reasons_next)
    assert screen.step == "phone"

    pad = screen.ids.phone_pad
    type_on(pad, "1380000000")                        # one digit short
    tap(screen.ids.phone_submit)
    assert "11位数字" in screen.ids.phone_problem.text and screen.step == "phone"
    type_on(pad, "1")
    tap(screen.ids.phone_submit)
    wait_for(lambda: screen.step == "thanks", lambda: f"thanks, step {screen.step}")
    assert "138****0001" in screen.ids.thanks.text and "致电" in screen.ids.thanks.text
    assert PHONE not in "\n".join(all_texts(app.root))

    wait_for(lambda: embedded_hall_rows(app, "SELECT 1 FROM reviews"), "review delivered by the outbox sender")
    wait_for(lambda: app.hall.outbox.stats().pending == 0, "outbox emptied")
    assert embedded_hall_rows(app, "SELECT target_id, level, overall, reasons FROM reviews") == [
        ("YT2026SC000123", "dissatisfied", "satisfied", '["long_wait"]')]
    assert embedded_hall_rows(app, "SELECT phone FROM callback_requests") == [(PHONE,)]

    tap(screen.ids.thanks_done)
    assert app.current_screen == "attract" and not app.session.holds_personal_data()
    everything = "\n".join(all_texts(app.root))
    assert PHONE not in everything and "138****0001" not in everything and pad.text == ""


def test_a_comment_written_in_pinyin_and_by_hand_reaches_the_hall_intact(make_demo_kiosk):
    """GIVEN an unsatisfied rating WHEN the citizen writes a comment beside the reasons, in pinyin and by hand
    THEN it is shown back, reaches the embedded hall over the outbox exactly, is never in the outbox file
    unsealed, and nothing of it stays on screen once the visit ends."""
    words = "窗口人太少等了十分钟"
    app = make_demo_kiosk(idcard=False, printer=False)
    screen = rate_case(app, "YT2026SC000123")
    tap(screen.level_button("very_dissatisfied"))
    tap(screen.ids.skip_indicators)
    tap(screen.reason_chip("long_wait"))
    assert screen.ids.comment_button.opacity == 1 and screen.ids.comment_written.text == ""
    tap(screen.ids.comment_button)
    assert screen.step == "comment"
    writer = screen.ids.commenter
    assert writer.ids.count.text == "0 / 300 字"         # the hall's own limit

    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "chuangkou", "窗口")
    tap(writer.ids.handwriting_button)
    write_by_hand(writer, "人")
    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "taishao", "太少")
    type_pinyin(writer, "dengle", "等了")
    tap(writer.ids.handwriting_button)
    write_by_hand(writer, "十")
    tap(writer.ids.pinyin_button)
    type_pinyin(writer, "fenzhong", "分钟")
    assert writer.text == words
    tap(screen.ids.comment_done)
    assert screen.step == "reasons" and screen.ids.comment_written.text == f"您的意见：{words}"
    assert writer.text == "" and screen.reason_chip("long_wait").chosen
    tap(screen.ids.reasons_next)
    tap(screen.ids.phone_skip)
    wait_for(lambda: screen.step == "thanks", lambda: f"thanks, step {screen.step}")

    wait_for(lambda: embedded_hall_rows(app, "SELECT 1 FROM reviews"), "review delivered by the outbox sender")
    assert embedded_hall_rows(app, "SELECT level, reasons, comment FROM reviews") == [
        ("very_dissatisfied", '["long_wait"]', words)]
    assert words.encode() not in (app.settings.data_dir / "outbox.sqlite3").read_bytes()
    tap(screen.ids.thanks_done)
    assert app.current_screen == "attract"
    assert "人太少" not in "\n".join(all_texts(app.root))


def test_a_ticket_just_taken_is_rated_after_the_service_not_now(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    ticket = app.hall.client.issue_ticket("social")    # as the 取号 journey has just done
    app.visit.start()
    frames()
    app.visit.finish_journey(ticket_id=ticket.ticket_id)     # its "done" hands over to 好差评
    frames()
    screen = app.screen_manager.get_screen("review")
    assert app.current_screen == "review"
    wait_for(lambda: screen.step == "not_served", lambda: f"not served, step {screen.step}")
    assert "二维码" in screen.ids.problem.text and ticket.number in screen.ids.problem_subject.text
    tap(screen.ids.problem_done)
    assert app.current_screen == "attract" and ticket.number not in "\n".join(all_texts(app.root))


def test_from_the_home_tile_in_english_and_elder_mode_the_card_finds_cases_to_rate(make_demo_kiosk):
    app = make_demo_kiosk(printer=False)
    app.visit.start()
    app.visit.toggle_language()
    app.visit.toggle_elder_mode()
    frames()
    tap(app.screen_manager.get_screen("home").tile("review"))
    screen = app.screen_manager.get_screen("review")
    assert screen.step == "waiting_card"
    assert screen.ids.place_prompt.text == "Place your ID card on the reader to rate a matter you had handled"
    tap(screen.ids.demo_card_button)                   # the first demo card: a citizen with two cases
    wait_for(lambda: screen.step == "choose_case", lambda: f"cases shown, step {screen.step}")
    assert screen.ids.greeting.text == "Hello, 张**"
    tap(screen.case_button("YT2026JJ000045"))
    assert screen.step == "rate" and screen.level_button("very_satisfied").ids.name.text == "Very satisfied"
    tap(screen.level_button("very_satisfied"))
    tap(screen.ids.skip_indicators)
    wait_for(lambda: screen.step == "thanks", "thanks")
    assert screen.ids.thanks.text.startswith("Thank you for your rating!")
    assert "call" not in screen.ids.thanks.text        # satisfied: no call-back promised

    tap(screen.ids.thanks_done)
    citizen = demo_citizen("resident")
    everything = "\n".join(all_texts(app.root))
    for secret in ("张**", citizen.name, citizen.id_number, "YT2026JJ000045"):
        assert secret not in everything
    assert app.language == "zh" and not app.elder_mode   # the next citizen starts afresh


def test_with_the_hall_gone_a_rating_is_kept_and_the_case_list_says_so(make_demo_kiosk):
    app = make_demo_kiosk(printer=False)
    app.hall.embedded.stop()                           # the backend goes away
    screen = rate_case(app, "YT2026MZ000078")
    tap(screen.level_button("basically_satisfied"))
    tap(screen.ids.skip_indicators)
    wait_for(lambda: screen.step == "thanks", "thanks")
    assert "恢复后自动提交" in screen.ids.thanks.text
    assert app.hall.outbox.stats().pending == 1        # kept on disk until the hall is back

    app.visit.go_home()
    frames()
    tap(app.screen_manager.get_screen("home").tile("review"))
    app.devices.place_next_demo_card()
    wait_for(lambda: screen.step == "unavailable", lambda: f"unavailable, step {screen.step}")
    assert "暂时无法查询" in screen.ids.problem.text


def test_cases_already_rated_are_not_listed_and_a_citizen_with_none_left_is_told(make_demo_kiosk):
    app = make_demo_kiosk(printer=False)
    resident, elder = demo_citizen("resident").id_number, demo_citizen("elder").id_number
    app.hall.client.submit_review("satisfied", case_number="YT2026SC000123", id_number=resident)   # on a phone
    app.hall.client.submit_review("satisfied", case_number="YT2026MZ000078", id_number=elder)
    app.visit.start()
    frames()
    home = app.screen_manager.get_screen("home")
    screen = app.screen_manager.get_screen("review")
    tap(home.tile("review"))
    tap(screen.ids.demo_card_button)                   # the resident: two cases, one of them rated
    wait_for(lambda: screen.step == "choose_case", lambda: f"cases shown, step {screen.step}")
    assert [button.case_number for button in screen.ids.cases.children] == ["YT2026JJ000045"]

    app.visit.go_home()
    frames()
    tap(home.tile("review"))
    tap(screen.ids.demo_card_button)                   # the elder: her only case is rated
    wait_for(lambda: screen.step == "nothing_to_rate", lambda: f"nothing to rate, step {screen.step}")
    assert screen.ids.problem.text == "您的办件都已评价过，感谢您的参与。"
    assert screen.ids.cases.children == []
