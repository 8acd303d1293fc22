"""Fictitious citizens shared by the demo ID cards (the reader simulator) and the demo hall database.

Every name is obviously fake (测试, 演示, 示例) and every number is made up but carries a valid GB 11643
check digit, so the kiosk's validation accepts it. The simulator places these cards; the reference hall
server seeds appointments, cases and records for the same numbers, so the demo journeys join up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.citizen_id import check_digit

__all__ = ["DemoCitizen", "DEMO_CITIZENS", "demo_citizen"]


def _number(body17: str) -> str:
    return body17 + check_digit(body17)


@dataclass(frozen=True)
class DemoCitizen:
    key: str                      # short handle for scripts: "resident", "elder", ...
    card_type: str                # resident | foreign_2017 | foreign_2023 | hk_macao_taiwan
    id_number: str                # resident/permit number, or the foreigner's card number
    name: str                     # Chinese name as printed on the card ("" when the card has none)
    gender: str                   # GB/T 2261.1 code: "1" male, "2" female
    birth_date: date
    address: str = ""
    nation_code: str = "01"       # GB 3304 code (resident cards only)
    issuing_authority: str = "西安市公安局雁塔分局"
    valid_from: date = date(2020, 5, 1)
    valid_until: date | None = date(2040, 5, 1)   # None: 长期 (long-term)
    english_name: str = ""
    nationality: str = ""         # GB/T 2659 alpha-3, foreign cards
    phone: str = ""


DEMO_CITIZENS: tuple[DemoCitizen, ...] = (
    DemoCitizen("resident", "resident", _number("61011319850312004"), "张测试", "1", date(1985, 3, 12),
                "陕西省西安市雁塔区示例路100号演示小区1栋1单元101室", phone="13800000001"),
    DemoCitizen("elder", "resident", _number("61010219480706002"), "李演示", "2", date(1948, 7, 6),
                "陕西省西安市新城区演示街8号", issuing_authority="西安市公安局新城分局",
                valid_from=date(2012, 3, 1), valid_until=None, phone="13900000002"),
    DemoCitizen("rare-name", "resident", _number("61011219920101003"), "王䶮测", "1", date(1992, 1, 1),
                "陕西省西安市未央区测试大道66号", nation_code="03", phone="13700000003"),
    DemoCitizen("foreign-2017", "foreign_2017", "USA610085020118", "", "1", date(1985, 2, 1),
                english_name="SAMPLE JOHN TEST", nationality="USA",
                issuing_authority="6101", valid_from=date(2019, 6, 1), valid_until=date(2029, 6, 1)),
    DemoCitizen("foreign-2023", "foreign_2023", _number("93361019900520001"), "示例安娜", "2",
                date(1990, 5, 20), english_name="DEMO ANNA EXAMPLE", nationality="DEU",
                issuing_authority="", valid_from=date(2024, 1, 10), valid_until=date(2034, 1, 10),
                phone="13600000004"),
    DemoCitizen("hk-permit", "hk_macao_taiwan", _number("81000019880808002"), "陈样例", "1",
                date(1988, 8, 8), "陕西省西安市碑林区样例巷3号", issuing_authority="西安市公安局",
                valid_from=date(2021, 9, 1), valid_until=date(2031, 9, 1), phone="13500000005"),
)


def demo_citizen(key: str) -> DemoCitizen:
    """The demo citizen with this key; KeyError names the known keys."""
    for citizen in DEMO_CITIZENS:
        if citizen.key == key:
            return citizen
    raise KeyError(f"no demo citizen {key!r}; known: {', '.join(c.key for c in DEMO_CITIZENS)}")
