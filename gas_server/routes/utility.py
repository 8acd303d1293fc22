"""The utility itself: its name, hotline, counter address, tariffs and business clock."""

from __future__ import annotations

import json

from flask import Blueprint, g

from gas_server.context import gas_now

blueprint = Blueprint("utility", __name__)


@blueprint.get("/v1/utility")
def utility_info() -> dict:
    info = json.loads(g.conn.execute("SELECT value FROM settings WHERE key = 'utility_info'").fetchone()["value"])
    tariffs = [{"code": row["code"], "name": row["name"], "tiers": json.loads(row["tiers"]),
                "min_purchase_tenths_m3": row["min_purchase_tenths_m3"],
                "per_purchase_tenths_m3": row["per_purchase_tenths_m3"], "yearly_tenths_m3": row["yearly_tenths_m3"]}
               for row in g.conn.execute("SELECT * FROM tariffs ORDER BY code")]
    return {**info, "tariffs": tariffs, "server_time": gas_now().isoformat(timespec="seconds")}
