"""Property: writes cut at any byte never leave a card that reads as valid with the wrong gas.

Runs the driver's own code (layouts, write order, read-back) over the in-process simulator link, which
sends the same APDUs to the same virtual card as the PC/SC chain does (test_pcsc_chain.py cuts writes
through pcscd too): here hundreds of cuts take a second instead of a pcscd poll each.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.gas_card import GasPurchase, GasQuantity
from drivers.gascard import CardNeedsRewrite, CardRemoved
from drivers.gascard.emulator import MemoryCard

# Each step: the gas to buy, and after how many written bytes the card is pulled (None: not pulled).
steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=0xFFFF), st.one_of(st.none(), st.integers(0, 40))),
    min_size=1, max_size=5)


@pytest.mark.parametrize("name", ["volume", "amount"])
@settings(max_examples=120, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_a_cut_write_reads_as_the_old_or_the_new_purchase_or_as_needing_a_rewrite(simulated, name, steps):
    """GIVEN a card WHEN purchases are written, each maybe cut at a random byte and the card put back THEN every
    read is either a consistent card showing the old or the new purchase, or CardNeedsRewrite whose intact
    copies are only the old or the new purchase (with the card's own number); writing the interrupted purchase
    again always completes it."""
    reader, card, holder = simulated(name)
    assert isinstance(card, MemoryCard)
    for gas_value, cut in steps:
        old = reader.read()
        new = old.next_purchase(GasQuantity(old.measure, gas_value))
        card.pull_after(cut)
        try:
            reader.write(new)
        except CardRemoved as removed:
            assert removed.during_write
            holder.insert(card)
        card.pull_after(None)
        try:
            seen = reader.read()
        except CardNeedsRewrite as torn:
            assert torn.records and set(torn.records) <= {old.purchase, new}
            # Who the card is, for finding the purchase to write again (补写卡): its newest intact copy.
            assert (torn.card.card_number, torn.card.purchase) == (old.card_number, torn.records[-1])
            seen = reader.write(new)
        assert seen.purchase in (old.purchase, new)
        if seen.purchase == old.purchase:
            seen = reader.write(new)
        assert seen.purchase == new and seen.awaiting_meter
        card.meter_takes_gas()
        assert reader.read().purchase == GasPurchase(new.count, GasQuantity(old.measure, 0))
