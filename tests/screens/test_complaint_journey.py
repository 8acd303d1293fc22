"""投诉建议 end to end on the real widgets: the form from the home tile, its matters from the embedded hall's
guides, the app's own outbox and sender delivering it; the reference number on screen; nothing personal
left behind."""


from tests.screens.conftest import all_texts, embedded_hall_rows, frames, tap, wait_for

PHONE = "13900000002"


def open_form(app):
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("complaint"))
    screen = app.screen_manager.get_screen("complaint")
    assert screen.step == "kind"
    return screen


def test_a_complaint_about_a_matter_with_a_phone_reaches_the_hall_and_its_reference_is_shown(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    screen = open_form(app)
    tap(screen.ids.kind_complaint)
    wait_for(lambda: screen.step == "matter", lambda: f"matters shown, step {screen.step}")
    tap(screen.matter_chip("JJ001"))
    assert screen.step == "phrases" and screen.ids.about_matter.text == "事项：换领机动车驾驶证"
    tap(screen.ids.phrases_next)
    assert screen.ids.phrases_problem.text == "请至少选择一句。"
    tap(screen.phrase_chip("repeated_visits"))
    assert screen.phrase_chip("repeated_visits").text == "✓ 材料要求反复变化，多次跑动"
    tap(screen.ids.phrases_next)
    assert screen.step == "phone"
    tap(screen.ids.phone_pad.key("1"))
    for digit in PHONE[1:]:
        screen.ids.phone_pad.press(digit)
    tap(screen.ids.phone_submit)
    wait_for(lambda: screen.step == "done", lambda: f"done, step {screen.step}")

    reference = screen.ids.reference.text
    assert reference == screen.view.reference and len(reference) == 19
    assert "139****0002" in screen.ids.done_text.text
    assert PHONE not in "\n".join(all_texts(app.root))
    wait_for(lambda: embedded_hall_rows(app, "SELECT 1 FROM complaints"), "complaint delivered by the outbox sender")
    assert embedded_hall_rows(app, "SELECT kind, content, matter_code, contact_phone FROM complaints") == [
        ("complaint", "关于“换领机动车驾驶证”：材料要求反复变化，多次跑动。", "JJ001", PHONE)]

    tap(screen.ids.done_button)
    assert app.current_screen == "attract" and not app.session.holds_personal_data()
    everything = "\n".join(all_texts(app.root))
    assert PHONE not in everything and "139****0002" not in everything and reference not in everything


def test_in_english_and_elder_mode_a_suggestion_needs_no_matter_and_no_phone(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    app.visit.start()
    app.visit.toggle_language()
    app.visit.toggle_elder_mode()
    screen = open_form(app)
    assert screen.ids.kind_suggestion.text.startswith("Make a suggestion")
    tap(screen.ids.kind_suggestion)
    wait_for(lambda: screen.step == "matter", "matters shown")
    tap(screen.ids.matter_skip)
    tap(screen.phrase_chip("elder_help"))
    assert screen.phrase_chip("elder_help").text == "✓ More help for older people"
    tap(screen.ids.phrases_next)
    tap(screen.ids.phone_skip)
    wait_for(lambda: screen.step == "done", "done")
    assert screen.ids.done_title.text == "Received, thank you!"
    wait_for(lambda: embedded_hall_rows(app, "SELECT 1 FROM complaints"), "suggestion delivered")
    # The screen spoke English; the hall's staff read the same choice in Chinese.
    assert embedded_hall_rows(app, "SELECT kind, content, matter_code, contact_phone FROM complaints") == [
        ("suggestion", "为老年人提供更多帮助。", None, None)]


def test_with_the_hall_gone_it_is_kept_and_the_reference_still_shown(make_demo_kiosk):
    app = make_demo_kiosk(idcard=False, printer=False)
    app.hall.embedded.stop()
    screen = open_form(app)
    tap(screen.ids.kind_complaint)
    wait_for(lambda: screen.step in ("matter", "phrases"), "the form goes on")
    if screen.step == "matter":                        # guides saved earlier may still list the matters
        tap(screen.ids.matter_skip)
    tap(screen.phrase_chip("device_failure"))
    tap(screen.ids.phrases_next)
    tap(screen.ids.phone_skip)
    wait_for(lambda: screen.step == "done", "done")
    assert screen.ids.reference.text and "恢复后自动提交" in screen.ids.done_text.text
    assert app.hall.outbox.stats().pending == 1


def test_a_citizen_who_walks_away_mid_form_leaves_nothing_behind(make_app, fake_clock):
    app = make_app()                                   # no hall needed: the form is wiped before it is sent
    screen = open_form(app)
    tap(screen.ids.kind_complaint)
    assert screen.step == "phrases"                    # no guides at hand: straight to the words
    tap(screen.phrase_chip("fees"))
    tap(screen.ids.phrases_next)
    for digit in PHONE:
        screen.ids.phone_pad.press(digit)
    assert screen.ids.phone_pad.text == PHONE

    ui = app.settings.ui
    fake_clock.advance(ui.idle_timeout_s + ui.countdown_s + 1)
    app.check_idle()
    frames()
    assert app.current_screen == "attract" and not app.session.active
    assert screen.ids.phone_pad.text == "" and screen.step == "kind" and screen.journey is None
    assert PHONE not in "\n".join(all_texts(app.root))
