"""The kiosk as the kill tests run it: a process with no screen that starts up (recovery), then serves one
citizen's top-up, and that the test kills (SIGKILL, from inside: no handler, no flush, no goodbye) at a
chosen moment. Everything it talks to lives in the test's process and survives it: the utility and the
payment gateway on loopback, the printer simulator on loopback TCP, the card over a socket
(tests/fixtures/gas_card_socket.py); its own journal is a file.

    run(config)     # config: a dict (see KillRun in test_kill.py); returns normally unless killed

Moments it can be killed at, counted in order as "ticks": just before and just after each journal commit,
each APDU to the card, and each HTTP request (sent / answered). `kill` is either {"tick": n} or
{"moment": "before"|"after", "step": "<journal step>"} (its first occurrence). The number of ticks of a run
that was not killed is written to `ticks_file`, so that the test can draw kill points over a whole run.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import traceback
from datetime import datetime
from typing import Any

import escpos.printer  # noqa: F401  (imported once, in the fork server, not in every kiosk it forks)
import requests

from domain.payment import PaymentMethod, PaymentProgress, PaymentStep
from drivers.gascard import CardNeedsRewrite, GasCardError, GasCardReader
from drivers.printer import open_printer
from drivers.scanner.serial_scanner import SerialScanner
from drivers.scanner.simulator import PtyScanner
from kiosk.gas.journal import Journal, Step, journal_key
from kiosk.gas.recovery import recover
from kiosk.gas.saga import GasSaga, SagaPolicy, TopUpStopped
from kiosk.gas.utility import GasUtilityClient
from kiosk.gas.payments import Payments
from kiosk.gas.payments.wechat import WeChatPayBackend, wechat_client
from kiosk.i18n import Catalogue
from tests.fixtures.gas_card_socket import RemoteCardLink

__all__ = ["run", "PRELOAD"]

PRELOAD = __name__
_CATALOGUE = Catalogue.load()


class FixedClock:
    """The journal's wall clock: the utility's business day, whatever the machine's date."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


class VirtualPaymentClock:
    """WeChat's waits (query every 5 s for 30 s) passed in no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def wait(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        self.now += max(0.0, seconds)
        return cancel is not None and cancel.is_set()


class KillSwitch:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.ticks = 0

    def tick(self) -> None:
        self.ticks += 1
        if self.plan.get("tick") == self.ticks:
            os.kill(os.getpid(), signal.SIGKILL)

    def step(self, moment: str, step: Step) -> None:
        if self.plan.get("step") == step.value and self.plan.get("moment") == moment:
            os.kill(os.getpid(), signal.SIGKILL)
        self.tick()


def _count_http(switch: KillSwitch) -> None:
    send = requests.Session.send

    def counted(session, request, **kwargs):
        switch.tick()
        response = send(session, request, **kwargs)
        switch.tick()
        return response
    requests.Session.send = counted


def run(config: dict[str, Any]) -> None:
    try:
        _run(config)
    except BaseException:
        with open(config["error_file"], "w", encoding="utf-8") as file:
            file.write(traceback.format_exc())
        raise


def _run(config: dict[str, Any]) -> None:
    logging.disable(logging.CRITICAL)
    switch = KillSwitch(config.get("kill") or {})
    _count_http(switch)
    journal = Journal(config["journal"], journal_key(config["journal_secret"]), terminal_id=config["terminal_id"],
                      clock=FixedClock(config["instant"]), hook=switch.step)
    utility = GasUtilityClient(config["utility_url"], config["terminal_id"], config["terminal_key"],
                               connect_timeout=2.0, read_timeout=5.0, retries=0)
    scanner_device = PtyScanner()
    scanner = SerialScanner(scanner_device.port)
    wechat = WeChatPayBackend(wechat_client(**config["wechat"], connect_timeout_s=2.0, read_timeout_s=5.0), scanner,
                              device_id=config["terminal_id"], clock=VirtualPaymentClock(), scan_timeout_s=5.0)
    printer = open_printer(config["printer"], status_timeout=2.0, confirm_timeout=5.0)
    reader = GasCardReader(RemoteCardLink(config["card_socket"], on_apdu=lambda moment: switch.tick()))
    saga = GasSaga(journal, utility, Payments({PaymentMethod.WECHAT: wechat}), reader, printer,
                   terminal_id=config["terminal_id"], texts=lambda key, **v: _CATALOGUE.text(key, "zh", **v),
                   clock=FixedClock(config["instant"]),
                   policy=SagaPolicy(refund_failed_writes=config.get("refund_failed_writes", False)))
    recover(saga)
    if config.get("purchase"):
        _serve_a_citizen(saga, reader, scanner_device, config)
    if config.get("ticks_file"):
        with open(config["ticks_file"], "w", encoding="ascii") as file:
            file.write(str(switch.ticks))
    for part in (printer, scanner, scanner_device, reader, utility, journal):
        part.close()


def _serve_a_citizen(saga: GasSaga, reader: GasCardReader, scanner_device: PtyScanner, config: dict) -> None:
    """What the gas journey does, without a screen: read, check, choose, pay, write, print, leave."""
    torn = None
    try:
        card = reader.read()
    except CardNeedsRewrite as error:
        card, torn = error.card, error  # its last write was cut: the purchase is found and written again
    except GasCardError:
        return                          # no card, or one that cannot be used: the citizen leaves
    codes = [config.get("code")]

    def progress(event: PaymentProgress) -> None:
        if event.step is PaymentStep.SCAN_CODE and codes:
            scanner_device.scan(codes.pop(0))

    entry = None
    try:
        check = saga.inspect_torn(torn) if torn is not None else saga.inspect(card)
        if check.verdict == "rewrite":
            entry = saga.write(check.entry.order_id)
        elif check.verdict == "buy":
            entry = saga.begin(card, saga.quote(card, config["amount_fen"]), PaymentMethod.WECHAT)
            entry = saga.pay(entry.order_id, progress=progress)
            entry = saga.write(entry.order_id)
        if entry is not None:
            saga.print_receipt(entry.order_id)
            saga.release(entry.order_id)
    except TopUpStopped as stopped:
        entry = stopped.entry or entry
        if entry is not None:
            saga.abandon(entry.order_id)
    except Exception:                   # a printer that failed: journaled; the citizen leaves
        if entry is not None:
            saga.release(entry.order_id)
