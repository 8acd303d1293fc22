"""Demo data: a fictitious gas utility in Xi'an, its tariffs, and ten households of Yanta District.

The two demo gas cards of the card driver's simulator (drivers/gascard/emulator.py: "volume", an SLE4442
card 3101002468 with purchase count 3, and "amount", an AT24C02 card 561200731905 with count 7) belong to
the first two households, with the same user and meter numbers, so the demo's simulated card finds its
account. The others each show one thing a terminal meets; a test or a demo issues a virtual card for any of
them from `DEMO_HOUSEHOLDS` (card, user and meter numbers, layout, and the count the card carries).

    ============  =========================================================================================
    3101002468    volume meter, tier 1, in step (the demo card "volume")
    561200731905  amount meter (金额表), 340 m³ bought this year: a purchase crosses into tier 2 (demo "amount")
    3101002470    in arrears (128.50 元): may not buy
    3101002471    lost write: purchase 6 was paid yesterday at another terminal and the card pulled out
                  mid-write; the card still shows 5 → one pending rewrite (补写卡)
    3101002472    985 m³ of the 1000 m³ yearly limit bought: at most 15 m³ more this year
    3101002473    beyond 600 m³: tier 3
    3101002474    a new account, count 0
    561200731906  amount meter, five-person household (wider tiers)
    3101002475    2 m³ below the tier-1 end: a purchase is priced in two tiers
    3101002476    five-person household, volume meter
    ============  =========================================================================================

Names and addresses are fictitious. Seeded usage is for the year the database is seeded in.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from gas_server import db, orders
from gas_server.accounts import quote
from gas_server.schemas import OrderRequest, PaymentResult, ReadBack, WriteConfirmation

__all__ = ["seed_demo", "DemoHousehold", "DEMO_HOUSEHOLDS", "UTILITY_INFO", "TARIFFS", "household",
           "LOST_WRITE_TERMINAL"]

UTILITY_INFO = {
    "name": "西安示例燃气有限公司（演示）",
    "name_en": "Xi'an Example Gas Co. (demo)",
    "hotline": "029-00000000",
    "counter": "西安市雁塔区示例路2号 燃气营业厅（演示数据）",
    "counter_hours": "周一至周日 08:30-17:30",
    "timezone": "Asia/Shanghai",
}

# code, name, tiers (end of tier in tenths of a m³ per year, price in fen per m³), minimum, per purchase, yearly
TARIFFS = [
    ("residential", "居民阶梯气价", [(3600, 267), (6000, 320), (None, 401)], 10, 2000, 10000),
    ("residential-large", "居民阶梯气价（五人及以上户）", [(4800, 267), (8000, 320), (None, 401)], 10, 2500, 13000),
]

LOST_WRITE_TERMINAL = "yt-gas-terminal-02"


@dataclass(frozen=True)
class DemoHousehold:
    card_number: str
    account_number: str          # 用户号, the card's user number
    meter_number: str
    holder: str
    address: str
    measure: str                 # volume | amount
    layout: str                  # the card layout its card number fits (drivers/gascard/layouts.py)
    tariff: str
    card_count: int              # the purchase count its card carries
    used_this_year: int          # tenths of a m³ bought this year before the demo
    arrears_fen: int = 0
    lost_write: bool = False     # the utility sold purchase card_count + 1, which never reached the card


DEMO_HOUSEHOLDS: tuple[DemoHousehold, ...] = (
    DemoHousehold("3101002468", "610113004521", "880020241107", "王建国",
                  "雁塔区丈八街道科技路48号枫叶新都市12号楼2单元1502室", "volume", "sle4442-dual", "residential", 3, 1203),
    DemoHousehold("561200731905", "610113008832", "770019990231", "李秀兰",
                  "雁塔区小寨路街道长安中路113号航天大院3号楼1单元602室", "amount", "at24c02-slots", "residential", 7, 3400),
    DemoHousehold("3101002470", "610113005107", "880020241215", "张志强",
                  "雁塔区电子城街道电子二路67号西京社区5号楼3单元301室", "volume", "sle4442-dual", "residential", 12, 2210,
                  arrears_fen=12850),
    DemoHousehold("3101002471", "610113005233", "880020241302", "刘芳",
                  "雁塔区长延堡街道雁塔南路299号曲江春晓苑8号楼1单元1101室", "volume", "sle4442-dual", "residential", 5, 980,
                  lost_write=True),
    DemoHousehold("3101002472", "610113005378", "880020241418", "陈明",
                  "雁塔区等驾坡街道新开门北路16号紫薇田园都市K区21号楼2单元702室", "volume", "sle4442-dual",
                  "residential", 21, 9850),
    DemoHousehold("3101002473", "610113005490", "880020241520", "杨桂英",
                  "雁塔区大雁塔街道慈恩西路5号雁塔小区2号楼4单元201室", "volume", "sle4442-dual", "residential", 18, 6520),
    DemoHousehold("3101002474", "610113005561", "880020241633", "赵磊",
                  "雁塔区鱼化寨街道天台路9号绿地世纪城B区6号楼1单元2303室", "volume", "sle4442-dual", "residential", 0, 0),
    DemoHousehold("561200731906", "610113008907", "770019990318", "黄丽娟",
                  "雁塔区漳浒寨街道朱雀大街南段81号金泰假日花城11号楼3单元1702室", "amount", "at24c02-slots",
                  "residential-large", 2, 450),
    DemoHousehold("3101002475", "610113005645", "880020241749", "周建华",
                  "雁塔区曲江街道芙蓉西路1号曲江池小区3号楼1单元502室", "volume", "sle4442-dual", "residential", 9, 3580),
    DemoHousehold("3101002476", "610113005712", "880020241851", "吴静",
                  "雁塔区丈八沟街道唐延路35号旺座现代城D座1号楼1单元1203室", "volume", "sle4442-dual",
                  "residential-large", 4, 2400),
)


def household(card_number: str) -> DemoHousehold:
    for candidate in DEMO_HOUSEHOLDS:
        if candidate.card_number == card_number:
            return candidate
    raise KeyError(card_number)


def seed_demo(conn: sqlite3.Connection, now: datetime) -> None:
    """Tariffs, households and the lost write, for the year of `now` (the utility's clock)."""
    with db.write(conn):
        conn.execute("INSERT INTO settings (key, value) VALUES ('utility_info', ?)",
                     (json.dumps(UTILITY_INFO, ensure_ascii=False),))
        for code, name, tiers, minimum, per_purchase, yearly in TARIFFS:
            tiers_json = json.dumps([{"up_to_tenths_m3": end, "price_fen_per_m3": price} for end, price in tiers])
            conn.execute("INSERT INTO tariffs VALUES (?, ?, ?, ?, ?, ?)",
                         (code, name, tiers_json, minimum, per_purchase, yearly))
        for home in DEMO_HOUSEHOLDS:
            conn.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (home.account_number, home.card_number, home.meter_number, home.holder, home.address,
                          home.measure, home.tariff, home.card_count, home.arrears_fen))
            if home.used_this_year:
                conn.execute("INSERT INTO usage_before VALUES (?, ?, ?)",
                             (home.account_number, now.year, home.used_this_year))
    for home in DEMO_HOUSEHOLDS:
        if home.lost_write:
            _lose_a_write(conn, home, now - timedelta(days=1))


def _lose_a_write(conn: sqlite3.Connection, home: DemoHousehold, evening: datetime) -> None:
    """Yesterday evening, at another terminal: 50 m³ ordered and paid, the write reserved, the card pulled out
    mid-write and read back still at its old purchase. Made through the order steps themselves."""
    at = evening.replace(hour=18, minute=40, second=0, microsecond=0)
    with db.write(conn):
        account = conn.execute("SELECT * FROM accounts WHERE card_number = ?", (home.card_number,)).fetchone()
        priced = quote(conn, account, at, volume=500)
        order_id, _ = orders.create(conn, OrderRequest(card_number=home.card_number, purchase_count=home.card_count + 1,
                                                       amount_fen=priced.amount_fen, volume_tenths_m3=500),
                                    at, LOST_WRITE_TERMINAL, timedelta(minutes=10))
        orders.record_payment(conn, order_id, PaymentResult(
            outcome="paid", method="wechat_code", transaction_id=f"4200002024{at:%Y%m%d}1840000001",
            amount_fen=priced.amount_fen, paid_at=(at + timedelta(seconds=20)).isoformat()),
            at + timedelta(seconds=21), LOST_WRITE_TERMINAL)
        orders.reserve_write(conn, order_id, at + timedelta(seconds=22), LOST_WRITE_TERMINAL, timedelta(minutes=2))
        reservation = conn.execute("SELECT reservation_id FROM orders WHERE order_id = ?", (order_id,)).fetchone()[0]
        read_back = ReadBack.model_validate({"purchase_count": home.card_count,
                                             "gas": {"measure": home.measure, "value": 0}, "awaiting_meter": False})
        orders.confirm_write(conn, order_id, WriteConfirmation(reservation_id=reservation, outcome="failed",
                                                               read_back=read_back, error_code="card_removed"),
                             at + timedelta(seconds=25), LOST_WRITE_TERMINAL)
