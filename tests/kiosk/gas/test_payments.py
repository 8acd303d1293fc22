"""The one payment interface the saga calls, built from a profile: the demo's embedded gateway and simulated
devices, a site's own gateway with key files, and a device that cannot be opened."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from domain.payment import PaymentMethod, PaymentProgress, PaymentRequest, PaymentState, PaymentStep
from drivers.bankcard.simulator import Outcome
from drivers.scanner import ScannerUnavailable
from kiosk.config import PROFILE_DIR, ConfigError, load_settings
from kiosk.gas import payments as module
from kiosk.gas.payments import Payments, PaymentMethodUnavailable, open_payments
from payment_gateway.behaviours import DEMO_CODES

PAYS_AT_ONCE = next(code for code, (label, _) in DEMO_CODES.items() if label == "pays at once")


def scanning(payments: Payments, code: str):
    def progress(event: PaymentProgress) -> None:
        if event.step is PaymentStep.SCAN_CODE:
            payments.simulated_scanner.scan(code)
    return progress


@pytest.fixture
def demo_payments(tmp_path):
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    payments = open_payments(settings)
    yield payments
    payments.close()


def test_the_demo_takes_wechat_and_bank_cards_on_simulated_devices(demo_payments, tmp_path):
    """GIVEN the demo profile WHEN payments open THEN both methods are offered, the gateway runs in-process on
    loopback with its database in data_dir, and a demo code scanned on the simulated scanner pays."""
    payments = demo_payments
    assert payments.methods == (PaymentMethod.WECHAT, PaymentMethod.BANKCARD)
    assert payments.gateway.base_url.startswith("http://127.0.0.1:")
    assert (tmp_path / "embedded-payment-gateway.sqlite3").exists()
    assert dict(payments.demo_codes())[PAYS_AT_ONCE] == "pays at once"
    wechat = payments.pay(PaymentRequest("GT20261123000001", 5000, "燃气充值", PaymentMethod.WECHAT),
                          progress=scanning(payments, PAYS_AT_ONCE))
    assert wechat.state is PaymentState.SUCCESS
    card = payments.pay(PaymentRequest("GT20261123000002", 5000, "燃气充值", PaymentMethod.BANKCARD))
    assert card.state is PaymentState.SUCCESS and card.payer.kind == "card"
    assert payments.query(PaymentMethod.WECHAT, "GT20261123000001").paid
    assert payments.reverse(PaymentMethod.BANKCARD, "GT20261123000002").state is PaymentState.REVOKED
    assert payments.refund(PaymentMethod.WECHAT, "GT20261123000001").state is PaymentState.REFUNDED
    payments.simulated_terminal.script(Outcome.PIN_CANCELLED)
    assert not payments.pay(PaymentRequest("GT20261123000003", 5000, "燃气充值", PaymentMethod.BANKCARD)).paid


def test_a_scanner_that_cannot_be_opened_leaves_wechat_out_but_recovery_works(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ScannerUnavailable("no input device /dev/input/event9")

    monkeypatch.setattr(module, "open_scanner", broken)
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    payments = open_payments(settings)
    try:
        assert payments.methods == (PaymentMethod.BANKCARD,)
        assert "no input device" in payments.problems[PaymentMethod.WECHAT]
        with pytest.raises(PaymentMethodUnavailable):
            payments.pay(PaymentRequest("GT20261123000001", 5000, "燃气充值", PaymentMethod.WECHAT))
        assert payments.query(PaymentMethod.WECHAT, "GT20261123000001") is None
    finally:
        payments.close()


def test_a_method_the_profile_does_not_offer(tmp_path):
    profile = tmp_path / "site.toml"
    profile.write_text('profile = "gas-terminal"\nservices = ["gas"]\ndata_dir = "data"\n[site]\nname = "终端"\n'
                       'name_en = "Terminal"\n[payments]\nmethods = ["bankcard"]\n', encoding="utf-8")
    payments = open_payments(load_settings(profile))
    try:
        assert payments.gateway is None and payments.scanner is None
        with pytest.raises(PaymentMethodUnavailable):
            payments.query(PaymentMethod.WECHAT, "GT20261123000001")
    finally:
        payments.close()


def remote_profile(folder: Path, base_url: str, keys, *, key_file: str = "keys/apiclient_key.pem") -> Path:
    (folder / "keys").mkdir(exist_ok=True)
    (folder / "keys" / "apiclient_key.pem").write_text(keys.merchant.private_pem, encoding="utf-8")
    os.chmod(folder / "keys" / "apiclient_key.pem", stat.S_IRUSR | stat.S_IWUSR)
    (folder / "keys" / "pub_key.pem").write_text(keys.platform.public_pem, encoding="utf-8")
    profile = folder / "site.toml"
    profile.write_text(f'''profile = "gas-terminal"
services = ["gas"]
data_dir = "data"
[site]
name = "燃气自助缴费终端"
name_en = "Gas terminal"
[payments]
methods = ["wechat"]
[payments.wechat]
gateway = "remote"
base_url = "{base_url}"
mchid = "{keys.mchid}"
appid = "{keys.appid}"
merchant_serial_no = "{keys.merchant_serial_no}"
merchant_key_file = "{key_file}"
platform_public_key_id = "{keys.platform_public_key_id}"
platform_public_key_file = "keys/pub_key.pem"
[payments.scanner]
backend = "simulator"
device = "pty"
''', encoding="utf-8")
    return profile


def test_a_sites_own_gateway_with_key_files_beside_the_profile(tmp_path, payment_gateway):
    """GIVEN a profile naming a remote gateway and key files relative to its folder WHEN payments open THEN the
    SDK signs with the merchant key from the file and verifies with the platform key: a payment goes through."""
    payments = open_payments(load_settings(remote_profile(tmp_path, payment_gateway.base_url, payment_gateway.keys)))
    try:
        assert payments.gateway is None
        outcome = payments.pay(PaymentRequest("GT20261123000001", 5000, "燃气充值", PaymentMethod.WECHAT),
                               progress=scanning(payments, "134567890123456789"), cancel=threading.Event())
        assert outcome.paid
        assert payment_gateway.order("GT20261123000001")["trade_state"] == "SUCCESS"
    finally:
        payments.close()


def test_a_missing_key_file_is_one_line_naming_the_key(tmp_path, payment_gateway):
    profile = remote_profile(tmp_path, payment_gateway.base_url, payment_gateway.keys, key_file="keys/missing.pem")
    with pytest.raises(ConfigError) as broken:
        open_payments(load_settings(profile))
    assert str(broken.value).startswith(f"{profile}: payments.wechat.merchant_key_file: cannot read ")
