"""The citizen's identity as read from an ID card or permit: immutable, masked by default, wipeable.

An `IdentityCard` is what the reader hands to the session. Screens and logs use the `masked_*`
forms; `repr` and `str` show only masked values, so an identity that ends up in a log line or an
exception leaks nothing. The session calls `wipe()` when it ends: text fields are emptied and the
photo and fingerprint buffers are zeroed in place.

    >>> card.masked_name, card.masked_id_number, card.masked_address
    ('张**', '6101**********0045', '陕西省西安市********')
    >>> card
    IdentityCard(resident, name='张**', id_number='6101**********0045')
"""

from __future__ import annotations

import base64
import re
from datetime import date
from enum import Enum

from domain.citizen_id import is_valid_id_number
from domain.privacy import (
    SensitiveValues,
    mask_address,
    mask_id_number,
    mask_name,
    mask_pass_number,
    sensitive_values,
)

__all__ = ["CardType", "Gender", "IdentityCard", "NATIONS", "nation_name"]


class CardType(Enum):
    """The document on the reader (the flag at byte 248 of the text block, GA/T 490)."""

    RESIDENT = "resident"                     # 居民身份证
    FOREIGN_2017 = "foreign_2017"             # 外国人永久居留身份证 (2017, 'I')
    FOREIGN_2023 = "foreign_2023"             # 外国人永久居留身份证 (2023, 'Y')
    HK_MACAO_TAIWAN = "hk_macao_taiwan"       # 港澳台居民居住证 ('J')


class Gender(Enum):
    """GB/T 2261.1 sex codes."""

    UNKNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    NOT_STATED = "9"

    @classmethod
    def from_code(cls, code: str) -> Gender:
        for gender in cls:
            if gender.value == code:
                return gender
        return cls.UNKNOWN

    @property
    def label(self) -> str:
        return {"0": "未知", "1": "男", "2": "女", "9": "未说明"}[self.value]


# GB 3304 nation codes. 57 and any other code are "unknown" (some vendor tables disagree on them).
NATIONS: dict[str, str] = dict(
    zip(
        [f"{n:02d}" for n in range(1, 57)] + ["97", "98"],
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 "
        "水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
        "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 其他 "
        "外国血统中国籍人士".split(),
    )
)


def nation_name(code: str) -> str:
    return NATIONS.get(code, "未知")


_FOREIGN_2017_NUMBER = re.compile(r"[A-Z]{3}\d{12}")

_TEXT_FIELDS = (
    "name", "english_name", "nation_code", "address", "id_number", "issuing_authority",
    "nationality", "pass_number", "issue_count", "renewal_count", "card_version",
)


class IdentityCard:
    """One card's data. Immutable; `wipe()` is the only mutation and it only ever erases."""

    __slots__ = _TEXT_FIELDS + (
        "card_type", "gender", "birth_date", "valid_from", "valid_until", "appended_addresses",
        "_photo", "_fingerprint", "_wiped",
    )

    def __init__(
        self,
        *,
        card_type: CardType,
        id_number: str,
        name: str = "",
        english_name: str = "",
        gender: Gender = Gender.UNKNOWN,
        birth_date: date | None = None,
        nation_code: str = "",
        address: str = "",
        issuing_authority: str = "",
        valid_from: date | None = None,
        valid_until: date | None = None,
        nationality: str = "",
        pass_number: str = "",
        issue_count: str = "",
        renewal_count: str = "",
        card_version: str = "",
        appended_addresses: tuple[str, ...] = (),
        photo_wlt: bytes = b"",
        fingerprint: bytes = b"",
    ) -> None:
        values = dict(
            card_type=card_type, id_number=id_number, name=name, english_name=english_name,
            gender=gender, birth_date=birth_date, nation_code=nation_code, address=address,
            issuing_authority=issuing_authority, valid_from=valid_from, valid_until=valid_until,
            nationality=nationality, pass_number=pass_number, issue_count=issue_count,
            renewal_count=renewal_count, card_version=card_version,
            appended_addresses=tuple(appended_addresses),
            # bytearrays so that wipe() can zero the very memory that held them.
            _photo=bytearray(photo_wlt), _fingerprint=bytearray(fingerprint), _wiped=False,
        )
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("IdentityCard is immutable; wipe() is the only way to change it")

    def __delattr__(self, key: str) -> None:
        raise AttributeError("IdentityCard is immutable")

    def __reduce__(self):
        # Pickling would copy personal data out of reach of wipe(); nothing needs it.
        raise TypeError("IdentityCard cannot be pickled")

    # -- derived values ---------------------------------------------------------------------------

    @property
    def photo_wlt(self) -> memoryview:
        """The raw 1024-byte WLT photo, read-only; decoding needs a licensed vendor library."""
        return memoryview(self._photo).toreadonly()

    @property
    def fingerprint(self) -> memoryview:
        return memoryview(self._fingerprint).toreadonly()

    @property
    def wiped(self) -> bool:
        return self._wiped

    @property
    def nation(self) -> str:
        return nation_name(self.nation_code) if self.nation_code else ""

    @property
    def display_name(self) -> str:
        """The name to greet with: the Chinese name, else the English one."""
        return self.name or self.english_name

    @property
    def current_address(self) -> str:
        """The newest appended address if the card carries one, else the printed address."""
        return self.appended_addresses[-1] if self.appended_addresses else self.address

    @property
    def long_term(self) -> bool:
        """A card valid without end ("长期")."""
        return self.valid_until is None and self.valid_from is not None

    @property
    def id_number_valid(self) -> bool:
        """GB 11643 check digit for resident, 'J' and 'Y' cards; the letter-and-digit shape for 'I'."""
        if self.card_type is CardType.FOREIGN_2017:
            return bool(_FOREIGN_2017_NUMBER.fullmatch(self.id_number))
        return is_valid_id_number(self.id_number)

    def is_valid_on(self, day: date) -> bool:
        """Whether the card is within its validity period on `day`."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until

    # -- masked forms -----------------------------------------------------------------------------

    @property
    def masked_name(self) -> str:
        return mask_name(self.display_name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_address(self) -> str:
        return mask_address(self.current_address)

    @property
    def masked_pass_number(self) -> str:
        """The HK/Macao/Taiwan permit's travel permit number, first and last characters only."""
        return mask_pass_number(self.pass_number)

    def register_sensitive(self, registry: SensitiveValues = sensitive_values) -> None:
        """Tell the log filter the values without a shape of their own (names, addresses, the permit
        number) that it must redact."""
        registry.register(self.name, mask_name(self.name))
        registry.register(self.english_name, mask_name(self.english_name))
        registry.register(self.pass_number, self.masked_pass_number)
        for address in (self.address, *self.appended_addresses):
            registry.register(address, mask_address(address))

    def to_dict(self, *, reveal: bool = False) -> dict[str, object]:
        """JSON-ready fields; masked unless `reveal` (technician CLI only, never logs)."""
        def shown(value: str, mask) -> str:
            return value if reveal or not value else mask(value)

        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        result: dict[str, object] = {
            "card_type": self.card_type.value,
            "name": shown(self.name, mask_name),
            "english_name": shown(self.english_name, mask_name),
            "gender": self.gender.label,
            "nation": self.nation,
            "birth_date": day(self.birth_date) if reveal else (f"{self.birth_date.year}" if self.birth_date else None),
            "address": shown(self.address, mask_address),
            "appended_addresses": [shown(a, mask_address) for a in self.appended_addresses],
            "id_number": shown(self.id_number, mask_id_number),
            "id_number_valid": self.id_number_valid,
            "issuing_authority": self.issuing_authority,
            "valid_from": day(self.valid_from),
            "valid_until": day(self.valid_until) if self.valid_until else ("长期" if self.long_term else None),
            "nationality": self.nationality,
            "pass_number": shown(self.pass_number, mask_pass_number),
            "issue_count": self.issue_count,
            "renewal_count": self.renewal_count,
            "card_version": self.card_version,
            "photo_bytes": len(self._photo),
            "fingerprint_bytes": len(self._fingerprint),
        }
        if reveal:
            result["photo_wlt_base64"] = base64.b64encode(self._photo).decode("ascii")
        return result

    # -- end of session ---------------------------------------------------------------------------

    def wipe(self) -> None:
        """Erase every personal field; the photo and fingerprint bytes are zeroed in place."""
        for key in _TEXT_FIELDS:
            object.__setattr__(self, key, "")
        for key in ("birth_date", "valid_from", "valid_until"):
            object.__setattr__(self, key, None)
        object.__setattr__(self, "appended_addresses", ())
        object.__setattr__(self, "gender", Gender.UNKNOWN)
        for buffer in (self._photo, self._fingerprint):
            buffer[:] = bytes(len(buffer))
        object.__setattr__(self, "_wiped", True)

    def __repr__(self) -> str:
        state = ", wiped" if self._wiped else ""
        return (
            f"IdentityCard({self.card_type.value}, name={self.masked_name!r}, "
            f"id_number={self.masked_id_number!r}{state})"
        )

    __str__ = __repr__
