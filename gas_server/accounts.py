"""Accounts seen through their cards: where the card's purchase count stands against the utility's, what the
household has bought this tariff year, and what a purchase would cost (quotes, limits, arrears).

The purchase count (购气次数) is the thread that ties card and utility together. The utility's count is the
highest count of an order whose money it holds (paid, being written, written, or failed to write), or the
account's count from before this system. At most one of those orders is not yet confirmed on the card
(a pending rewrite, 补写卡): a new order is refused while one is. So a card's count C reads as:

    ==========================  =================  ===================================================
    card count C                card_status        meaning
    ==========================  =================  ===================================================
    C = utility's               ok                 in step; a new purchase has count C + 1
    C = utility's, one pending  confirm_pending    the card carries the pending purchase, unconfirmed
    C = utility's − 1, pending  rewrite_pending    the pending purchase never reached the card: write it
    anything else               (409 purchase_count_mismatch: the counter, never the terminal)
    ==========================  =================  ===================================================
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from gas_server.problems import Problem
from gas_server.tariff import Tariff, Tier, TierPart

__all__ = ["MONEY_STATES", "PENDING_STATES", "Limits", "Quote", "account_by_card", "tariff_of", "server_count",
           "pending_order_id", "used_in_year", "card_status", "quote", "account_view", "mask_address",
           "mask_holder"]

MONEY_STATES = ("paid", "write_reserved", "written", "write_failed")    # the utility holds the money
PENDING_STATES = ("paid", "write_reserved", "write_failed")             # ... and the card does not yet
_IN_MONEY = "('paid', 'write_reserved', 'written', 'write_failed')"
_IN_PENDING = "('paid', 'write_reserved', 'write_failed')"


@dataclass(frozen=True)
class Limits:
    min_purchase: int          # tenths of a m³, per purchase
    per_purchase: int
    yearly: int


@dataclass(frozen=True)
class Quote:
    amount_fen: int            # what the citizen pays
    volume_tenths_m3: int      # the gas it buys (for an amount meter: at the tariff now)
    card_measure: str          # what the card is written with: its measure ...
    card_value: int            # ... and value (tenths of a m³, or fen)
    parts: tuple[TierPart, ...]
    used_before: int           # bought this tariff year before this purchase
    tariff_year: int

    def tiers_json(self) -> list[dict[str, int]]:
        return [part.to_dict() for part in self.parts]


def account_by_card(conn: sqlite3.Connection, card_number: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM accounts WHERE card_number = ?", (card_number,)).fetchone()
    if row is None:
        raise Problem("card_not_found")
    return row


def tariff_of(conn: sqlite3.Connection, account: sqlite3.Row) -> tuple[sqlite3.Row, Tariff, Limits]:
    row = conn.execute("SELECT * FROM tariffs WHERE code = ?", (account["tariff_code"],)).fetchone()
    tiers = tuple(Tier(t["up_to_tenths_m3"], t["price_fen_per_m3"]) for t in json.loads(row["tiers"]))
    return row, Tariff(tiers), Limits(row["min_purchase_tenths_m3"], row["per_purchase_tenths_m3"],
                                      row["yearly_tenths_m3"])


def server_count(conn: sqlite3.Connection, account: sqlite3.Row) -> int:
    row = conn.execute(f"SELECT MAX(purchase_count) FROM orders WHERE card_number = ? AND state IN {_IN_MONEY}",
                       (account["card_number"],)).fetchone()
    return max(account["purchase_count_base"], row[0] or 0)


def pending_order_id(conn: sqlite3.Connection, card_number: str) -> str | None:
    row = conn.execute(f"SELECT order_id FROM orders WHERE card_number = ? AND state IN {_IN_PENDING}"
                       " ORDER BY purchase_count DESC LIMIT 1", (card_number,)).fetchone()
    return row["order_id"] if row else None


def used_in_year(conn: sqlite3.Connection, account: sqlite3.Row, year: int) -> int:
    before = conn.execute("SELECT volume_tenths_m3 FROM usage_before WHERE account_number = ? AND year = ?",
                          (account["account_number"], year)).fetchone()
    bought = conn.execute(f"SELECT COALESCE(SUM(volume_tenths_m3), 0) FROM orders WHERE account_number = ?"
                          f" AND tariff_year = ? AND state IN {_IN_MONEY}",
                          (account["account_number"], year)).fetchone()[0]
    return (before[0] if before else 0) + bought


def card_status(conn: sqlite3.Connection, account: sqlite3.Row, card_count: int) -> str:
    """ok, confirm_pending or rewrite_pending (table above); 409 purchase_count_mismatch otherwise."""
    count = server_count(conn, account)
    pending = pending_order_id(conn, account["card_number"]) is not None
    if card_count == count:
        return "confirm_pending" if pending else "ok"
    if pending and card_count == count - 1:
        return "rewrite_pending"
    raise Problem("purchase_count_mismatch", detail=f"The card shows {card_count}; the utility's count is {count}.")


def quote(conn: sqlite3.Connection, account: sqlite3.Row, now: datetime, *, amount_fen: int | None = None,
          volume: int | None = None) -> Quote:
    """The purchase asked for (by money or by gas) at the tariff now, within the limits; refuses arrears.

    A volume meter's card gets the volume; an amount given buys the most gas it pays for, and the citizen
    pays that gas's exact price (never more than the amount). An amount meter's card gets money: an amount
    given is charged and written as it is, with the volume it buys at the tariff now counted against the
    limits; a volume given is charged and written at its price.
    """
    if account["arrears_fen"] > 0:
        raise Problem("account_in_arrears", detail=f"Arrears {account['arrears_fen']} fen.")
    _row, tariff, limits = tariff_of(conn, account)
    used = used_in_year(conn, account, now.year)
    if volume is None:
        assert amount_fen is not None
        volume = tariff.volume_for(used, amount_fen)
        charged = amount_fen if account["measure"] == "amount" else tariff.price(used, volume).amount_fen
    else:
        charged = tariff.price(used, volume).amount_fen
    if volume < limits.min_purchase:
        raise Problem("below_minimum_purchase", detail=f"Minimum {limits.min_purchase} tenths of a m³.")
    if volume > limits.per_purchase:
        raise Problem("purchase_limit_exceeded", detail=f"At most {limits.per_purchase} tenths of a m³ at once.")
    if used + volume > limits.yearly:
        raise Problem("yearly_limit_exceeded",
                      detail=f"{max(0, limits.yearly - used)} tenths of a m³ left this year.")
    priced = tariff.price(used, volume)
    card_value = volume if account["measure"] == "volume" else charged
    return Quote(charged, volume, account["measure"], card_value, priced.parts, used, now.year)


def mask_holder(name: str) -> str:
    """The household's name as a terminal may show it: the surname, the rest masked (王建国 → 王**)."""
    return name[:1] + "*" * (len(name) - 1)


def mask_address(address: str) -> str:
    """District and street kept, every digit after them masked: the household recognises its community,
    a passer-by learns no door (雁塔区丈八街道科技路**号枫叶新都市**号楼*单元****室)."""
    head, tail = address[:10], address[10:]
    return head + re.sub(r"[0-9]", "*", tail)


def account_view(conn: sqlite3.Connection, account: sqlite3.Row, status: str, now: datetime,
                 pending_orders: list[dict]) -> dict:
    tariff_row, tariff, limits = tariff_of(conn, account)
    used = used_in_year(conn, account, now.year)
    room = min(limits.per_purchase, max(0, limits.yearly - used))
    max_now = room if room >= limits.min_purchase else 0
    refusal = None
    if status != "ok":
        refusal = "rewrite_pending"
    elif account["arrears_fen"] > 0:
        refusal = "account_in_arrears"
    elif max_now == 0:
        refusal = "yearly_limit_reached"
    return {
        "card_number": account["card_number"],
        "account_number": account["account_number"],
        "meter_number": account["meter_number"],
        "holder_masked": mask_holder(account["holder"]),
        "address_masked": mask_address(account["address"]),
        "measure": account["measure"],
        "purchase_count": server_count(conn, account),
        "card_status": status,
        "can_buy": refusal is None,
        "refusal": refusal,
        "arrears_fen": account["arrears_fen"],
        "tariff": {"code": tariff_row["code"], "name": tariff_row["name"], "year": now.year,
                   "tiers": tariff.to_list()},
        "limits": {"min_purchase_tenths_m3": limits.min_purchase, "per_purchase_tenths_m3": limits.per_purchase,
                   "yearly_tenths_m3": limits.yearly, "used_this_year_tenths_m3": used,
                   "max_now_tenths_m3": max_now, "max_now_amount_fen": tariff.price(used, max_now).amount_fen},
        "pending_orders": pending_orders,
        "server_time": now.isoformat(timespec="seconds"),
    }
