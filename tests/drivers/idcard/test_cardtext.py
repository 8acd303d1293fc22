"""Parsing the 256-byte text block of every card type, from blocks built here at the standard's offsets."""

from datetime import date

import pytest

from domain.citizen_id import check_digit
from domain.demo_citizens import DEMO_CITIZENS
from domain.identity import CardType, Gender, nation_name
from domain.privacy import redact
from drivers.idcard.cardtext import (
    CardReply,
    encode_text_block,
    identity_from_reply,
    parse_appended_addresses,
    parse_base_reply,
    parse_captured_reply,
    parse_text_block,
)
from drivers.idcard.errors import CardDataError

RESIDENT_NUMBER = "11010519491231002" + check_digit("11010519491231002")
PERMIT_NUMBER = "81000019900101001" + check_digit("81000019900101001")
FOREIGN_2023_NUMBER = "93315619870303002" + check_digit("93315619870303002")


def text_block(fields: dict[int, str], padding: str = " ") -> bytes:
    """256 bytes of padding with each value written, UTF-16LE, at its byte offset."""
    block = bytearray((padding * 128).encode("utf-16-le"))
    for offset, value in fields.items():
        encoded = value.encode("utf-16-le")
        block[offset : offset + len(encoded)] = encoded
    return bytes(block)


def resident_block(padding: str = " ", valid_until: str = "20350101") -> bytes:
    return text_block({0: "测试甲", 30: "2", 32: "05", 36: "19491231", 52: "北京市朝阳区示例路1号",
                       122: RESIDENT_NUMBER, 158: "北京市公安局示例分局", 188: "20150101", 204: valid_until},
                      padding)


def test_resident_card_is_parsed_field_by_field():
    card_type, fields = parse_text_block(resident_block())
    assert card_type is CardType.RESIDENT
    assert fields == {
        "name": "测试甲", "gender": Gender.FEMALE, "nation_code": "05", "birth_date": date(1949, 12, 31),
        "address": "北京市朝阳区示例路1号", "id_number": RESIDENT_NUMBER,
        "issuing_authority": "北京市公安局示例分局", "valid_from": date(2015, 1, 1),
        "valid_until": date(2035, 1, 1),
    }


def test_long_term_validity_has_no_end_date():
    """GIVEN "长期" in the valid-to field THEN valid_until is None and the card is long-term."""
    _, fields = parse_text_block(resident_block(valid_until="长期"))
    assert fields["valid_until"] is None
    identity = identity_from_reply(CardReply(resident_block(valid_until="长期"), b""))
    assert identity.long_term and identity.is_valid_on(date(2099, 1, 1))


def test_nul_padding_is_stripped_like_space_padding():
    _, with_nuls = parse_text_block(resident_block(padding="\x00"))
    _, with_spaces = parse_text_block(resident_block())
    assert with_nuls == with_spaces


def test_foreign_2017_card_keeps_spaces_inside_the_english_name():
    block = text_block({0: "SAMPLE JOHN  TESTER", 120: "1", 122: "GBR110012345678", 152: "GBR",
                        158: "约翰测试", 188: "20180101", 204: "20280101", 220: "19800115", 236: "01",
                        240: "1100", 248: "I"})
    card_type, fields = parse_text_block(block)
    assert card_type is CardType.FOREIGN_2017
    assert fields == {
        "english_name": "SAMPLE JOHN  TESTER", "gender": Gender.MALE, "id_number": "GBR110012345678",
        "nationality": "GBR", "name": "约翰测试", "valid_from": date(2018, 1, 1),
        "valid_until": date(2028, 1, 1), "birth_date": date(1980, 1, 15), "card_version": "01",
        "issuing_authority": "1100",
    }


def test_foreign_2023_card_joins_a_long_english_name_from_its_two_fields():
    long_name = "EXAMPLEPERSON MARIA ANNA CHRISTINA TESTWOMAN"   # 44 characters: 35 + 9
    block = text_block({0: "示例玛丽亚", 30: "2", 32: "02", 36: "19870303", 52: long_name[:35],
                        122: FOREIGN_2023_NUMBER, 188: "20240101", 204: "20340101", 220: long_name[35:],
                        242: "AUT", 248: "Y"})
    card_type, fields = parse_text_block(block)
    assert card_type is CardType.FOREIGN_2023
    assert fields == {
        "name": "示例玛丽亚", "gender": Gender.FEMALE, "renewal_count": "02", "birth_date": date(1987, 3, 3),
        "english_name": long_name, "id_number": FOREIGN_2023_NUMBER, "valid_from": date(2024, 1, 1),
        "valid_until": date(2034, 1, 1), "nationality": "AUT",
    }


def test_hk_macao_taiwan_permit_is_parsed_field_by_field():
    block = text_block({0: "测试乙", 30: "1", 36: "19900101", 52: "广东省深圳市示例街2号", 122: PERMIT_NUMBER,
                        158: "深圳市公安局", 188: "20190101", 204: "20240101", 220: "H12345678", 238: "03",
                        248: "J"})
    card_type, fields = parse_text_block(block)
    assert card_type is CardType.HK_MACAO_TAIWAN
    assert fields == {
        "name": "测试乙", "gender": Gender.MALE, "birth_date": date(1990, 1, 1),
        "address": "广东省深圳市示例街2号", "id_number": PERMIT_NUMBER, "issuing_authority": "深圳市公安局",
        "valid_from": date(2019, 1, 1), "valid_until": date(2024, 1, 1), "pass_number": "H12345678",
        "issue_count": "03",
    }


def test_an_unknown_card_type_flag_is_a_typed_error():
    with pytest.raises(CardDataError, match="unknown card type flag 0x0051"):
        parse_text_block(text_block({248: "Q"}))


def test_an_impossible_date_is_reported_without_its_value():
    block = text_block({0: "测试丙", 36: "19491332", 122: RESIDENT_NUMBER, 188: "20150101", 204: "20350101"})
    with pytest.raises(CardDataError, match="'birth_date' is not a valid calendar date") as caught:
        parse_text_block(block)
    assert "19491332" not in str(caught.value)


def test_a_text_block_of_the_wrong_size_is_rejected():
    with pytest.raises(CardDataError, match="255 bytes"):
        parse_text_block(bytes(255))


@pytest.mark.parametrize("code, gender, label", [("0", Gender.UNKNOWN, "未知"), ("1", Gender.MALE, "男"),
                                                 ("2", Gender.FEMALE, "女"), ("9", Gender.NOT_STATED, "未说明"),
                                                 ("7", Gender.UNKNOWN, "未知")])
def test_gender_codes_follow_gb_t_2261_1(code, gender, label):
    assert Gender.from_code(code) is gender and gender.label == label


@pytest.mark.parametrize("code, name", [("01", "汉"), ("03", "回"), ("29", "柯尔克孜"), ("56", "基诺"),
                                        ("97", "其他"), ("98", "外国血统中国籍人士"), ("57", "未知"), ("", "未知")])
def test_nation_codes_follow_gb_3304(code, name):
    assert nation_name(code) == name


def test_base_reply_lengths_come_from_the_frame_not_from_constants():
    data = (256).to_bytes(2, "big") + (1000).to_bytes(2, "big") + resident_block() + bytes(1000)
    reply = parse_base_reply(data, with_fingerprint=False)
    assert len(reply.text) == 256 and len(reply.photo) == 1000 and reply.fingerprint == b""


def test_fingerprint_reply_carries_its_own_length_field():
    fingerprint = bytes(range(256)) * 2
    data = b"\x01\x00\x04\x00\x02\x00" + resident_block() + b"W" * 1024 + fingerprint
    reply = parse_base_reply(data, with_fingerprint=True)
    assert reply.photo == b"W" * 1024 and reply.fingerprint == fingerprint


def test_a_reply_shorter_than_it_announces_is_rejected():
    data = b"\x01\x00\x04\x00" + resident_block() + bytes(1000)
    with pytest.raises(CardDataError, match="announces 256\\+1024\\+0 bytes but carries 1256"):
        parse_base_reply(data, with_fingerprint=False)


@pytest.mark.parametrize("padding", [" ", "\x00"], ids=["spaces", "nuls"])
def test_a_block_of_padding_alone_is_not_a_card(padding):
    """GIVEN a text block with no name and no number (padding only) WHEN parsed THEN it is not taken
    for a resident card with empty fields: CardDataError, on the reader's path and decode's alike."""
    with pytest.raises(CardDataError, match="blank"):
        parse_text_block(text_block({}, padding))


def test_a_captured_reply_is_split_by_whichever_layout_its_lengths_fit():
    fingerprint = bytes(range(256)) * 2
    base = b"\x01\x00\x04\x00" + resident_block() + b"W" * 1024
    assert parse_captured_reply(base).fingerprint == b""
    with_fingerprint = b"\x01\x00\x04\x00\x02\x00" + resident_block() + b"W" * 1024 + fingerprint
    assert parse_captured_reply(with_fingerprint).fingerprint == fingerprint


def test_appended_addresses_are_split_in_70_byte_entries_and_blanks_skipped():
    entries = ["北京市海淀区新址路9号", "", "北京市西城区更新街3号"]
    data = b"".join(entry.ljust(35).encode("utf-16-le") for entry in entries)
    assert parse_appended_addresses(data) == ("北京市海淀区新址路9号", "北京市西城区更新街3号")
    with pytest.raises(CardDataError, match="not a multiple of 70"):
        parse_appended_addresses(data[:-1])


@pytest.mark.parametrize("citizen", DEMO_CITIZENS, ids=lambda c: c.key)
def test_the_simulators_encoder_and_the_parser_agree_on_every_demo_card(citizen):
    fields = dict(name=citizen.name, english_name=citizen.english_name, gender=Gender(citizen.gender),
                  birth_date=citizen.birth_date, address=citizen.address, id_number=citizen.id_number,
                  issuing_authority=citizen.issuing_authority, valid_from=citizen.valid_from,
                  valid_until=citizen.valid_until, nationality=citizen.nationality,
                  nation_code=citizen.nation_code)
    card_type = CardType(citizen.card_type)
    parsed_type, parsed = parse_text_block(encode_text_block(card_type, fields))
    assert parsed_type is card_type
    for key, value in parsed.items():
        if key in fields:
            assert value == fields[key], key


def test_a_card_read_registers_its_name_and_address_for_redaction():
    identity = identity_from_reply(CardReply(resident_block(), b"WLf" + bytes(1021)))
    line = f"session for 测试甲 at 北京市朝阳区示例路1号, number {RESIDENT_NUMBER}"
    assert redact(line) == "session for 测** at 北京市朝阳区*****, number 1101**********" + RESIDENT_NUMBER[-4:]
    assert identity.photo_wlt.tobytes().startswith(b"WLf")
