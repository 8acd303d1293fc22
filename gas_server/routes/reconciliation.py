"""A terminal's daily reconciliation (对账): its own orders of one site day, by state and one by one."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, g, request

from gas_server.context import gas_now
from gas_server.problems import Problem
from gas_server.reconciliation import reconciliation_view

blueprint = Blueprint("reconciliation", __name__)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@blueprint.get("/v1/reconciliation")
def reconciliation() -> dict:
    text = request.args.get("date", "")
    try:
        if not _DATE.match(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise Problem("invalid_request", errors=[{"field": "date", "problem": "expected a date as YYYY-MM-DD"}],
                      detail="Fields: date.") from None
    return reconciliation_view(g.conn, g.terminal_id, day, gas_now())
