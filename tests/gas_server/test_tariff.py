"""Tiered prices (阶梯气价): exact integer arithmetic between money and gas, and its rounding rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gas_server.tariff import Tariff, Tier, TierPart

RESIDENTIAL = Tariff((Tier(3600, 267), Tier(6000, 320), Tier(None, 401)))

used_volumes = st.integers(min_value=0, max_value=12000)
amounts = st.integers(min_value=0, max_value=2_000_000)
volumes = st.integers(min_value=0, max_value=20000)


def test_a_volume_in_one_tier_costs_volume_times_price_rounded_half_up_to_the_fen():
    """GIVEN 37.4 m³ in tier 1 at 2.67 元/m³ THEN 99 858 tenths of a fen → 99.86 元."""
    assert RESIDENTIAL.price(used=0, volume=374).amount_fen == 9986
    assert RESIDENTIAL.price(used=0, volume=1).amount_fen == 27          # 26.7 fen → 27
    assert RESIDENTIAL.price(used=0, volume=5).amount_fen == 134         # 133.5 fen → 134 (half up)
    assert RESIDENTIAL.price(used=0, volume=0).amount_fen == 0


def test_a_purchase_across_a_tier_end_is_priced_part_in_each_tier():
    """GIVEN 350 m³ bought this year WHEN 20 m³ more THEN 10 m³ at 2.67 and 10 m³ at 3.20 = 58.70 元."""
    priced = RESIDENTIAL.price(used=3500, volume=200)
    assert priced.parts == (TierPart(1, 100, 267), TierPart(2, 100, 320))
    assert priced.amount_fen == 5870


def test_a_purchase_across_two_tier_ends_uses_three_tiers():
    priced = RESIDENTIAL.price(used=3500, volume=3000)
    assert [(p.tier, p.volume_tenths_m3) for p in priced.parts] == [(1, 100), (2, 2400), (3, 500)]
    assert priced.amount_fen == (100 * 267 + 2400 * 320 + 500 * 401 + 5) // 10


def test_an_amount_buys_the_most_gas_it_pays_for_and_the_citizen_pays_that_gas_exactly():
    """GIVEN 100.00 元 in tier 1 THEN 37.4 m³ (99.86 元); 37.5 m³ would cost 100.13 元."""
    assert RESIDENTIAL.volume_for(used=0, amount_fen=10000) == 374
    assert RESIDENTIAL.price(used=0, volume=375).amount_fen == 10013


def test_an_amount_too_small_for_a_tenth_buys_nothing():
    assert RESIDENTIAL.volume_for(used=0, amount_fen=26) == 0
    assert RESIDENTIAL.volume_for(used=0, amount_fen=27) == 1


def test_an_amount_across_a_tier_end_fills_the_cheaper_tier_first():
    volume = RESIDENTIAL.volume_for(used=3500, amount_fen=10000)
    assert volume == 100 + (100000 + 4 - 100 * 267) // 320
    assert RESIDENTIAL.price(3500, volume).amount_fen <= 10000 < RESIDENTIAL.price(3500, volume + 1).amount_fen


@settings(max_examples=400, deadline=None)
@given(used=used_volumes, amount=amounts)
def test_property_an_amount_buys_exactly_the_largest_volume_it_pays_for(used, amount):
    volume = RESIDENTIAL.volume_for(used, amount)
    assert RESIDENTIAL.price(used, volume).amount_fen <= amount < RESIDENTIAL.price(used, volume + 1).amount_fen


@settings(max_examples=300, deadline=None)
@given(used=used_volumes, volume=volumes)
def test_property_the_price_of_a_volume_buys_back_that_volume(used, volume):
    assert RESIDENTIAL.volume_for(used, RESIDENTIAL.price(used, volume).amount_fen) == volume


@settings(max_examples=300, deadline=None)
@given(used=used_volumes, volume=volumes)
def test_property_more_gas_costs_more_and_the_parts_add_up(used, volume):
    priced = RESIDENTIAL.price(used, volume)
    assert RESIDENTIAL.price(used, volume + 1).amount_fen > priced.amount_fen
    assert sum(part.volume_tenths_m3 for part in priced.parts) == volume
    assert priced.amount_fen == (sum(p.volume_tenths_m3 * p.price_fen_per_m3 for p in priced.parts) + 5) // 10


@settings(max_examples=200, deadline=None)
@given(used=used_volumes, first=volumes, second=volumes)
def test_property_buying_in_two_steps_puts_the_same_gas_in_the_same_tiers(used, first, second):
    """Tiers follow the year's total: two purchases are priced in the same tiers as one of their sum
    (each rounded to the fen on its own, so the sums differ by at most a fen)."""
    whole = RESIDENTIAL.price(used, first + second).amount_fen
    split = RESIDENTIAL.price(used, first).amount_fen + RESIDENTIAL.price(used + first, second).amount_fen
    assert abs(whole - split) <= 1


@pytest.mark.parametrize("tiers", [(), (Tier(3600, 267),), (Tier(None, 267), Tier(None, 320)),
                                   (Tier(6000, 267), Tier(3600, 320), Tier(None, 401)), (Tier(None, 0),)])
def test_a_malformed_tariff_is_refused(tiers):
    with pytest.raises(ValueError):
        Tariff(tiers)
