"""The card logic over the in-process simulator: refusals, idempotent writes, read-back, layouts, the value."""

from __future__ import annotations

import pytest

from domain.gas_card import GasCard, GasCardType, GasPurchase, GasQuantity, PurchaseRefusal, mask_digits
from drivers.gascard import (
    ERROR_CODES,
    LAYOUTS,
    CardCorrupt,
    CardNeedsRewrite,
    NotAUserCard,
    PurchaseCountMismatch,
    ReaderUnavailable,
    UnknownCard,
    WriteNotVerified,
    open_reader,
)
from drivers.gascard.emulator import DEMO_CARDS, demo_card
from drivers.gascard.layouts import CardIdentity, GasRecord

VOLUME_200 = GasQuantity.volume(200)


def test_a_check_card_cannot_buy(simulated):
    reader, card, _ = simulated("check-card")
    assert reader.read().card_type is GasCardType.CHECK
    with pytest.raises(NotAUserCard):
        reader.write(GasPurchase(4, VOLUME_200))
    assert card.writes == 0


@pytest.mark.parametrize("count", [3, 5, 100])
def test_only_the_next_purchase_count_is_accepted(simulated, count):
    reader, card, _ = simulated("volume")
    with pytest.raises(PurchaseCountMismatch) as mismatch:
        reader.write(GasPurchase(count, VOLUME_200))
    assert "next purchase is 4" in str(mismatch.value) and card.writes == 0


def test_writing_the_same_purchase_twice_writes_once(simulated):
    """GIVEN a purchase on the card (its read-back lost) WHEN the kiosk writes it again THEN nothing is written."""
    reader, card, _ = simulated("volume")
    first = reader.write(GasPurchase(4, VOLUME_200))
    writes = card.writes
    assert reader.write(GasPurchase(4, VOLUME_200)) == first and card.writes == writes


def test_a_different_purchase_is_refused_on_a_card_that_needs_a_rewrite(simulated):
    reader, _, _ = simulated("disagree")          # main holds purchase 4 of 200, backup purchase 3
    with pytest.raises(CardNeedsRewrite):
        reader.write(GasPurchase(4, GasQuantity.volume(150)))
    assert reader.write(GasPurchase(4, VOLUME_200)).purchase == GasPurchase(4, VOLUME_200)


def test_a_write_the_card_ignores_is_caught_by_the_read_back(simulated):
    """GIVEN a reader that reports the PSC accepted while the card stays locked for writes THEN WriteNotVerified."""
    reader, card, _ = simulated("volume")
    genuine = card.process

    def quirky(apdu: bytes) -> bytes:
        answer = genuine(apdu)
        card.authenticated = False                 # every write is then silently ignored by the chip
        return answer

    card.process = quirky
    with pytest.raises(WriteNotVerified):
        reader.write(GasPurchase(4, VOLUME_200))


def test_a_corrupt_identity_area_is_reported(simulated):
    reader, card, _ = simulated("volume")
    card.memory[0x24] ^= 0xFF
    with pytest.raises(CardCorrupt):
        reader.read()


def test_both_gas_areas_torn_is_corrupt(simulated):
    reader, card, _ = simulated("volume")
    card.memory[0x47] ^= 0xFF
    card.memory[0x57] ^= 0xFF
    with pytest.raises(CardCorrupt):
        reader.read()
    assert reader.check().verdict == "corrupt"


def test_a_site_layout_for_another_chip_refuses_the_card():
    reader = open_reader("simulator", layout="at24c02-slots", card="volume")
    with pytest.raises(UnknownCard):
        reader.read()


def test_the_simulated_reader_unplugged(simulated):
    reader, _, holder = simulated("volume")
    holder.unplug()
    with pytest.raises(ReaderUnavailable):
        reader.read()
    holder.replug()
    assert reader.read().purchase_count == 3


@pytest.mark.parametrize("name", sorted(DEMO_CARDS))
def test_every_demo_card_builds(name):
    assert demo_card(name).atr


def test_layouts_issue_what_they_decode_and_refuse_the_other_measure():
    for layout in LAYOUTS.values():
        identity = CardIdentity(GasCardType.USER, "1234567890", "987654321012", "555000111222", 2)
        record = GasRecord(GasPurchase(9, layout.quantity(77)), True)
        decoded = layout.decode(layout.issue(identity, record))
        assert decoded.identity.user_number == identity.user_number and decoded.identity.reissue_count == 2
        assert decoded.identity.card_number.endswith(identity.card_number)
        assert decoded.current.purchase == record.purchase  # type: ignore[union-attr]
        other = GasQuantity.amount(1) if layout.measure.value == "volume" else GasQuantity.volume(1)
        with pytest.raises(ValueError):
            layout.issue(identity, GasRecord(GasPurchase(1, other), False))


def test_error_codes_are_stable_and_unique():
    assert {"needs_rewrite", "psc_locked", "psc_last_attempt", "wrong_psc", "unknown_card", "card_removed",
            "reader_unavailable", "card_holds_gas", "awaiting_meter", "vendor_timeout"} <= set(ERROR_CODES)
    assert all(cls.code == code for code, cls in ERROR_CODES.items())


def test_the_gas_card_value_guards_itself():
    card = GasCard("sle4442-dual", GasCardType.USER, "3101002468", "610113004521", "880020241107", 3,
                   GasQuantity.volume(0), False)
    assert card.refusal() is None and card.next_purchase(VOLUME_200) == GasPurchase(4, VOLUME_200)
    assert card.with_purchase(GasPurchase(4, VOLUME_200)).refusal() is PurchaseRefusal.AWAITING_METER
    assert card.to_dict()["card_number"] == "31****2468" and card.to_dict(reveal=True)["card_number"] == "3101002468"
    with pytest.raises(ValueError):
        card.next_purchase(GasQuantity.amount(100))
    with pytest.raises(TypeError):
        GasQuantity.volume(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        GasPurchase(-1, VOLUME_200)
    assert str(GasQuantity.volume(125)) == "12.5 m³" and str(GasQuantity.amount(3005)) == "¥30.05"
    assert mask_digits("1234") == "****" and mask_digits("123456") == "****56"
