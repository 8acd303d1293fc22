"""The gas utility's settings and connection: embedded in the demo (a real server on loopback, with the demo
card's household), remote on the gas terminal with its own URL and key, and one-line errors otherwise."""

from __future__ import annotations

import os

import pytest

from kiosk.config import PROFILE_DIR, ConfigError, Secrets, load_secrets, load_settings
from kiosk.gas.utility import GasUtilityUnavailable
from kiosk.gas.utility_connection import connect_gas_utility

SECRETS = Secrets(kiosk_secret="test-secret-0123456789abcdef", outbox_key="test-outbox-key-0123456789")


def test_the_demo_starts_the_embedded_utility_and_its_client_finds_the_demo_card(tmp_path):
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    assert settings.gas_utility.mode == "embedded"
    connection = connect_gas_utility(settings, SECRETS)         # no gas key in these secrets: one is made up
    try:
        assert connection.client.base_url == connection.embedded.base_url
        assert connection.client.account("3101002468", 3).can_buy
        assert connection.client.terminal_id == "demo-gas-terminal-01"
        assert (tmp_path / "embedded-gas-utility.sqlite3").exists()
    finally:
        connection.close()
    with pytest.raises(GasUtilityUnavailable):
        connection.client.utility_info()


def test_the_gas_terminal_talks_to_the_gas_companys_own_url_with_its_own_key(tmp_path):
    settings = load_settings(PROFILE_DIR / "gas-terminal.toml")
    utility = settings.gas_utility
    assert (utility.mode, utility.base_url, utility.terminal_id) == (
        "remote", "https://gas.example.cn/terminal-api", "yt-gas-terminal-01")
    assert utility.base_url != settings.hall.base_url
    secrets = SECRETS.model_copy(update={"gas_utility_secret": "gas-key-0123456789abcdef"})
    connection = connect_gas_utility(settings.model_copy(update={"data_dir": tmp_path}), secrets)
    try:
        assert connection.embedded is None and connection.client.base_url == "https://gas.example.cn/terminal-api"
    finally:
        connection.close()


def _profile(tmp_path, gas_section: str, secrets_line: str = 'secrets_file = "secrets.toml"\n'):
    path = tmp_path / "site.toml"
    path.write_text(secrets_line + 'profile = "gas-terminal"\nservices = ["gas"]\n[site]\nname = "燃气"\n'
                    'name_en = "Gas"\n' + gas_section, encoding="utf-8")
    return path


@pytest.mark.parametrize("section, message", [
    ('[gas_utility]\nmode = "remote"\n',
     'gas_utility: mode = "remote" needs base_url starting with http:// or https://'),
    ('[gas_utility]\nmode = "remote"\nbase_url = "gas.example.cn"\n',
     'gas_utility: mode = "remote" needs base_url starting with http:// or https://'),
    ('[gas_utility]\nmode = "cloud"\n', "gas_utility.mode: expected 'embedded' or 'remote', got 'cloud'"),
    ('[gas_utility]\nretries = 9\n', "gas_utility.retries: expected at most 5, got 9"),
    ('[gas_utility]\nread_timeout_s = "10"\n', "gas_utility.read_timeout_s: expected a number, got '10'"),
    ('[gas_utility]\nterminal = "x"\n', "gas_utility.terminal: unknown key"),
])
def test_a_broken_gas_utility_section_gives_one_line_naming_file_and_key(tmp_path, section, message):
    path = _profile(tmp_path, section)
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(error.value).startswith(f"{path}: {message}")
    assert "\n" not in str(error.value)


def test_a_remote_gas_utility_needs_a_secrets_file(tmp_path):
    path = _profile(tmp_path, '[gas_utility]\nmode = "remote"\nbase_url = "https://gas.example.cn/api"\n',
                    secrets_line="")
    with pytest.raises(ConfigError, match=r"gas_utility.mode = \"remote\" needs secrets_file"):
        load_settings(path)


def test_a_remote_gas_utility_needs_its_key_in_the_secrets_file_and_the_key_is_never_echoed(tmp_path):
    path = _profile(tmp_path, '[gas_utility]\nmode = "remote"\nbase_url = "https://gas.example.cn/api"\n')
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('kiosk_secret = "kiosk-secret-0123456789"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)
    settings = load_settings(path)
    with pytest.raises(ConfigError) as missing:
        load_secrets(settings)
    assert str(missing.value) == f'{secrets}: gas_utility_secret: required when gas_utility.mode = "remote"'
    secrets.write_text('kiosk_secret = "kiosk-secret-0123456789"\ngas_utility_secret = "leaky"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as short:
        load_secrets(settings)
    assert str(short.value).startswith(f"{secrets}: gas_utility_secret: ") and "leaky" not in str(short.value)
    secrets.write_text('kiosk_secret = "kiosk-secret-0123456789"\ngas_utility_secret = "gas-key-0123456789ab"\n',
                       encoding="utf-8")
    assert load_secrets(settings).gas_utility_secret == "gas-key-0123456789ab"
    assert "gas-key" not in repr(load_secrets(settings))


def test_the_embedded_demo_gets_a_fresh_gas_key_per_start():
    settings = load_settings(PROFILE_DIR / "demo.toml")
    first, second = load_secrets(settings), load_secrets(settings)
    assert first.gas_utility_secret and first.gas_utility_secret != second.gas_utility_secret
