"""Maintenance mode from the touchscreen: the hidden gesture, the PIN and its lockout, the diagnostics,
the device tests, the outbox, 暂停服务, export, on-site settings, and leaving (by hand or by timeout).
Real simulated devices over pseudo-terminals and the embedded reference hall over loopback HTTP."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest
from kivy.tests.common import UnitTestTouch

from domain.demo_citizens import demo_citizen
from drivers.printer import PrinterState
from kiosk.config import PROFILE_DIR, Secrets, load_settings
from kiosk.hall.connection import connect_hall
from kiosk.maintenance.access import hash_pin
from tests.screens.conftest import all_texts, frames, tap, wait_for

PIN = "482916"
PIN_HASH = hash_pin(PIN, log2_n=10)   # cheap cost for the suite; the stored form carries its cost


def technician_settings(tmp_path):
    profile = tmp_path / "demo.toml"
    shutil.copy(PROFILE_DIR / "demo.toml", profile)   # on-site edits write the profile back: a copy
    settings = load_settings(profile).model_copy(update={"data_dir": tmp_path / "data"})
    secrets = Secrets(kiosk_secret="test-secret-0123456789abcdef", outbox_key="test-outbox-key-0123456789",
                      maintenance_pin_hash=PIN_HASH)
    return settings, secrets


@pytest.fixture
def bare(make_app, tmp_path):
    """The kiosk without devices or hall: enough for entry, lockout, timeout, pause and settings."""
    settings, secrets = technician_settings(tmp_path)
    return make_app(settings=settings, secrets=secrets)


@pytest.fixture
def kiosk(make_app, tmp_path):
    """The kiosk with its simulated devices and the embedded hall, for the device and outbox actions."""
    settings, secrets = technician_settings(tmp_path)
    app = make_app(settings=settings, secrets=secrets, hall_connector=connect_hall)
    app.devices.start()
    app.runtime.devices_started()
    wait_for(lambda: app.hall_state == "online" and app.hall is not None, "hall online")
    wait_for(lambda: app.printer_state == "ready" and app.reader_state == "connected", "devices ready")
    return app


def corner_taps(app, count: int, *, seconds_apart: float = 0.2, fake_clock=None) -> None:
    from kivy.core.window import Window

    for _ in range(count):
        touch = UnitTestTouch(5, Window.height - 5)
        touch.touch_down()
        touch.touch_up()
        if fake_clock is not None:
            fake_clock.advance(seconds_apart)
    frames(2)


def type_pin(app, pin: str) -> None:
    pad = app.pin_pad
    for digit in pin:
        pad.press(digit)
    tap(pad.ids.ok_button)


def audit_actions(app) -> list[str]:
    return [record.action for record in app.desk.audit_log.recent()]


def enter(app, fake_clock) -> None:
    corner_taps(app, 5, fake_clock=fake_clock)
    type_pin(app, PIN)
    wait_for(lambda: app.current_screen == "maintenance", "maintenance page")


def test_five_quick_taps_in_the_corner_open_the_pin_pad_slow_ones_do_not(bare, fake_clock):
    corner_taps(bare, 5, seconds_apart=1.0, fake_clock=fake_clock)
    assert bare.pin_pad is None or not bare.pin_pad.is_open
    corner_taps(bare, 5, fake_clock=fake_clock)
    assert bare.pin_pad.is_open


def test_the_right_pin_opens_the_maintenance_page_and_is_audited(bare, fake_clock):
    enter(bare, fake_clock)
    assert not bare.pin_pad.is_open and bare.maintenance_active
    wait_for(lambda: "entry" in audit_actions(bare), "entry audited")
    assert PIN not in bare.desk.audit_log.path.read_text(encoding="utf-8")


def test_wrong_pins_say_how_many_are_left_then_lock_entry(bare, fake_clock):
    corner_taps(bare, 5, fake_clock=fake_clock)
    for left in (4, 3, 2, 1):
        type_pin(bare, "111112")
        wait_for(lambda: not bare.pin_pad.busy, "PIN checked")
        assert bare.pin_pad.message == f"密码错误，还可尝试{left}次"
    type_pin(bare, "111112")
    wait_for(lambda: not bare.pin_pad.busy, "PIN checked")
    assert bare.pin_pad.message == "错误次数过多，请60秒后再试"
    type_pin(bare, PIN)   # the right PIN waits out the lock too
    wait_for(lambda: not bare.pin_pad.busy, "PIN checked")
    assert bare.current_screen != "maintenance"
    wait_for(lambda: audit_actions(bare).count("entry_locked") == 2, "lockout audited")
    assert audit_actions(bare).count("pin_failed") == 4
    fake_clock.advance(60)
    type_pin(bare, PIN)
    wait_for(lambda: bare.current_screen == "maintenance", "maintenance page after the lock")


def test_the_diagnostics_page_shows_a_fault_for_a_printer_out_of_paper(kiosk, fake_clock):
    kiosk.devices.demo_printer.set_state(PrinterState.PAPER_OUT)
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    wait_for(lambda: any("[FAULT  ] printer    paper_out" in text for text in all_texts(screen.ids.lines)),
             lambda: all_texts(screen.ids.lines))
    texts = "\n".join(all_texts(screen.ids.lines))
    assert "[OK     ] reader     connected" in texts and "[OK     ] hall       reachable" in texts


def test_the_test_page_prints_on_the_printer(kiosk, fake_clock):
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    printer = kiosk.devices.demo_printer
    printer.clear()
    tap(screen.ids.test_page_button)
    wait_for(lambda: screen.status_text == "测试页已打印", lambda: screen.status_text)
    assert printer.wait_for_cuts(1, timeout=10)
    wait_for(lambda: "test_page" in audit_actions(kiosk), "test page audited")


def test_the_reader_test_shows_the_card_masked_and_keeps_nothing(kiosk, fake_clock):
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    tap(screen.ids.reader_test_button)
    assert screen.status_text == "请放置身份证……"
    citizen = demo_citizen("resident")
    kiosk.devices.demo_reader.place_card(citizen)
    wait_for(lambda: screen.status_text.startswith("读卡成功"), lambda: screen.status_text)
    assert citizen.id_number[:4] + "**********" + citizen.id_number[-4:] in screen.status_text
    wait_for(lambda: "reader_test" in audit_actions(kiosk), "reader test audited")
    everything = "\n".join(all_texts(kiosk.root)) + kiosk.desk.audit_log.path.read_text(encoding="utf-8")
    assert citizen.id_number not in everything and citizen.name not in everything


def test_pause_shows_citizens_the_notice_and_resume_brings_the_kiosk_back(bare, fake_clock):
    enter(bare, fake_clock)
    screen = bare.screen_manager.get_screen("maintenance")
    screen.ids.notice_input.text = "更换打印纸，约10分钟"
    tap(screen.ids.suspend_button)
    assert bare.suspended and screen.ids.suspend_button.text == "恢复服务"
    tap(screen.ids.leave_button)
    assert bare.current_screen == "out_of_service"
    assert bare.screen_manager.get_screen("out_of_service").ids.notice.text == "更换打印纸，约10分钟"
    enter(bare, fake_clock)
    tap(screen.ids.suspend_button)
    tap(screen.ids.leave_button)
    assert bare.current_screen == "attract" and not bare.suspended
    wait_for(lambda: {"suspend", "resume", "exit"} <= set(audit_actions(bare)), "pause audited")


def test_maintenance_ends_by_itself_after_its_own_timeout(bare, fake_clock):
    enter(bare, fake_clock)
    fake_clock.advance(bare.settings.maintenance.timeout_s - 1)
    bare.check_idle()
    assert bare.current_screen == "maintenance"
    fake_clock.advance(1)
    bare.check_idle()
    assert bare.current_screen == "attract" and not bare.maintenance_active
    wait_for(lambda: any(r.action == "exit" and "timeout" in r.detail for r in bare.desk.audit_log.recent()),
             "timeout audited")


def test_a_refused_outbox_item_can_be_retried_from_the_page(kiosk, fake_clock):
    outbox = kiosk.hall.outbox
    kiosk.hall.sender.stop()   # keep the item still while the page looks at it
    item = outbox.enqueue_complaint({"kind": "suggestion", "content": "多一些座位"})
    outbox.park_dead(item, "HTTP 422 invalid_request")
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    wait_for(lambda: len(screen.ids.dead_items.children) == 1 and hasattr(screen.ids.dead_items.children[0], "item_id"),
             "dead item row")
    row = screen.ids.dead_items.children[0]
    assert row.item_id == item and "HTTP 422" in row.description
    tap(row.ids.retry)
    wait_for(lambda: outbox.stats().dead == 0, "requeued")
    wait_for(lambda: "outbox_retry" in audit_actions(kiosk), "retry audited")


def test_a_refused_outbox_item_is_discarded_only_with_a_reason_and_audited(kiosk, fake_clock):
    outbox = kiosk.hall.outbox
    kiosk.hall.sender.stop()
    item = outbox.enqueue_complaint({"kind": "suggestion", "content": "多一些座位"})
    outbox.park_dead(item, "HTTP 422 invalid_request")
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    wait_for(lambda: len(screen.ids.dead_items.children) == 1 and hasattr(screen.ids.dead_items.children[0], "item_id"),
             "dead item row")
    row = screen.ids.dead_items.children[0]
    tap(row.ids.discard)
    assert row.choosing_reason and outbox.stats().dead == 1  # nothing is gone before a reason is chosen
    tap(row.ids.discard_settled)
    wait_for(lambda: outbox.stats().dead == 0, "discarded")
    assert item not in [queued.id for queued in outbox.pending("feedback", 10)]  # discarded, not requeued
    wait_for(lambda: any(r.action == "outbox_discard" and "已人工处理" in r.detail for r in kiosk.desk.audit_log.recent()),
             "discard audited with its reason")


def test_the_bundle_export_holds_diagnostics_and_audit_and_no_secrets(kiosk, fake_clock):
    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    tap(screen.ids.export_button)
    wait_for(lambda: screen.status_text.startswith("已导出"), lambda: screen.status_text)
    [bundle] = (kiosk.settings.data_dir / "exports").glob("*.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        content = b"".join(archive.read(name) for name in names).decode("utf-8")
        profile = json.loads(archive.read("profile.json"))
    assert {"diagnostics.txt", "profile.json", "audit.log"} <= names
    assert profile["hall"]["kiosk_id"] == kiosk.settings.hall.kiosk_id
    for secret in ("test-secret-0123456789abcdef", "test-outbox-key-0123456789", PIN_HASH):
        assert secret not in content


def test_a_setting_is_validated_like_the_file_then_saved_and_applied(bare, fake_clock):
    enter(bare, fake_clock)
    screen = bare.screen_manager.get_screen("maintenance")
    [button] = [row for row in screen.ids.settings.children if row.key == "ui.idle_timeout_s"]
    screen.ids.scroll.scroll_to(screen.ids.save_button, animate=False)
    frames(2)
    tap(button.children[0])
    assert screen.ids.value_input.text == "60"
    screen.ids.value_input.text = "5"
    tap(screen.ids.save_button)
    wait_for(lambda: "expected" in screen.status_text, lambda: screen.status_text)
    assert screen.status_text == f"{bare.settings.source}: ui.idle_timeout_s: expected at least 10, got 5"
    assert bare.settings.ui.idle_timeout_s == 60
    screen.ids.value_input.text = "90"
    tap(screen.ids.save_button)
    wait_for(lambda: screen.status_text == "已保存：ui.idle_timeout_s", lambda: screen.status_text)
    assert bare.settings.ui.idle_timeout_s == 90 and bare.visit.idle_watch.idle_timeout_s == 90
    assert load_settings(bare.settings.source).ui.idle_timeout_s == 90
    wait_for(lambda: any(r.action == "setting" and "60 -> 90" in r.detail for r in bare.desk.audit_log.recent()),
             "edit audited")
    texts = "\n".join(all_texts(screen))
    assert "test-secret" not in texts and "secrets" not in texts


def test_a_settings_field_brings_up_an_on_screen_keyboard(kiosk, fake_clock):
    from kivy.core.window import Window
    from kivy.uix.vkeyboard import VKeyboard

    enter(kiosk, fake_clock)
    screen = kiosk.screen_manager.get_screen("maintenance")
    screen.ids.value_input.focus = True
    frames()
    try:
        assert any(isinstance(child, VKeyboard) for child in Window.children)  # a kiosk has no keyboard
    finally:
        screen.ids.value_input.focus = False
        frames()
