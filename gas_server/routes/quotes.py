"""Quotes: what an amount of money buys, or what a volume of gas costs, for one card at the tariff now."""

from __future__ import annotations

from flask import Blueprint, g

from gas_server import accounts
from gas_server.context import gas_now
from gas_server.schemas import QuoteRequest, parse
from gas_server.security import lookup

blueprint = Blueprint("quotes", __name__)


@blueprint.post("/v1/quotes")
@lookup
def quote() -> dict:
    body = parse(QuoteRequest)
    account = accounts.account_by_card(g.conn, body.card_number)
    now = gas_now()
    priced = accounts.quote(g.conn, account, now, amount_fen=body.amount_fen, volume=body.volume_tenths_m3)
    return {
        "card_number": body.card_number,
        "measure": account["measure"],
        "amount_fen": priced.amount_fen,
        "volume_tenths_m3": priced.volume_tenths_m3,
        "card_gas": {"measure": priced.card_measure, "value": priced.card_value},
        "tiers": priced.tiers_json(),
        "used_this_year_tenths_m3": priced.used_before,
        "tariff_year": priced.tariff_year,
        "quoted_at": now.isoformat(timespec="seconds"),
    }
