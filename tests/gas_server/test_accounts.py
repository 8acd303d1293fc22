"""Accounts by card and quotes, against the live utility over loopback HTTP (every answer checked against
gas_server/openapi.yaml): the card's count against the utility's, arrears, tiers, limits."""

from __future__ import annotations

import pytest

from domain.gas_card import GasMeasure, GasQuantity
from drivers.gascard.emulator import DEMO_COUNT, DEMO_IDENTITY
from gas_server.seed import DEMO_HOUSEHOLDS, household
from kiosk.gas.utility import GasUtilityRejected

VOLUME_CARD = "3101002468"      # the demo card "volume": count 3, 120.3 m³ this year
AMOUNT_CARD = "561200731905"    # the demo card "amount": count 7, 340 m³ this year
ARREARS_CARD = "3101002470"
LOST_WRITE_CARD = "3101002471"
NEAR_LIMIT_CARD = "3101002472"
TIER3_CARD = "3101002473"
NEW_CARD = "3101002474"
NEAR_TIER2_CARD = "3101002475"


def _refused(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(GasUtilityRejected) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.code


def test_the_demo_cards_of_the_card_simulator_belong_to_demo_households():
    """The simulator's cards (drivers/gascard/emulator.py) find their accounts: same numbers, same counts."""
    for layout, identity in DEMO_IDENTITY.items():
        home = household(identity.card_number)
        assert (home.account_number, home.meter_number, home.layout, home.card_count) == (
            identity.user_number, identity.meter_number, layout, DEMO_COUNT[layout])
    assert household(VOLUME_CARD).measure == "volume" and household(AMOUNT_CARD).measure == "amount"
    assert len(DEMO_HOUSEHOLDS) == 10
    assert all(len(h.card_number) == (10 if h.layout == "sle4442-dual" else 12) for h in DEMO_HOUSEHOLDS)


def test_a_card_in_step_gets_its_account_masked_with_tariff_and_limits(shared_gas_client):
    account = shared_gas_client.account(VOLUME_CARD, 3)
    assert (account.card_status, account.can_buy, account.refusal, account.purchase_count) == ("ok", True, None, 3)
    assert account.measure is GasMeasure.VOLUME and account.account_number == "610113004521"
    assert account.holder_masked == "王**" and "1502" not in account.address_masked
    assert account.address_masked.startswith("雁塔区丈八街道科技路")
    assert [(t.up_to_tenths_m3, t.price_fen_per_m3) for t in account.tariff.tiers] == [(3600, 267), (6000, 320),
                                                                                       (None, 401)]
    assert account.tariff.year == 2026
    assert account.limits.used_this_year_tenths_m3 == 1203
    assert (account.limits.max_now_tenths_m3, account.limits.max_now_amount_fen) == (2000, 53400)
    assert account.pending_orders == ()
    assert "3101002468" not in repr(account)


@pytest.mark.parametrize("count", [2, 4, 0, 65535])
def test_a_card_whose_count_does_not_match_is_refused(shared_gas_client, count):
    assert _refused(shared_gas_client.account, VOLUME_CARD, count) == (409, "purchase_count_mismatch")


def test_an_unknown_card_is_refused(shared_gas_client):
    assert _refused(shared_gas_client.account, "3101009999", 0) == (404, "card_not_found")


def test_an_account_in_arrears_is_shown_but_may_not_buy(shared_gas_client):
    account = shared_gas_client.account(ARREARS_CARD, 12)
    assert (account.can_buy, account.refusal, account.arrears_fen) == (False, "account_in_arrears", 12850)
    assert _refused(shared_gas_client.quote, ARREARS_CARD, amount_fen=5000) == (409, "account_in_arrears")


def test_a_card_behind_a_paid_purchase_is_a_pending_rewrite_not_a_mismatch(shared_gas_client):
    """GIVEN purchase 6 paid yesterday at another terminal and the card pulled out (it still shows 5)
    THEN the account answers rewrite_pending with that order; a card showing 4 or 7 is refused."""
    account = shared_gas_client.account(LOST_WRITE_CARD, 5)
    assert (account.card_status, account.can_buy, account.refusal, account.purchase_count) == (
        "rewrite_pending", False, "rewrite_pending", 6)
    (order,) = account.pending_orders
    assert (order.purchase_count, order.state.value, order.card_gas) == (6, "write_failed", GasQuantity.volume(500))
    assert order.terminal_id == "yt-gas-terminal-02" and order.write.read_back.purchase_count == 5
    assert shared_gas_client.pending_rewrites(LOST_WRITE_CARD) == (order,)
    for wrong in (4, 7):
        assert _refused(shared_gas_client.account, LOST_WRITE_CARD, wrong) == (409, "purchase_count_mismatch")


def test_a_card_that_already_carries_the_pending_purchase_is_confirm_pending(shared_gas_client):
    account = shared_gas_client.account(LOST_WRITE_CARD, 6)
    assert (account.card_status, account.refusal) == ("confirm_pending", "rewrite_pending")


def test_a_card_without_pending_rewrites_lists_none(shared_gas_client):
    assert shared_gas_client.pending_rewrites(VOLUME_CARD) == ()
    assert _refused(shared_gas_client.pending_rewrites, "3101009999") == (404, "card_not_found")


def test_an_account_near_its_yearly_limit_may_buy_only_what_is_left(shared_gas_client):
    account = shared_gas_client.account(NEAR_LIMIT_CARD, 21)
    assert account.limits.max_now_tenths_m3 == 150 and account.can_buy
    assert shared_gas_client.quote(NEAR_LIMIT_CARD, volume_tenths_m3=150).volume_tenths_m3 == 150
    assert _refused(shared_gas_client.quote, NEAR_LIMIT_CARD, volume_tenths_m3=151) == (409, "yearly_limit_exceeded")


def test_a_quote_by_amount_for_a_volume_meter_charges_the_exact_price_of_the_gas(shared_gas_client):
    quote = shared_gas_client.quote(VOLUME_CARD, amount_fen=10000)
    assert (quote.amount_fen, quote.volume_tenths_m3, quote.card_gas) == (9986, 374, GasQuantity.volume(374))
    assert [(p.tier, p.volume_tenths_m3) for p in quote.tiers] == [(1, 374)]


def test_a_quote_by_volume_for_a_volume_meter(shared_gas_client):
    quote = shared_gas_client.quote(VOLUME_CARD, volume_tenths_m3=500)
    assert (quote.amount_fen, quote.card_gas) == (13350, GasQuantity.volume(500))


def test_an_amount_meter_is_written_the_amount_paid_with_the_gas_it_buys_counted(shared_gas_client):
    """GIVEN an amount meter (金额表) with 340 m³ this year WHEN 100 元 THEN the card gets 100.00 元, and the
    volume it buys at the tariff (20 m³ in tier 1, the rest in tier 2) counts against the limits."""
    quote = shared_gas_client.quote(AMOUNT_CARD, amount_fen=10000)
    assert (quote.amount_fen, quote.card_gas) == (10000, GasQuantity.amount(10000))
    assert quote.volume_tenths_m3 == 200 + (100000 + 4 - 200 * 267) // 320
    assert [p.tier for p in quote.tiers] == [1, 2]
    by_volume = shared_gas_client.quote(AMOUNT_CARD, volume_tenths_m3=100)
    assert (by_volume.amount_fen, by_volume.card_gas) == (2670, GasQuantity.amount(2670))


def test_a_quote_across_a_tier_end(shared_gas_client):
    quote = shared_gas_client.quote(NEAR_TIER2_CARD, volume_tenths_m3=100)
    assert [(p.tier, p.volume_tenths_m3, p.price_fen_per_m3) for p in quote.tiers] == [(1, 20, 267), (2, 80, 320)]
    assert quote.amount_fen == (20 * 267 + 80 * 320 + 5) // 10


def test_a_quote_in_tier_three(shared_gas_client):
    quote = shared_gas_client.quote(TIER3_CARD, volume_tenths_m3=100)
    assert [(p.tier, p.price_fen_per_m3) for p in quote.tiers] == [(3, 401)] and quote.amount_fen == 4010


@pytest.mark.parametrize("request_, code", [
    ({"volume_tenths_m3": 9}, "below_minimum_purchase"),
    ({"amount_fen": 200}, "below_minimum_purchase"),        # 2 元 buys 0.7 m³, under the 1 m³ minimum
    ({"volume_tenths_m3": 2001}, "purchase_limit_exceeded"),
    ({"amount_fen": 600000}, "purchase_limit_exceeded"),
])
def test_a_quote_outside_the_per_purchase_limits_is_refused(shared_gas_client, request_, code):
    assert _refused(shared_gas_client.quote, NEW_CARD, **request_) == (409, code)


def test_a_quote_needs_exactly_one_of_amount_and_volume(shared_gas_utility):
    # Bodies the API document refuses too (oneOf): sent unchecked, to see the utility refuse them.
    response = shared_gas_utility.send("POST", "/v1/quotes", {"card_number": VOLUME_CARD, "amount_fen": 100,
                                                        "volume_tenths_m3": 10}, checked=False)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    response = shared_gas_utility.send("POST", "/v1/quotes", {"card_number": VOLUME_CARD}, checked=False)
    assert response.status_code == 422


def test_the_utility_says_who_it_is_with_its_tariffs_and_clock(shared_gas_client):
    info = shared_gas_client.utility_info()
    assert info.server_time == "2026-11-23T10:00:00+08:00" and info.timezone == "Asia/Shanghai"
    assert {t.code for t in info.tariffs} == {"residential", "residential-large"}
    assert "营业厅" in info.counter
