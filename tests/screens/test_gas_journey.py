"""燃气缴费 on screen, end to end in the demo: the simulated gas card in its reader, the embedded gas utility and
WeChat Pay gateway on loopback, the simulated code scanner and the printer simulator. A citizen inserts the card,
sees the account, chooses 100 元, pays with the phone's code, waits while the card is written, takes the receipt
and the card; a refused payment says that nothing was taken; nothing personal is left on screen afterwards."""

from __future__ import annotations

import pytest

from drivers.printer.escpos_reader import printed_text
from kiosk.journeys.gas import GasStep
from tests.fixtures.gas_world import INSUFFICIENT
from tests.screens.conftest import all_texts, frames, tap, wait_for

CARD_NUMBER = "3101002468"      # the first demo household's card (gas_server/seed.py)


@pytest.fixture
def kiosk(make_demo_kiosk):
    app = make_demo_kiosk(gas=True)
    wait_for(lambda: app.runtime.gas is not None, "the gas terminal started")
    return app


def open_gas(app, *, english: bool = False):
    app.visit.start()
    if english:
        app.visit.toggle_language()
    frames()
    tap(app.screen_manager.get_screen("home").tile("gas"))
    screen = app.screen_manager.get_screen("gas")
    wait_for(lambda: screen.view is not None and screen.view.step is GasStep.INSERT_CARD, "asked for the card")
    return screen


def step_is(screen, step: GasStep):
    return lambda: screen.view.step is step


def insert_card_and_choose_100(screen):
    tap(screen.ids.demo_button)                      # the demo's control inserts the demo household's card
    wait_for(step_is(screen, GasStep.ACCOUNT), lambda: f"account, step {screen.view.step}")
    account = screen.ids.account_lines.text
    assert "31****2468" in account and CARD_NUMBER not in account
    tap(screen.ids.buy_button)
    wait_for(step_is(screen, GasStep.AMOUNT), "the amount keypad")
    tap(screen.ids.preset_100)
    wait_for(lambda: screen.view.quote is not None and not screen.view.quoting, "the quote for 100 元")
    assert "立方米" in screen.ids.quote.text and "实付" in screen.ids.quote.text
    tap(screen.ids.next_button)
    wait_for(step_is(screen, GasStep.CONFIRM), "the confirmation")
    assert "支付金额：" in screen.ids.confirm_lines.text


def test_a_citizen_buys_gas_pays_by_code_and_leaves_with_the_receipt_and_the_card(kiosk):
    screen = open_gas(kiosk)
    assert screen.ids.insert_prompt.text == "请将燃气卡插入读卡口"
    insert_card_and_choose_100(screen)
    amount_fen = screen.view.quote.amount_fen
    tap(screen.ids.pay_wechat)
    wait_for(lambda: screen.view.step is GasStep.PAY and screen.view.payment == "scan_code", "the scan prompt")
    assert "付款码" in screen.ids.payment_prompt.text
    assert screen.countdown.isdigit() and int(screen.countdown) > 0
    tap(screen.ids.demo_button)                      # the demo phone's code, held to the scanner

    wait_for(lambda: screen.view.step is GasStep.DONE and screen.view.receipt == "printed",
             lambda: f"done and printed, step {screen.view.step} receipt {screen.view.receipt}")
    assert screen.view.paid_fen == amount_fen and screen.view.written_gas > 0
    assert f"{amount_fen // 100}.{amount_fen % 100:02d}" in screen.ids.done_lines.text
    paper = printed_text(kiosk.devices.demo_printer.received())
    assert "31****2468" in paper and CARD_NUMBER not in paper
    assert screen.view.order_id in paper

    tap(screen.ids.done_button)                      # 完成: the card is still in, so it is asked for first
    assert screen.view.step is GasStep.TAKE_CARD
    assert screen.ids.take_card_prompt.text == "请取回燃气卡"
    tap(screen.ids.demo_button)                      # the citizen takes the card out
    wait_for(lambda: kiosk.current_screen == "attract", lambda: f"attract, on {kiosk.current_screen}")
    assert not kiosk.session.holds_personal_data()
    assert "31****2468" not in "\n".join(all_texts(kiosk.root))


def test_a_refused_payment_says_nothing_was_taken_and_offers_another_way(kiosk):
    screen = open_gas(kiosk)
    insert_card_and_choose_100(screen)
    tap(screen.ids.pay_wechat)
    wait_for(lambda: screen.view.step is GasStep.PAY and screen.view.payment == "scan_code", "the scan prompt")
    kiosk.devices.payments.simulated_scanner.scan(INSUFFICIENT)

    wait_for(step_is(screen, GasStep.NOT_PAID), lambda: f"not paid, step {screen.view.step}")
    assert screen.ids.not_paid_money.text == "本次没有扣款。"
    assert "余额不足" in screen.ids.not_paid_problem.text
    assert screen.ids.retry_bankcard.disabled is False
    assert printed_text(kiosk.devices.demo_printer.received()).strip() == ""   # no receipt, no voucher: no money


def test_the_gas_journey_speaks_english_in_english_mode(kiosk):
    screen = open_gas(kiosk, english=True)
    assert screen.ids.insert_prompt.text == "Please insert your gas card into the card slot"
    tap(screen.ids.demo_button)
    wait_for(step_is(screen, GasStep.ACCOUNT), lambda: f"account, step {screen.view.step}")
    assert "31****2468" in screen.ids.account_lines.text and "燃气" not in screen.ids.account_lines.text


def pay_with_the_demo_code(screen):
    tap(screen.ids.pay_wechat)
    wait_for(lambda: screen.view.step is GasStep.PAY and screen.view.payment == "scan_code", "the scan prompt")
    tap(screen.ids.demo_button)


def maintenance_lines(app) -> list[tuple[str, str]]:
    box = app.screen_manager.get_screen("maintenance").ids.gas_lines
    return [(row.line_text, row.colour) for row in reversed(box.children)]


def test_a_card_pulled_mid_write_waits_for_its_rewrite_on_the_technicians_page(kiosk):
    screen = open_gas(kiosk)
    insert_card_and_choose_100(screen)
    kiosk.devices.demo_gas_slot.card.pull_after(7)      # the citizen pulls the card while it is being written
    pay_with_the_demo_code(screen)
    wait_for(step_is(screen, GasStep.WRITE_FAILED), lambda: f"write failed, step {screen.view.step}")
    assert screen.view.money == "held" and "款项已保留" in screen.ids.write_failed_money.text
    order_id = screen.view.order_id

    kiosk.enter_maintenance()
    wait_for(lambda: any(order_id in text for text, _ in maintenance_lines(kiosk)), "the unfinished purchase listed")
    text, colour = next(line for line in maintenance_lines(kiosk) if order_id in line[0])
    assert "31****2468" in text and CARD_NUMBER not in text and "等待补写卡" in text and colour == "#b00020"


def test_the_days_reconciliation_balances_after_a_sale(kiosk):
    screen = open_gas(kiosk)
    insert_card_and_choose_100(screen)
    pay_with_the_demo_code(screen)
    wait_for(lambda: screen.view.step is GasStep.DONE and screen.view.receipt == "printed", "sold")
    tap(screen.ids.done_button)
    tap(screen.ids.demo_button)
    wait_for(lambda: kiosk.current_screen == "attract", "back at attract")

    kiosk.enter_maintenance()
    maintenance = kiosk.screen_manager.get_screen("maintenance")
    wait_for(lambda: maintenance_lines(kiosk) == [("没有未完成的购气", "#333333")], "nothing pending")
    tap(maintenance.ids.gas_reconcile_button)
    wait_for(lambda: "对账平" in maintenance_lines(kiosk)[0][0] or "对账不平" in maintenance_lines(kiosk)[0][0],
             lambda: f"reconciled: {maintenance_lines(kiosk)}")   # not "正在对账……"
    verdict, colour = maintenance_lines(kiosk)[0]
    assert "对账平：1笔订单" in verdict and colour == "#333333"
    assert "99.86 / 99.86 / 99.86" in maintenance_lines(kiosk)[1][0]
