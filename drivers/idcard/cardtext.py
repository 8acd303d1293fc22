"""The 256-byte text block of every card type (GA/T 490), and the read replies that carry it.

One layout table per card type, with the byte offsets of the standard; the type is the flag at
byte 248. `parse_text_block` turns a block into fields, `encode_text_block` is its inverse (the
simulator builds its cards with it). `parse_base_reply` splits a READ_BASE / READ_WITH_FINGERPRINT
reply using the lengths the frame announces, never assumed ones; `parse_captured_reply` does so for a
capture whose command is unknown. Values are UTF-16LE; trailing spaces and NULs are padding, inner
spaces (English names) are kept. A block of padding alone is not a card, and `checked_identity` is
the one place that refuses a number failing its check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.identity import CardType, Gender, IdentityCard
from drivers.idcard.errors import CardDataError, InvalidIdNumber

__all__ = [
    "TEXT_BLOCK_SIZE",
    "LONG_TERM",
    "LAYOUTS",
    "CardReply",
    "parse_text_block",
    "encode_text_block",
    "parse_base_reply",
    "parse_captured_reply",
    "parse_appended_addresses",
    "encode_appended_addresses",
    "identity_from_reply",
    "checked_identity",
]

TEXT_BLOCK_SIZE = 256
TYPE_FLAG_OFFSET = 248
APPENDED_ADDRESS_SIZE = 70
LONG_TERM = "长期"     # in the valid-to field of cards valid without end

# (field, byte offset, byte size) inside the text block. Sources: GA/T 490 (resident), the 2017 and
# 2023 foreign permanent residence card rules, and the HK/Macao/Taiwan residence permit layout.
LAYOUTS: dict[CardType, tuple[tuple[str, int, int], ...]] = {
    CardType.RESIDENT: (
        ("name", 0, 30), ("gender", 30, 2), ("nation_code", 32, 4), ("birth_date", 36, 16),
        ("address", 52, 70), ("id_number", 122, 36), ("issuing_authority", 158, 30),
        ("valid_from", 188, 16), ("valid_until", 204, 16),
    ),
    CardType.FOREIGN_2017: (
        ("english_name", 0, 120), ("gender", 120, 2), ("id_number", 122, 30), ("nationality", 152, 6),
        ("name", 158, 30), ("valid_from", 188, 16), ("valid_until", 204, 16), ("birth_date", 220, 16),
        ("card_version", 236, 4), ("issuing_authority", 240, 8), ("flag", 248, 2),
    ),
    CardType.FOREIGN_2023: (
        ("name", 0, 30), ("gender", 30, 2), ("renewal_count", 32, 4), ("birth_date", 36, 16),
        ("english_name", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("english_name_more", 220, 22), ("nationality", 242, 6),
        ("flag", 248, 2),
    ),
    CardType.HK_MACAO_TAIWAN: (
        ("name", 0, 30), ("gender", 30, 2), ("birth_date", 36, 16), ("address", 52, 70),
        ("id_number", 122, 36), ("issuing_authority", 158, 30), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("pass_number", 220, 18), ("issue_count", 238, 4), ("flag", 248, 2),
    ),
}

_TYPE_FLAGS = {ord("I"): CardType.FOREIGN_2017, ord("Y"): CardType.FOREIGN_2023, ord("J"): CardType.HK_MACAO_TAIWAN}
_FLAG_OF_TYPE = {card_type: chr(flag) for flag, card_type in _TYPE_FLAGS.items()}
_DATE_FIELDS = ("birth_date", "valid_from", "valid_until")


def _card_type(block: bytes) -> CardType:
    flag, high = block[TYPE_FLAG_OFFSET], block[TYPE_FLAG_OFFSET + 1]
    if high == 0 and flag in _TYPE_FLAGS:
        return _TYPE_FLAGS[flag]
    if (flag, high) in ((0x20, 0), (0, 0)):
        return CardType.RESIDENT
    raise CardDataError(f"unknown card type flag 0x{high:02X}{flag:02X} at byte 248 of the text block")


def _text(raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-16-le").rstrip(" \x00")
    except UnicodeDecodeError:
        raise CardDataError(f"field {field!r} of the text block is not valid UTF-16LE") from None


def _date(value: str, field: str) -> date | None:
    if field == "valid_until" and value == LONG_TERM:
        return None
    if not value:
        return None
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise CardDataError(f"field {field!r} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardDataError(f"field {field!r} is not a valid calendar date") from None


def parse_text_block(block: bytes) -> tuple[CardType, dict[str, object]]:
    """The card type and its fields, as IdentityCard keyword arguments (no photo)."""
    if len(block) != TEXT_BLOCK_SIZE:
        raise CardDataError(f"text block is {len(block)} bytes, the standard says {TEXT_BLOCK_SIZE}")
    card_type = _card_type(block)
    raw = {field: _text(block[offset : offset + size], field) for field, offset, size in LAYOUTS[card_type]}
    raw.pop("flag", None)
    if not (raw["name"] or raw.get("english_name") or raw["id_number"]):
        raise CardDataError(
            "text block is blank (no name and no ID number, only padding): not a card's data; "
            "the module answered an empty read, or the capture is not a card read"
        )
    if "english_name_more" in raw:
        # 2023 cards continue a long English name in a second field.
        more = raw.pop("english_name_more")
        raw["english_name"] = (raw["english_name"].ljust(35) + more).rstrip() if more else raw["english_name"]
    fields: dict[str, object] = dict(raw)
    fields["gender"] = Gender.from_code(raw["gender"])
    for field in _DATE_FIELDS:
        fields[field] = _date(raw[field], field)
    return card_type, fields


def encode_text_block(card_type: CardType, fields: dict[str, object]) -> bytes:
    """The inverse of `parse_text_block`: dates as date/None, gender as Gender, the rest as str."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_BLOCK_SIZE // 2))
    values = dict(fields)
    for field in _DATE_FIELDS:
        day = values.get(field)
        values[field] = day.strftime("%Y%m%d") if day else (LONG_TERM if field == "valid_until" else "")
    values["gender"] = values["gender"].value if isinstance(values.get("gender"), Gender) else values.get("gender", "")
    if card_type is CardType.FOREIGN_2023:
        name = str(values.get("english_name", ""))
        values["english_name"], values["english_name_more"] = name[:35], name[35:]
    if card_type in _FLAG_OF_TYPE:
        values["flag"] = _FLAG_OF_TYPE[card_type]
    for field, offset, size in LAYOUTS[card_type]:
        encoded = str(values.get(field, "")).encode("utf-16-le")
        if len(encoded) > size:
            raise ValueError(f"{field!r} does not fit its {size // 2} characters")
        block[offset : offset + len(encoded)] = encoded
    return bytes(block)


@dataclass(frozen=True)
class CardReply:
    """The parts of a read reply, cut by the lengths it announces."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def parse_base_reply(data: bytes, *, with_fingerprint: bool) -> CardReply:
    """Split the data of a successful READ_BASE (30 01) or READ_WITH_FINGERPRINT (30 10) reply."""
    header = 6 if with_fingerprint else 4
    if len(data) < header:
        raise CardDataError(f"read reply has {len(data)} data bytes, too short for its length fields")
    text_length = int.from_bytes(data[0:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    fingerprint_length = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    expected = header + text_length + photo_length + fingerprint_length
    if len(data) != expected:
        raise CardDataError(
            f"read reply announces {text_length}+{photo_length}+{fingerprint_length} bytes "
            f"but carries {len(data) - header}"
        )
    text_end = header + text_length
    photo_end = text_end + photo_length
    return CardReply(data[header:text_end], data[text_end:photo_end], data[photo_end:])


def parse_captured_reply(data: bytes) -> CardReply:
    """Split a read reply whose command is unknown (a capture): the layout whose lengths fit the data.

    Bytes 4-5 are a fingerprint length only in a READ_WITH_FINGERPRINT reply; in a READ_BASE reply
    they are the first text characters. So when neither layout fits, the error quotes only the text
    and photo lengths that both layouts announce in the same place.
    """
    for with_fingerprint in (False, True):
        try:
            return parse_base_reply(data, with_fingerprint=with_fingerprint)
        except CardDataError:
            continue
    if len(data) < 4:
        raise CardDataError(f"read reply has {len(data)} data bytes, too short for its length fields")
    text_length = int.from_bytes(data[0:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    raise CardDataError(
        f"read reply announces {text_length} text and {photo_length} photo bytes but carries "
        f"{len(data)} data bytes in all, which fits neither a base nor a fingerprint read: "
        "the frame was cut short, or it is not a card read"
    )


def parse_appended_addresses(data: bytes) -> tuple[str, ...]:
    """A READ_APPENDED_ADDRESS reply: one or more 70-byte UTF-16LE entries, blanks skipped."""
    if len(data) % APPENDED_ADDRESS_SIZE:
        raise CardDataError(f"appended address reply of {len(data)} bytes is not a multiple of 70")
    entries = (
        _text(data[i : i + APPENDED_ADDRESS_SIZE], "appended_address")
        for i in range(0, len(data), APPENDED_ADDRESS_SIZE)
    )
    return tuple(entry for entry in entries if entry)


def encode_appended_addresses(addresses: tuple[str, ...]) -> bytes:
    width = APPENDED_ADDRESS_SIZE // 2
    return b"".join(address.ljust(width).encode("utf-16-le") for address in addresses)


def identity_from_reply(reply: CardReply, appended_addresses: tuple[str, ...] = ()) -> IdentityCard:
    """Build the identity from a read reply; its names and addresses are registered for redaction."""
    card_type, fields = parse_text_block(reply.text)
    identity = IdentityCard(
        card_type=card_type,
        photo_wlt=reply.photo,
        fingerprint=reply.fingerprint,
        appended_addresses=appended_addresses,
        **fields,
    )
    identity.register_sensitive()
    return identity


def checked_identity(identity: IdentityCard) -> IdentityCard:
    """The identity, or InvalidIdNumber (carrying it) when its number fails its check (GB 11643)."""
    if not identity.id_number_valid:
        raise InvalidIdNumber(
            f"card number {identity.masked_id_number} fails its check digit: a misread or a forged "
            "card; ask the citizen to replace the card, and check the card if it repeats",
            identity,
        )
    return identity
