"""Profiles load into typed settings; a broken file gives one exact line naming file, key and problem."""

import os
from pathlib import Path

import pytest

from kiosk.config import (
    DEFAULT_PROFILE, PROFILE_DIR, ConfigError, load_secrets, load_settings, resolve_config_path,
)

MINIMAL = """
profile = "bank"
services = ["guide"]
[site]
name = "测试网点"
name_en = "Test branch"
"""


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("profile", ["demo", "hall", "bank", "post-office", "gas-terminal"])
def test_every_shipped_profile_loads(profile):
    settings = load_settings(PROFILE_DIR / f"{profile}.toml")
    assert settings.profile == profile
    assert settings.services
    assert settings.data_dir.is_absolute()


def test_gas_terminal_offers_gas_and_the_hall_does_not():
    assert "gas" in load_settings(PROFILE_DIR / "gas-terminal.toml").services
    assert "gas" not in load_settings(PROFILE_DIR / "hall.toml").services


def test_the_gas_card_reader_is_simulated_in_the_demo_and_pcsc_on_the_gas_terminal():
    from drivers.gascard import LAYOUTS
    from kiosk.config import GAS_CARD_LAYOUTS

    demo = load_settings(PROFILE_DIR / "demo.toml").devices.gascard
    terminal = load_settings(PROFILE_DIR / "gas-terminal.toml").devices.gascard
    assert (demo.enabled, demo.backend) == (True, "simulator")
    assert (terminal.enabled, terminal.backend, terminal.layout) == (True, "pcsc", "auto")
    assert set(GAS_CARD_LAYOUTS) == set(LAYOUTS)


def test_defaults_fill_what_a_minimal_profile_leaves_out(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))
    assert settings.ui.idle_timeout_s == 60
    assert settings.devices.printer.paper_width == 80
    assert settings.hall.mode == "embedded"


def test_settings_are_frozen(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))
    with pytest.raises(Exception):
        settings.ui.idle_timeout_s = 5  # type: ignore[misc]


BROKEN = [
    ("[devices.printer]\npaper_width = 76\n",
     "devices.printer.paper_width: expected 58 or 80, got 76"),
    ("[devices.printer]\npaper_widht = 80\n",
     "devices.printer.paper_widht: unknown key (check the spelling against the configuration reference)"),
    ("[ui]\nidle_timeout_s = \"30\"\n",
     "ui.idle_timeout_s: expected a whole number, got '30'"),
    ("[ui]\nidle_timeout_s = 5\n",
     "ui.idle_timeout_s: expected at least 10, got 5"),
    ("[ui]\ndefault_language = \"fr\"\n",
     "ui.default_language: expected 'zh' or 'en', got 'fr'"),
    ("[ui]\nidle_timeout_s = 90\nelder_idle_timeout_s = 60\n",
     "ui: elder_idle_timeout_s (60) must be at least idle_timeout_s (90): elder mode never hurries anyone"),
    ("[devices.idcard]\nbaud = 14400\n",
     "devices.idcard.baud: expected 9600, 19200, 38400, 57600 or 115200, got 14400"),
    ("[hall]\nmode = \"remote\"\n",
     "hall: mode = \"remote\" needs base_url starting with http:// or https://"),
    ("[devices]\nprinter = 3\n",
     "devices.printer: expected a table of keys, got 3"),
    ("[devices.gascard]\nbackend = \"usb\"\n",
     "devices.gascard.backend: expected 'pcsc', 'vendor' or 'simulator', got 'usb'"),
    ("[devices.gascard]\nlayout = \"lihan\"\n",
     "devices.gascard.layout: expected \"auto\" or one of sle4442-dual, at24c02-slots, got 'lihan'"),
    ("[devices.gascard]\nbackend = \"vendor\"\n",
     "devices.gascard: backend = \"vendor\" needs library_path (the meter maker's .so or .dll)"),
    ("[devices.gascard]\ntimeout_s = 0\n",
     "devices.gascard.timeout_s: expected more than 0.0, got 0"),
    ("[devices.gascard]\nreadr = \"ACS*\"\n",
     "devices.gascard.readr: unknown key (check the spelling against the configuration reference)"),
]


@pytest.mark.parametrize("addition, expected", BROKEN)
def test_broken_values_give_one_exact_line(tmp_path, addition, expected):
    path = write(tmp_path, MINIMAL + addition)
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(error.value) == f"{path}: {expected}"


def test_unknown_service_is_named_with_its_position(tmp_path):
    path = write(tmp_path, MINIMAL.replace('["guide"]', '["guide", "tikcet"]'))
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(error.value).startswith(f"{path}: services.1: expected 'ticket', 'appointment'")
    assert str(error.value).endswith("got 'tikcet'")


def test_missing_required_key(tmp_path):
    path = write(tmp_path, MINIMAL.replace('profile = "bank"\n', ""))
    with pytest.raises(ConfigError, match=r"site\.toml: profile: required key is missing$"):
        load_settings(path)


def test_several_problems_are_counted_not_hidden(tmp_path):
    path = write(tmp_path, MINIMAL + "[ui]\nidle_timeout_s = 5\ncountdown_s = 1\n")
    with pytest.raises(ConfigError, match=r"\(and 1 more problem\(s\)\)$"):
        load_settings(path)


def test_invalid_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, MINIMAL + "[ui\n")
    with pytest.raises(ConfigError, match=rf"^{path}: not valid TOML: .*line 7"):
        load_settings(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere\.toml: file not found$"):
        load_settings(tmp_path / "nowhere.toml")


def test_config_path_from_argument_then_environment_then_demo():
    assert resolve_config_path("a.toml", {"KIOSK_CONFIG": "b.toml"}) == Path("a.toml")
    assert resolve_config_path(None, {"KIOSK_CONFIG": "b.toml"}) == Path("b.toml")
    assert resolve_config_path(None, {}) == DEFAULT_PROFILE


def test_remote_hall_requires_a_secrets_file(tmp_path):
    path = write(tmp_path, MINIMAL + '[hall]\nmode = "remote"\nbase_url = "https://hall.test/api"\n')
    with pytest.raises(ConfigError, match=r"needs secrets_file"):
        load_settings(path)


def test_secrets_file_readable_by_others_is_warned_about_and_never_printed(tmp_path):
    secrets = write(tmp_path, 'kiosk_secret = "s3cret-s3cret-s3cret-value"\n', "secrets.toml")
    os.chmod(secrets, 0o644)
    settings = load_settings(write(tmp_path, 'secrets_file = "secrets.toml"\n' + MINIMAL))
    warnings: list[str] = []
    loaded = load_secrets(settings, warn=warnings.append)
    assert loaded.kiosk_secret == "s3cret-s3cret-s3cret-value"
    assert warnings == [f"{secrets}: secrets file is readable by other users (mode 644); run: chmod 600 {secrets}"]
    assert "s3cret" not in repr(loaded) and "s3cret" not in str(loaded)

    os.chmod(secrets, 0o600)
    warnings.clear()
    load_secrets(settings, warn=warnings.append)
    assert warnings == []


def test_a_bad_secret_is_reported_without_its_value(tmp_path):
    write(tmp_path, 'kiosk_secret = "short-leak"\n', "secrets.toml")
    settings = load_settings(write(tmp_path, 'secrets_file = "secrets.toml"\n' + MINIMAL))
    with pytest.raises(ConfigError) as error:
        load_secrets(settings)
    assert "kiosk_secret" in str(error.value)
    assert "short-leak" not in str(error.value)


def test_embedded_demo_gets_a_fresh_random_secret_per_start(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))
    assert load_secrets(settings).kiosk_secret != load_secrets(settings).kiosk_secret


def test_the_demo_gets_the_published_maintenance_pin_and_a_site_profile_none(tmp_path):
    from kiosk.maintenance.access import verify_pin

    demo = load_secrets(load_settings(PROFILE_DIR / "demo.toml"))
    assert verify_pin("246810", demo.maintenance_pin_hash)
    assert load_secrets(load_settings(write(tmp_path, MINIMAL))).maintenance_pin_hash == ""
