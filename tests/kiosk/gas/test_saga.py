"""The top-up saga against the live reference utility and payment gateway, a virtual card and the printer
simulator: every path a purchase can take, and what becomes of the money and the card in each."""

from __future__ import annotations

import pytest

from domain.gas_card import GasPurchase, GasQuantity
from domain.payment import PaymentMethod
from drivers.bankcard.simulator import Outcome
from drivers.gascard import CardNeedsRewrite
from drivers.printer import PrinterPaperOut
from drivers.printer.status import PrinterState
from kiosk.gas.journal import PrintState, PurchaseState, Step
from kiosk.gas.recovery import recover
from kiosk.gas.saga import Money, SagaPolicy, TopUpStopped
from payment_gateway.behaviours import Behaviour
from tests.fixtures.gas_world import INSUFFICIENT, NEVER_CONFIRMS, virtual_card

HUNDRED_YUAN = 10000


def buy(world, saga, amount_fen=HUNDRED_YUAN, method=PaymentMethod.WECHAT):
    """Read, check, quote, confirm and pay: the purchase paid and recorded, not yet written."""
    check = saga.inspect(world.card())
    assert check.verdict == "buy", check
    entry = saga.begin(check.card, saga.quote(check.card, amount_fen), method)
    return saga.pay(entry.order_id, progress=world.scanning())


def test_a_purchase_goes_from_card_to_receipt(gas_world):
    """GIVEN the demo card (count 3, empty) WHEN 100 元 is paid by WeChat THEN the card carries purchase 4 of
    37.4 m³ for 99.86 元, the utility has it written by this terminal, the gateway has it paid, the receipt is
    printed with masked numbers, and the journal went through every step with the card number sealed."""
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    assert (check.verdict, check.account.card_status, check.account.purchase_count) == ("buy", "ok", 3)
    quote = saga.quote(check.card, HUNDRED_YUAN)
    assert (quote.amount_fen, quote.volume_tenths_m3) == (9986, 374)
    entry = saga.begin(check.card, quote, PaymentMethod.WECHAT)
    assert entry.state is PurchaseState.ORDERED and entry.utility_order_id.startswith("GO")
    entry = saga.pay(entry.order_id, progress=gas_world.scanning())
    assert (entry.state, entry.step, entry.payment_recorded) == (PurchaseState.PAID, Step.PAYMENT_RECORDED, True)
    entry = saga.write(entry.order_id)
    assert (entry.state, entry.written_by) == (PurchaseState.DONE, "gas-test-01")
    card = gas_world.card()
    assert (card.purchase, card.awaiting_meter) == (GasPurchase(4, GasQuantity.volume(374)), True)
    assert gas_world.utility_order(entry.utility_order_id)["state"] == "written"
    assert gas_world.gateway.order(entry.payment_id)["trade_state"] == "SUCCESS"
    saga.print_receipt(entry.order_id)
    printed = gas_world.printed()
    assert "燃气购气凭条" in printed and "购气 37.4 立方米" in printed and "￥99.86" in printed
    assert "3101002468" not in printed and "610113004521" not in printed
    steps = [step for _at, step, _detail in saga.journal.get(entry.order_id, with_events=True).events]
    assert steps == ["confirmed", "ordering", "ordered", "paying", "paid", "recording_payment", "payment_recorded",
                     "reserving", "reserved", "writing", "written", "confirming", "done", "done", "done"]
    raw = (gas_world.folder / "journal-1.sqlite3").read_bytes() + (gas_world.folder / "journal-1.sqlite3-wal").read_bytes()
    assert b"3101002468" not in raw and b"610113004521" not in raw


def test_a_bank_card_declined_then_wechat_pays(gas_world):
    """GIVEN the bank declines WHEN the citizen pays by WeChat instead THEN one order, two payment attempts,
    nothing taken by the first, the second written."""
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    entry = saga.begin(check.card, saga.quote(check.card, 5000), PaymentMethod.BANKCARD)
    gas_world.bank.script(Outcome.DECLINED, response_code="51")
    with pytest.raises(TopUpStopped) as declined:
        saga.pay(entry.order_id)
    assert (declined.value.source, declined.value.code, declined.value.money) == ("payment", "declined", Money.NONE)
    entry = saga.pay(entry.order_id, method=PaymentMethod.WECHAT, progress=gas_world.scanning())
    assert entry.payment_id.endswith("P2") and entry.method is PaymentMethod.WECHAT
    assert saga.write(entry.order_id).state is PurchaseState.DONE


@pytest.mark.parametrize("code, reason", [(INSUFFICIENT, "insufficient_balance"), (NEVER_CONFIRMS, "not_confirmed")])
def test_a_payment_that_does_not_go_through_takes_nothing_and_writes_nothing(gas_world, code, reason):
    """GIVEN a payer without the money, or one who never confirms (reversed after 30 s) WHEN the citizen
    leaves THEN no money kept, the card untouched, the utility's order cancelled."""
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    entry = saga.begin(check.card, saga.quote(check.card, HUNDRED_YUAN), PaymentMethod.WECHAT)
    with pytest.raises(TopUpStopped) as stopped:
        saga.pay(entry.order_id, progress=gas_world.scanning(code))
    assert (stopped.value.code, stopped.value.money) == (reason, Money.NONE)
    entry = saga.abandon(entry.order_id)
    assert entry.state is PurchaseState.CANCELLED
    assert gas_world.utility_order(entry.utility_order_id)["state"] == "cancelled"
    assert gas_world.gateway.order(entry.payment_id)["trade_state"] in ("REVOKED", "PAYERROR", "CLOSED")
    assert gas_world.card().purchase_count == 3


def test_a_card_pulled_mid_write_is_written_again_when_it_comes_back(gas_world):
    """GIVEN a paid purchase WHEN the card is pulled out half way through the write THEN the money is held and
    the utility knows the write failed; put back, the card is found to need its purchase (补写卡) and gets it
    once, without a second payment."""
    saga = gas_world.saga()
    entry = buy(gas_world, saga)
    card = gas_world.inserted
    card.pull_after(5)
    with pytest.raises(TopUpStopped) as pulled:
        saga.write(entry.order_id)
    assert (pulled.value.source, pulled.value.code, pulled.value.money) == ("card", "card_removed", Money.HELD)
    entry = saga.journal.get(entry.order_id)
    assert entry.state is PurchaseState.WRITE_FAILED
    assert gas_world.utility_order(entry.utility_order_id)["state"] == "write_failed"
    gas_world.insert(card)
    with pytest.raises(CardNeedsRewrite) as torn:
        gas_world.card()
    check = saga.inspect_torn(torn.value)
    assert check.verdict == "rewrite" and check.entry.order_id == entry.order_id
    assert saga.write(entry.order_id).state is PurchaseState.DONE
    assert gas_world.card().purchase == GasPurchase(4, GasQuantity.volume(374))


def test_another_terminal_writes_a_purchase_whose_card_was_pulled_here(gas_world):
    """GIVEN a purchase paid at terminal 1 whose card left mid-write, its citizen gone with a voucher WHEN the
    card is inserted at terminal 2 THEN terminal 2 finds the paid purchase at the utility, journals and writes
    it (补写卡); terminal 1's recovery then learns it was written elsewhere. One payment, one write."""
    one = gas_world.saga(1)
    entry = buy(gas_world, one)
    card = gas_world.inserted
    card.pull_after(0)
    with pytest.raises(TopUpStopped):
        one.write(entry.order_id)
    assert one.abandon(entry.order_id).voucher is PrintState.PRINTED
    gas_world.insert(card)
    two = gas_world.saga(2)
    check = two.inspect(gas_world.card())
    assert check.verdict == "rewrite" and check.entry.origin == "rewrite"
    written = two.write(check.entry.order_id)
    assert (written.state, written.utility_order_id) == (PurchaseState.DONE, entry.utility_order_id)
    two.print_receipt(written.order_id)
    assert "补写卡" in gas_world.printed()
    gas_world.slot.remove()
    recover(one)
    mine = one.journal.get(entry.order_id)
    assert (mine.state, mine.written_by) == (PurchaseState.DONE, "gas-test-02")
    gas_world.insert(card)
    assert gas_world.card().purchase == GasPurchase(4, GasQuantity.volume(374))
    assert gas_world.gateway_orders() == {entry.payment_id: "SUCCESS"}


def test_the_utility_away_after_payment_keeps_the_money_and_writes_later(gas_world):
    """GIVEN a payment taken WHEN the utility cannot be reached to record it THEN the money is held, the
    citizen leaves with a voucher; once the utility is back, the next recovery round records the payment and,
    the card being in the reader, writes it."""
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    entry = saga.begin(check.card, saga.quote(check.card, HUNDRED_YUAN), PaymentMethod.WECHAT)
    gas_world.utility_proxy.cut()
    with pytest.raises(TopUpStopped) as away:
        saga.pay(entry.order_id, progress=gas_world.scanning())
    assert (away.value.code, away.value.money) == ("utility_unavailable", Money.HELD)
    entry = saga.abandon(entry.order_id)
    assert entry.voucher is PrintState.PRINTED and "燃气购气凭证（待写卡）" in gas_world.printed()
    assert recover(saga).unsettled == [entry.order_id]          # still away: nothing changes
    gas_world.utility_proxy.restore()
    report = recover(saga)
    assert report.settled and saga.journal.get(entry.order_id).state is PurchaseState.DONE
    assert gas_world.card().purchase_count == 4


def test_a_lost_confirmation_is_sent_again_by_recovery(gas_world):
    """GIVEN the card written and read back WHEN the utility's answer to the confirmation is lost THEN the
    citizen has the gas (the write counts as done for them), and recovery confirms it with the same key."""
    saga = gas_world.saga()
    entry = buy(gas_world, saga)

    def lose_the_confirmation(moment, step):
        if (moment, step) == ("after", Step.CONFIRMING):
            gas_world.utility_proxy.lose_answers()
    saga.journal.hook = lose_the_confirmation
    entry = saga.write(entry.order_id)
    saga.journal.hook = None
    assert (entry.state, entry.step, entry.problem) == (PurchaseState.PAID, Step.CONFIRMING, "utility_unavailable")
    assert gas_world.utility_order(entry.utility_order_id)["state"] == "written"   # it did arrive
    gas_world.utility_proxy.restore()
    saga.release(entry.order_id)
    recover(saga)
    assert saga.journal.get(entry.order_id).state is PurchaseState.DONE
    assert gas_world.card().purchase_count == 4


def test_printer_out_of_paper_after_the_write_reprints_the_receipt(gas_world):
    """GIVEN the gas written WHEN the printer has no paper THEN the receipt fails (journaled), the purchase
    stands; with paper back it prints."""
    saga = gas_world.saga()
    entry = saga.write(buy(gas_world, saga).order_id)
    gas_world.printer.simulator.set_state(PrinterState.PAPER_OUT)
    with pytest.raises(PrinterPaperOut):
        saga.print_receipt(entry.order_id)
    assert saga.journal.get(entry.order_id).receipt is PrintState.FAILED
    gas_world.printer.simulator.set_state(PrinterState.READY)
    assert saga.print_receipt(entry.order_id).receipt is PrintState.PRINTED


@pytest.mark.parametrize("card, refusal", [
    (lambda: virtual_card(count=2), ("utility", "purchase_count_mismatch")),
    (lambda: virtual_card("3101002470"), ("utility", "account_in_arrears")),
    (lambda: virtual_card(gas=150), ("card", "card_holds_gas")),
    (lambda: virtual_card(gas=200, awaiting=True), ("card", "awaiting_meter")),
])
def test_a_card_that_may_not_buy_is_refused_before_any_money(gas_world, card, refusal):
    gas_world.insert(card())
    check = gas_world.saga().inspect(gas_world.card())
    assert (check.verdict, (check.refusal_source, check.refusal)) == ("refused", refusal)


def test_a_card_holding_gas_may_buy_where_the_site_allows_it(gas_world):
    gas_world.insert(virtual_card(gas=150))
    assert gas_world.saga(policy=SagaPolicy(allow_card_holding_gas=True)).inspect(gas_world.card()).verdict == "buy"


@pytest.mark.parametrize("card_number, amount, code", [
    ("3101002472", 10000, "yearly_limit_exceeded"),      # 985 of 1000 m³ bought: 37.4 m³ is too much
    ("3101002468", 100, "below_minimum_purchase"),
    ("3101002468", 60000, "purchase_limit_exceeded"),
])
def test_limits_are_refused_at_the_quote(gas_world, card_number, amount, code):
    gas_world.insert(virtual_card(card_number))
    saga = gas_world.saga()
    with pytest.raises(TopUpStopped) as refused:
        saga.quote(gas_world.card(), amount)
    assert (refused.value.source, refused.value.code, refused.value.money) == ("utility", code, Money.NONE)


def test_a_payment_without_a_final_answer_is_reversed_by_recovery(gas_world):
    """GIVEN the gateway failing every answer WHEN the citizen pays THEN the money's fate is uncertain, the
    citizen gets a voucher; recovery reverses the payment (safe whatever happened) and nothing is written."""
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    entry = saga.begin(check.card, saga.quote(check.card, HUNDRED_YUAN), PaymentMethod.WECHAT)
    gas_world.gateway.behave(Behaviour(errors={"codepay": 1, "query": 100, "reverse": 100}), auth_code="134567890000004242")
    with pytest.raises(TopUpStopped) as unsure:
        saga.pay(entry.order_id, progress=gas_world.scanning("134567890000004242"))
    assert (unsure.value.code, unsure.value.money) == ("payment_unresolved", Money.UNCERTAIN)
    gas_world.gateway.behave(Behaviour(), out_trade_no=unsure.value.entry.payment_id)
    saga.release(entry.order_id)
    report = recover(saga)
    entry = saga.journal.get(entry.order_id)
    assert entry.state in (PurchaseState.REVERSED, PurchaseState.CANCELLED), report
    assert gas_world.gateway.order(entry.payment_id)["trade_state"] in ("REVOKED", "CLOSED", "REFUND")
    assert gas_world.card().purchase_count == 3


def test_the_lost_write_of_another_terminal_is_written_here(gas_world):
    """GIVEN household 3101002471, whose purchase 6 was paid yesterday at another terminal and never reached
    its card WHEN its card is inserted here THEN the purchase is adopted into this journal and written."""
    gas_world.insert(virtual_card("3101002471"))
    saga = gas_world.saga()
    check = saga.inspect(gas_world.card())
    assert check.verdict == "rewrite" and check.entry.origin == "rewrite" and check.entry.purchase_count == 6
    assert saga.write(check.entry.order_id).state is PurchaseState.DONE
    assert gas_world.card().purchase_count == 6


def test_the_journal_refuses_a_key_it_was_not_made_with(tmp_path, gas_utility):
    from kiosk.gas.journal import Journal, JournalKeyError, journal_key

    Journal(tmp_path / "j.sqlite3", journal_key("first-key-0123456789abcdef"), terminal_id="t",
            clock=gas_utility.clock).close()
    with pytest.raises(JournalKeyError):
        Journal(tmp_path / "j.sqlite3", journal_key("another-key-0123456789abcdef"), terminal_id="t",
                clock=gas_utility.clock)


def test_the_day_reconciles_order_by_order_and_flags_what_differs(gas_world):
    """GIVEN a day with a purchase written, one abandoned unpaid, one whose card was pulled (money held for
    补写卡) and one paid while the utility was away WHEN reconciled THEN the payment the utility never heard of
    is flagged; after recovery the journal, the utility and the payer agree order by order and in total."""
    from kiosk.gas.reconciliation import reconcile

    saga = gas_world.saga()
    day = gas_world.utility.clock.now().date()
    done = saga.write(buy(gas_world, saga, 5000).order_id)
    gas_world.inserted.meter_takes_gas()
    check = saga.inspect(gas_world.card())
    unpaid = saga.begin(check.card, saga.quote(check.card, 5000), PaymentMethod.WECHAT)
    saga.abandon(unpaid.order_id)
    held = buy(gas_world, saga, 8000)
    gas_world.inserted.pull_after(0)
    with pytest.raises(TopUpStopped):
        saga.write(held.order_id)
    saga.abandon(held.order_id)
    gas_world.slot.remove()
    gas_world.insert(virtual_card("3101002476"))
    check = saga.inspect(gas_world.card())
    away = saga.begin(check.card, saga.quote(check.card, 3000), PaymentMethod.BANKCARD)
    gas_world.utility_proxy.cut()
    with pytest.raises(TopUpStopped):
        saga.pay(away.order_id)
    saga.abandon(away.order_id)
    gas_world.slot.remove()
    gas_world.utility_proxy.restore()

    before = reconcile(saga.journal, saga.utility, saga.payments, day)
    assert not before.balanced
    assert {line.order_id: line.flags for line in before.flagged} == {
        away.order_id: ("payment_not_at_utility", "states_differ")}
    recover(saga)
    after = reconcile(saga.journal, saga.utility, saga.payments, day)
    assert after.balanced, after.flagged
    states = {line.order_id: (line.journal_state, line.utility_state, line.payer_state) for line in after.lines}
    assert states == {done.order_id: ("done", "written", "SUCCESS"), unpaid.order_id: ("cancelled", "cancelled", ""),
                      held.order_id: ("write_failed", "write_failed", "SUCCESS"),
                      away.order_id: ("paid", "paid", "SUCCESS")}
    assert after.totals.journal_kept_fen == after.totals.utility_kept_fen == after.totals.payer_kept_fen
    assert after.totals.awaiting_write_fen == held.amount_fen + away.amount_fen
