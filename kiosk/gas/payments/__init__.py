"""Payments for the gas top-up: one interface over WeChat Pay payment codes and bank cards, for the saga to call.

    payments = open_payments(settings)                         # from the profile's [payments]; close() at exit
    request = PaymentRequest(order_id, 10000, "燃气充值 100.00 元", PaymentMethod.WECHAT)
    outcome = payments.pay(request, progress=show, cancel=event)   # blocks: call it off the UI thread
    outcome.state          # SUCCESS (paid) · CLOSED · REVOKED · REFUNDED: always final
    outcome.paid, outcome.reason, outcome.transaction_id, outcome.payer.masked, outcome.to_dict()

    payments.query(method, order_id)     # PaymentOutcome (state PENDING while not final), or None: never reached
    payments.reverse(method, order_id)   # end it, money back if any was taken: REVOKED, CLOSED or REFUNDED
    payments.refund(method, order_id)    # refund a paid order: REFUNDED (an unpaid one is ended, as by reverse)

What the saga can rely on:

- The order id is the caller's (the journal's order id; 6..32 of digits, letters, _ - | *). It is WeChat's
  out_trade_no and the bank terminal's merchant order number, so every call is idempotent by it and safe to
  repeat after a restart: `pay` on an order that already exists continues it (never a second charge, never
  a new scan); `reverse` and `refund` on an ended order answer its end again. One order id is one payment
  attempt: after a not-paid outcome, try again with a new id (e.g. the order id with an attempt suffix).
- `pay` returns only final outcomes. WeChat: the unattended-terminal rules (USERPAYING → query every 5 s
  for at most 30 s → reverse; a refused reverse → query → refund). Bank card: the terminal's answer, and
  after a hung library, the terminal's record of the order.
- Journal before each call: "paying <method> <order> <amount>" before `pay`, the outcome's `to_dict()` after;
  "reversing" before `reverse`. On start-up, for an order journaled as paying with no outcome, call
  `reverse` (the citizen is gone), or `query` first if the policy may keep a payment that landed.
- `PaymentUnresolved` (any call): no final answer could be had; the money's fate is unknown. Journal it
  and call `reverse` again later (a recovery loop); `error.last_known` is the last confirmed state.
  `PaymentMethodUnavailable` (pay only): nothing was taken; offer the other method. `MerchantRejected`:
  nothing was taken; the merchant's configuration is wrong (a technician's matter).
- `progress` receives `PaymentProgress` events on the calling thread: SCAN_CODE (with seconds left, and
  `notice` "not_a_payment_code" after a wrong scan), PROCESSING, WAITING_FOR_USER (confirm on the phone),
  INSERT_CARD, ENTER_PIN (on the terminal's own pad: never on the touchscreen), TAKE_CARD, REVERSING,
  REFUNDING. `cancel` (a threading.Event) ends a wait: before any money moved, CLOSED (reason cancelled);
  while the citizen is confirming on the phone, the order is reversed at once.

The demo: `payments.gateway` is the embedded reference gateway (`payments.demo_codes()` lists its payment
codes with their behaviours), `payments.simulated_scanner.scan(code)` presents a code, and
`payments.simulated_terminal` scripts the bank terminal's next outcome.

Module map: interface.py (protocols, errors, the clock), wechat.py, bankcard.py.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Mapping

from domain.payment import PaymentMethod, PaymentOutcome, PaymentRequest
from drivers.bankcard import open_terminal
from drivers.bankcard.simulator import SimulatedTerminal
from drivers.scanner import ScannerError, open_scanner
from drivers.scanner.simulator import SimulatedScanner
from kiosk.config import ConfigError
from kiosk.gas.payments.bankcard import BankCardBackend
from kiosk.gas.payments.interface import (
    ERROR_CODES, MerchantRejected, PaymentBackend, PaymentClock, PaymentError, PaymentMethodUnavailable,
    PaymentUnresolved, ProgressCallback, SystemPaymentClock, no_progress,
)
from kiosk.gas.payments.wechat import WeChatPayBackend, wechat_client

__all__ = [
    "Payments",
    "open_payments",
    "PaymentBackend",
    "PaymentClock",
    "SystemPaymentClock",
    "ProgressCallback",
    "PaymentError",
    "PaymentUnresolved",
    "PaymentMethodUnavailable",
    "MerchantRejected",
    "ERROR_CODES",
    "no_progress",
]

log = logging.getLogger(__name__)


class Payments:
    """The payment methods of one terminal, each by its backend."""

    def __init__(self, backends: Mapping[PaymentMethod, PaymentBackend], *, scanner: Any = None,
                 terminal: Any = None, gateway: Any = None,
                 problems: Mapping[PaymentMethod, str] | None = None) -> None:
        self._backends = dict(backends)
        self.scanner = scanner
        self.terminal = terminal
        self.gateway = gateway
        self.problems = dict(problems or {})    # why a method cannot take payments now (its device failed)

    @property
    def methods(self) -> tuple[PaymentMethod, ...]:
        """The methods offered, in the profile's order, without those whose device cannot be used."""
        return tuple(method for method in self._backends if method not in self.problems)

    def backend(self, method: PaymentMethod) -> PaymentBackend:
        try:
            return self._backends[method]
        except KeyError:
            raise PaymentMethodUnavailable(f"{method.value} is not a payment method of this terminal",
                                           method=method) from None

    def pay(self, request: PaymentRequest, *, progress: ProgressCallback = no_progress,
            cancel: threading.Event | None = None) -> PaymentOutcome:
        backend = self.backend(request.method)
        if request.method in self.problems:
            raise PaymentMethodUnavailable(self.problems[request.method], order_id=request.order_id,
                                           method=request.method)
        return backend.pay(request, progress=progress, cancel=cancel)

    def query(self, method: PaymentMethod, order_id: str) -> PaymentOutcome | None:
        return self.backend(method).query(order_id)

    def reverse(self, method: PaymentMethod, order_id: str) -> PaymentOutcome:
        return self.backend(method).reverse(order_id)

    def refund(self, method: PaymentMethod, order_id: str) -> PaymentOutcome:
        return self.backend(method).refund(order_id)

    @property
    def simulated_scanner(self) -> SimulatedScanner | None:
        return self.scanner if isinstance(self.scanner, SimulatedScanner) else None

    @property
    def simulated_terminal(self) -> SimulatedTerminal | None:
        link = getattr(self.terminal, "link", None)
        return link if isinstance(link, SimulatedTerminal) else None

    def demo_codes(self) -> list[tuple[str, str]]:
        """The embedded gateway's demo payment codes and what each does (empty with a real gateway)."""
        if self.gateway is None:
            return []
        from payment_gateway.behaviours import DEMO_CODES   # the reference gateway's code only when it is embedded

        return [(code, label) for code, (label, _) in DEMO_CODES.items()]

    def close(self) -> None:
        for backend in self._backends.values():
            try:
                backend.close()
            except Exception:     # closing at exit: one device's failure must not keep the others open
                log.exception("closing the %s payment backend failed", backend.method.value)
        if self.scanner is not None:
            self.scanner.close()
        if self.gateway is not None:
            self.gateway.stop()


def _profile_file(settings: Any, key: str, value: str) -> str:
    path = Path(value)
    if not path.is_absolute():
        path = settings.source.resolve().parent / path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{settings.source}: payments.wechat.{key}: cannot read {path}: "
                          f"{error.strerror}") from None


def _wechat_ids(settings: Any, gateway: Any) -> dict[str, str]:
    """The SDK's merchant ids and keys: the embedded gateway's fresh ones, or the site's from its key files."""
    if gateway is not None:
        keys = gateway.keys
        return dict(mchid=keys.mchid, appid=keys.appid, merchant_serial_no=keys.merchant_serial_no,
                    merchant_private_key=keys.merchant.private_pem, platform_public_key=keys.platform.public_pem,
                    platform_public_key_id=keys.platform_public_key_id, base_url=gateway.base_url)
    wechat = settings.payments.wechat
    return dict(mchid=wechat.mchid, appid=wechat.appid, merchant_serial_no=wechat.merchant_serial_no,
                merchant_private_key=_profile_file(settings, "merchant_key_file", wechat.merchant_key_file),
                platform_public_key=_profile_file(settings, "platform_public_key_file",
                                                  wechat.platform_public_key_file),
                platform_public_key_id=wechat.platform_public_key_id, base_url=wechat.base_url)


def open_payments(settings: Any, *, clock: PaymentClock | None = None, device_id: str | None = None) -> Payments:
    """The terminal's payments from the profile's [payments] section. Embedded: the reference gateway starts in
    this process with fresh keys (its database in data_dir). A device that cannot be opened leaves its method
    out of `methods` (see `problems`); recovery calls (query, reverse, refund) still work without it."""
    config = settings.payments
    device_id = device_id or settings.gas_utility.terminal_id
    backends: dict[PaymentMethod, PaymentBackend] = {}
    problems: dict[PaymentMethod, str] = {}
    opened = Payments(backends, problems=problems)
    try:
        if "wechat" in config.methods:
            try:
                opened.scanner = open_scanner(config.scanner.backend, device=config.scanner.device,
                                              baud=config.scanner.baud)
                log.info("payment code scanner: %s", opened.scanner.description)
            except ScannerError as error:
                problems[PaymentMethod.WECHAT] = f"the code scanner cannot be used: {error}"
                log.error("payment code scanner: %s (%s)", error, error.code)
            if config.wechat.gateway == "embedded":
                from payment_gateway.embedded import start_embedded   # the server's dependencies only when embedded

                settings.data_dir.mkdir(parents=True, exist_ok=True)
                opened.gateway = start_embedded(str(settings.data_dir / "embedded-payment-gateway.sqlite3"))
            client = wechat_client(**_wechat_ids(settings, opened.gateway),
                                   connect_timeout_s=config.wechat.connect_timeout_s,
                                   read_timeout_s=config.wechat.read_timeout_s)
            backends[PaymentMethod.WECHAT] = WeChatPayBackend(client, opened.scanner, device_id=device_id, clock=clock,
                                                              scan_timeout_s=config.wechat.scan_timeout_s)
        if "bankcard" in config.methods:
            bank = config.bankcard
            waits = {"clock": clock.monotonic, "wait": clock.wait} if clock is not None else {}
            opened.terminal = open_terminal(bank.backend, library_path=bank.library_path, device=bank.device,
                                            timeout_s=bank.timeout_s, transaction_timeout_s=bank.transaction_timeout_s,
                                            card_wait_s=bank.card_wait_s, pin_wait_s=bank.pin_wait_s, **waits)
            backends[PaymentMethod.BANKCARD] = BankCardBackend(opened.terminal)
    except BaseException:
        opened.close()
        raise
    # The profile's order of methods.
    return Payments({PaymentMethod(name): backends[PaymentMethod(name)] for name in config.methods},
                    scanner=opened.scanner, terminal=opened.terminal, gateway=opened.gateway, problems=problems)
