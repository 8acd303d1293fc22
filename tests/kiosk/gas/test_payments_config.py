"""The [payments] section: what the shipped profiles say, and one exact line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import PROFILE_DIR, ConfigError, load_settings

MINIMAL = """
profile = "gas-terminal"
services = ["gas"]
[site]
name = "燃气自助缴费终端"
name_en = "Gas terminal"
"""


def test_the_demo_embeds_the_gateway_and_simulates_the_devices():
    payments = load_settings(PROFILE_DIR / "demo.toml").payments
    assert payments.methods == ("wechat", "bankcard")
    assert (payments.wechat.gateway, payments.bankcard.backend, payments.scanner.backend) == (
        "embedded", "simulator", "simulator")


def test_the_gas_terminal_pays_through_wechat_and_a_unionpay_module():
    payments = load_settings(PROFILE_DIR / "gas-terminal.toml").payments
    assert payments.wechat.gateway == "remote" and payments.wechat.base_url == "https://api.mch.weixin.qq.com"
    assert payments.wechat.platform_public_key_id.startswith("PUB_KEY_ID_")
    assert (payments.bankcard.backend, payments.scanner.backend) == ("vendor", "evdev")


def test_defaults_when_a_profile_says_nothing(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    payments = load_settings(path).payments
    assert payments.wechat.scan_timeout_s == 60 and payments.bankcard.timeout_s == 10.0
    assert payments.bankcard.card_wait_s == payments.bankcard.pin_wait_s == 60


BROKEN = [
    ('[payments]\nmethods = ["cash"]\n',
     "payments.methods.0: expected 'wechat' or 'bankcard', got 'cash' (and 1 more problem(s))"),
    ('[payments]\nmethods = ["wechat", "wechat"]\n', "payments: methods lists a method twice"),
    ('[payments]\nmethods = []\n', "payments.methods: expected at least 1 item(s), got []"),
    ('[payments.wechat]\ngateway = "remote"\nmchid = "1900000109"\n',
     'payments.wechat: gateway = "remote" needs appid, merchant_serial_no, merchant_key_file, '
     'platform_public_key_id, platform_public_key_file'),
    ('[payments.wechat]\nmch_id = "1900000109"\n',
     "payments.wechat.mch_id: unknown key (check the spelling against the configuration reference)"),
    ('[payments.wechat]\nscan_timeout_s = 5\n', "payments.wechat.scan_timeout_s: expected at least 10, got 5"),
    ('[payments.bankcard]\nbackend = "vendor"\n',
     'payments.bankcard: backend = "vendor" needs library_path (the terminal module\'s .so or .dll)'),
    ('[payments.bankcard]\ntimeout_s = "10"\n', "payments.bankcard.timeout_s: expected a number, got '10'"),
    ('[payments.scanner]\nbackend = "evdev"\n',
     'payments.scanner: backend = "evdev" needs device (the scanner\'s input device or port)'),
    ('[payments.scanner]\nbackend = "keyboard"\n',
     "payments.scanner.backend: expected 'evdev', 'serial' or 'simulator', got 'keyboard'"),
]


@pytest.mark.parametrize("addition, message", BROKEN, ids=[f"{i}-{message.split(':')[0]}"
                                                           for i, (_, message) in enumerate(BROKEN)])
def test_a_mistake_is_one_line_naming_the_file_and_the_key(tmp_path: Path, addition: str, message: str):
    path = tmp_path / "site.toml"
    path.write_text(MINIMAL + addition, encoding="utf-8")
    with pytest.raises(ConfigError) as broken:
        load_settings(path)
    assert str(broken.value) == f"{path}: {message}"
