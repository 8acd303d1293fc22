"""Accounts by card: the account a card belongs to, checked against the card's purchase count, and the
card's pending rewrites (补写卡). Card numbers travel in JSON bodies, never in paths (access logs)."""

from __future__ import annotations

from flask import Blueprint, g

from gas_server import accounts, orders
from gas_server.context import gas_now
from gas_server.schemas import AccountLookup, CardOnly, parse
from gas_server.security import lookup

blueprint = Blueprint("accounts", __name__)


@blueprint.post("/v1/accounts/lookup")
@lookup
def account_by_card() -> dict:
    body = parse(AccountLookup)
    account = accounts.account_by_card(g.conn, body.card_number)
    status = accounts.card_status(g.conn, account, body.purchase_count)
    return accounts.account_view(g.conn, account, status, gas_now(), orders.pending_for_card(g.conn, body.card_number))


@blueprint.post("/v1/rewrites/lookup")
@lookup
def pending_rewrites() -> dict:
    body = parse(CardOnly)
    accounts.account_by_card(g.conn, body.card_number)
    return {"rewrites": orders.pending_for_card(g.conn, body.card_number)}
