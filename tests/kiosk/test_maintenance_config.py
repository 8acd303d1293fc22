"""On-site configuration edits: the same validation and messages as the files, written back, whitelisted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.config import PROFILE_DIR, ConfigError, edit_setting, load_settings, setting_value


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    copy = tmp_path / "demo.toml"
    shutil.copy(PROFILE_DIR / "demo.toml", copy)
    return copy


def test_a_valid_edit_is_written_back_with_the_comments_and_read_again_the_same(profile: Path) -> None:
    settings = load_settings(profile)
    edited = edit_setting(settings, "ui.idle_timeout_s", "90")
    assert edited.ui.idle_timeout_s == 90
    assert load_settings(profile).ui.idle_timeout_s == 90
    assert profile.read_text(encoding="utf-8").startswith("# Demo profile")
    lines = edit_setting(edited, "devices.printer.footer_lines", '["请保管好凭条"]')
    assert setting_value(load_settings(profile), "devices.printer.footer_lines") == ["请保管好凭条"]
    assert lines.devices.printer.header_lines == settings.devices.printer.header_lines


def test_a_key_the_profile_does_not_have_yet_is_added_in_its_table(profile: Path) -> None:
    edited = edit_setting(load_settings(profile), "health.without_printer", '"number_on_screen"')
    assert edited.health.without_printer == "number_on_screen"
    assert load_settings(profile).health.without_printer == "number_on_screen"


@pytest.mark.parametrize("key, text, message", [
    ("ui.idle_timeout_s", "5", "ui.idle_timeout_s: expected at least 10, got 5"),
    ("ui.idle_timeout_s", '"90"', "ui.idle_timeout_s: expected a whole number, got '90'"),
    ("ui.default_language", '"fr"', "ui.default_language: expected 'zh' or 'en', got 'fr'"),
    ("ui.elder_idle_timeout_s", "30", "elder mode never hurries anyone"),
    ("services", '["ticket", "ticket"]', "services lists 'ticket' twice"),
])
def test_a_wrong_value_gets_the_message_the_file_would_get_and_nothing_changes(profile: Path, key: str, text: str,
                                                                               message: str) -> None:
    before = profile.read_bytes()
    with pytest.raises(ConfigError) as edit_error:
        edit_setting(load_settings(profile), key, text)
    assert message in str(edit_error.value)
    assert profile.read_bytes() == before
    # The same value written into the file by hand is refused with the same line.
    *tables, name = key.split(".")
    section = f"[{'.'.join(tables)}]\n" if tables else ""
    hand_edited = profile.with_name("hand.toml")
    text_without_key = "\n".join(line for line in before.decode().splitlines()
                                 if not line.startswith(f"{name} ="))
    if section and section.strip() in text_without_key:
        text_without_key = text_without_key.replace(section.strip(), f"{section}{name} = {text}", 1)
    else:
        text_without_key = f"{name} = {text}\n" + text_without_key
    hand_edited.write_text(text_without_key, encoding="utf-8")
    with pytest.raises(ConfigError) as file_error:
        load_settings(hand_edited)
    assert str(file_error.value).replace(str(hand_edited), "") == str(edit_error.value).replace(str(profile), "")


@pytest.mark.parametrize("key", ["hall.base_url", "secrets_file", "devices.printer.url", "data_dir"])
def test_settings_outside_the_whitelist_cannot_be_edited_on_site(profile: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="may not be edited on site"):
        edit_setting(load_settings(profile), key, '"x"')


def test_text_that_is_no_toml_value_is_explained(profile: Path) -> None:
    with pytest.raises(ConfigError, match="texts in quotes"):
        edit_setting(load_settings(profile), "ui.default_language", "en")


def test_a_profile_can_narrow_what_may_be_edited_but_not_widen_it(tmp_path: Path) -> None:
    profile = tmp_path / "site.toml"
    base = 'profile = "hall"\nservices = ["ticket"]\n[site]\nname = "测试"\nname_en = "Test"\n[maintenance]\n'
    profile.write_text(base + 'editable = ["speech.volume"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="may not be edited on site"):
        edit_setting(load_settings(profile), "ui.idle_timeout_s", "90")
    profile.write_text(base + 'editable = ["hall.base_url"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="maintenance: editable: 'hall.base_url' may not be edited on site"):
        load_settings(profile)
