"""Every fault a gas terminal meets, through the real chain: pyscard → pcscd → vpcd → the virtual card."""

from __future__ import annotations

import queue

import pytest

from domain.gas_card import GasCardType, GasPurchase, GasQuantity
from drivers.gascard import (
    CardAwaitingMeter,
    CardHoldsGas,
    CardInserted,
    CardNeedsRewrite,
    CardRemoved,
    CardTakenOut,
    GasCardWatcher,
    NoCard,
    PscLastAttempt,
    PscLocked,
    ReaderUnavailable,
    UnknownCard,
    WrongPsc,
)
from drivers.gascard.emulator import Sle4442Card, demo_card
from drivers.gascard.pcsc import list_readers

VOLUME_200 = GasQuantity.volume(200)


def test_the_demo_card_reads_with_its_numbers_masked(slot, reader):
    """GIVEN the demo volume card in the virtual reader WHEN it is read THEN every field is there, masked in repr."""
    slot.insert("volume")
    card = reader.read()
    assert (card.layout, card.card_type, card.purchase_count, card.gas, card.awaiting_meter) == (
        "sle4442-dual", GasCardType.USER, 3, GasQuantity.volume(0), False)
    assert card.card_number == "3101002468" and card.meter_number == "880020241107"
    assert "3101002468" not in repr(card) and "31****2468" in repr(card)


@pytest.mark.parametrize("name, gas", [("volume", VOLUME_200), ("amount", GasQuantity.amount(5000))])
def test_a_purchase_is_written_and_read_back(slot, reader, name, gas):
    """GIVEN a card of either layout WHEN its next purchase is written THEN the read-back shows it, awaiting the meter."""
    slot.insert(name)
    before = reader.read()
    written = reader.write(before.next_purchase(gas))
    assert (written.purchase_count, written.gas, written.awaiting_meter) == (before.purchase_count + 1, gas, True)
    assert reader.read() == written


@pytest.mark.parametrize("name, gas, cut", [("volume", VOLUME_200, 3), ("volume", VOLUME_200, 11),
                                            ("amount", GasQuantity.amount(5000), 4)])
def test_a_card_pulled_mid_write_needs_a_rewrite_and_takes_it(slot, reader, name, gas, cut):
    """GIVEN a write cut after `cut` bytes (the card pulled out) WHEN the card comes back THEN it reads as needing
    a rewrite, with the old or the new purchase intact, and writing the interrupted purchase again completes it."""
    card = slot.insert(name)
    before = reader.read()
    purchase = before.next_purchase(gas)
    card.pull_after(cut)
    with pytest.raises(CardRemoved) as removed:
        reader.write(purchase)
    assert removed.value.during_write and removed.value.code == "card_removed"
    slot.wait_gone()
    slot.insert(card)
    with pytest.raises(CardNeedsRewrite) as torn:
        reader.read()
    assert torn.value.records and set(torn.value.records) <= {before.purchase, purchase}
    report = reader.check()
    assert report.verdict == "needs_rewrite" and report.card is None
    assert reader.write(purchase).purchase == purchase
    assert reader.check().ok


def test_a_locked_card_is_refused_without_presenting_a_psc(slot, reader):
    card = slot.insert("locked")
    assert reader.read().purchase_count == 3          # reading needs no PSC
    with pytest.raises(PscLocked) as locked:
        reader.write(GasPurchase(4, VOLUME_200))
    assert locked.value.code == "psc_locked" and card.psc_presentations == 0


def test_the_last_psc_try_is_never_spent(slot, reader):
    card = slot.insert("last-try")
    with pytest.raises(PscLastAttempt):
        reader.write(GasPurchase(4, VOLUME_200))
    assert card.psc_presentations == 0 and card.counter == 0x01


def test_a_wrong_psc_costs_tries_but_never_locks_the_card(slot, reader):
    """GIVEN a card whose PSC is not the one its number gives WHEN writes are tried again and again THEN two
    tries are spent, the third write is refused before it, and the card keeps its gas area and one try."""
    card = slot.insert("wrong-psc")
    image = bytes(card.memory)
    for tries_left in (2, 1):
        with pytest.raises(WrongPsc) as wrong:
            reader.write(GasPurchase(4, VOLUME_200))
        assert wrong.value.tries_left == tries_left
    with pytest.raises(PscLastAttempt):
        reader.write(GasPurchase(4, VOLUME_200))
    assert card.counter == 0x01 and bytes(card.memory) == image
    assert reader.check().psc_tries_left == 1


def test_main_and_backup_areas_that_disagree_are_not_a_valid_card(slot, reader):
    slot.insert("disagree")
    with pytest.raises(CardNeedsRewrite) as disagree:
        reader.read()
    assert disagree.value.reason == "areas_disagree" and [r.count for r in disagree.value.records] == [3, 4]
    report = reader.check()
    assert report.verdict == "needs_rewrite" and [area.record is not None for area in report.areas] == [True, True]


@pytest.mark.parametrize("name", ["unknown", "blank-4442"])
def test_an_unknown_card_is_refused(slot, reader, name):
    """GIVEN a card with a foreign ATR, or an SLE4442 without a known layout THEN UnknownCard, nothing written."""
    slot.insert(name)
    with pytest.raises(UnknownCard) as unknown:
        reader.read()
    assert unknown.value.code == "unknown_card" and unknown.value.atr


def test_a_card_still_holding_gas_cannot_buy(slot, reader):
    card = slot.insert("holds-gas")
    with pytest.raises(CardHoldsGas):
        reader.write(GasPurchase(4, VOLUME_200))
    assert card.writes == 0


def test_a_card_not_yet_inserted_in_its_meter_cannot_buy_until_the_meter_takes_the_gas(slot, reader):
    card = slot.insert("awaiting-meter")
    with pytest.raises(CardAwaitingMeter):
        reader.write(GasPurchase(4, VOLUME_200))
    assert card.writes == 0
    card.meter_takes_gas()
    assert reader.write(GasPurchase(4, VOLUME_200)).purchase_count == 4


def test_the_acr38_psc_answer_is_understood(slot, reader):
    """ACR38 firmware answers a PSC with '<counter> 90 00', CCID readers with '90 <counter>'."""
    card = demo_card("volume")
    assert isinstance(card, Sle4442Card)
    card.psc_reply_style = "acr38"
    slot.insert(card)
    assert reader.write(GasPurchase(4, VOLUME_200)).purchase_count == 4


def test_readers_lists_the_virtual_reader_with_the_cards_atr(slot, pcscd):
    slot.insert("volume")
    [info] = [info for info in list_readers() if info.name == pcscd.reader]
    assert info.card_present and info.atr.hex().upper() == "3B04A2131091"


def test_insert_and_remove_are_reported_as_events(slot, reader):
    events: queue.Queue = queue.Queue()
    with GasCardWatcher(reader, events.put, wait_s=0.1):
        slot.insert("amount")
        inserted = events.get(timeout=10)
        assert isinstance(inserted, CardInserted) and inserted.card.layout == "at24c02-slots"
        slot.remove()
        assert isinstance(events.get(timeout=10), CardTakenOut)


def test_an_empty_reader_says_no_card(slot, reader):
    with pytest.raises(NoCard):
        reader.read()


def test_the_reader_unplugged_and_back_works_without_a_new_reader_object(slot, reader, pcscd):
    """GIVEN a card read WHEN the reader goes away (its pcscd stops) THEN ReaderUnavailable; WHEN it comes back
    THEN the same reader object reads the card again."""
    card = slot.insert("volume")
    reader.read()
    pcscd.stop()
    try:
        with pytest.raises(ReaderUnavailable) as gone:
            reader.read()
        assert gone.value.code == "reader_unavailable"
    finally:
        pcscd.start()
    slot.insert(card)
    assert reader.read().purchase_count == 3
