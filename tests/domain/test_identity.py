"""domain.identity.IdentityCard: immutable, masked in every printable form, wiped on demand."""

import pickle
from datetime import date

import pytest

from domain.citizen_id import check_digit
from domain.identity import CardType, Gender, IdentityCard
from domain.privacy import SensitiveValues, redact

NUMBER = "61011319850312004" + check_digit("61011319850312004")


def make_card(**overrides) -> IdentityCard:
    values = dict(card_type=CardType.RESIDENT, id_number=NUMBER, name="张测试", gender=Gender.MALE,
                  birth_date=date(1985, 3, 12), nation_code="01", address="陕西省西安市雁塔区示例路100号",
                  issuing_authority="西安市公安局雁塔分局", valid_from=date(2020, 5, 1),
                  valid_until=date(2040, 5, 1), photo_wlt=b"WLf" + bytes(range(200)), fingerprint=b"\x07" * 512)
    values.update(overrides)
    return IdentityCard(**values)


def test_masked_forms_keep_only_what_a_screen_may_show():
    card = make_card()
    assert card.masked_name == "张**"
    assert card.masked_id_number == "6101**********" + NUMBER[-4:]
    assert card.masked_address == "陕西省西安市********"


def test_repr_and_str_never_show_the_full_values():
    card = make_card()
    for text in (repr(card), str(card), f"{card}", repr([card])):
        assert NUMBER not in text and "张测试" not in text and "示例路" not in text
        assert "6101**********" in text


def test_fields_cannot_be_changed_or_deleted():
    card = make_card()
    with pytest.raises(AttributeError, match="immutable"):
        card.name = "李演示"
    with pytest.raises(AttributeError, match="immutable"):
        del card.id_number
    with pytest.raises(TypeError):
        card.photo_wlt[0] = 0


def test_it_cannot_be_pickled_out_of_reach_of_wipe():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(make_card())


def test_wipe_erases_text_and_zeroes_the_photo_buffer_in_place():
    """GIVEN a view of the photo taken before the session ended WHEN wiped THEN that memory is zero."""
    card = make_card()
    photo_view = card.photo_wlt
    card.wipe()
    assert card.wiped
    assert (card.name, card.id_number, card.address, card.birth_date) == ("", "", "", None)
    assert photo_view.tobytes() == bytes(203)
    assert card.fingerprint.tobytes() == bytes(512)
    assert "wiped" in repr(card)


def test_check_digit_validity_is_reported_per_card_type():
    assert make_card().id_number_valid
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    assert not make_card(id_number=wrong).id_number_valid
    assert make_card(card_type=CardType.FOREIGN_2017, id_number="USA610085020118").id_number_valid
    assert not make_card(card_type=CardType.FOREIGN_2017, id_number="US6100850201189").id_number_valid


def test_validity_period_and_current_address():
    card = make_card(appended_addresses=("陕西省西安市新址路1号",))
    assert card.current_address == "陕西省西安市新址路1号"
    assert card.is_valid_on(date(2030, 1, 1))
    assert not card.is_valid_on(date(2041, 1, 1)) and not card.is_valid_on(date(2019, 1, 1))
    assert not card.long_term and make_card(valid_until=None).long_term


def test_to_dict_is_masked_unless_revealed():
    masked = make_card().to_dict()
    assert masked["id_number"] == "6101**********" + NUMBER[-4:]
    assert masked["name"] == "张**" and masked["birth_date"] == "1985" and "photo_wlt_base64" not in masked
    revealed = make_card().to_dict(reveal=True)
    assert revealed["id_number"] == NUMBER and revealed["birth_date"] == "1985-03-12"
    assert revealed["nation"] == "汉" and revealed["gender"] == "男"


def test_register_sensitive_lets_the_log_filter_redact_names_and_addresses():
    registry = SensitiveValues()
    make_card(english_name="TEST PERSON ONE").register_sensitive(registry)
    text = redact("张测试 / TEST PERSON ONE / 陕西省西安市雁塔区示例路100号", registry)
    assert text == "张** / T*** ****** *** / 陕西省西安市********"


def test_a_permits_pass_number_shows_only_its_first_and_last_characters_wherever_it_is_masked():
    """GIVEN an HK/Macao/Taiwan residence permit WHEN its pass number is shown masked (property, JSON,
    log filter) THEN only H and the last digit remain; the technician's --reveal still shows it."""
    permit = make_card(card_type=CardType.HK_MACAO_TAIWAN, pass_number="H87654321")
    registry = SensitiveValues()
    permit.register_sensitive(registry)
    assert permit.masked_pass_number == "H*******1"
    assert permit.to_dict()["pass_number"] == "H*******1"
    assert redact("permit H87654321 read", registry) == "permit H*******1 read"
    assert "H87654321" not in repr(permit)
    assert permit.to_dict(reveal=True)["pass_number"] == "H87654321"
