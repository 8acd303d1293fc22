"""Matter catalogue and service guides (办事指南), and 一件事一次办 packages."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from flask import Blueprint, g, request

from hall_server.english import english, named
from hall_server.problems import Problem

blueprint = Blueprint("catalogue", __name__)

_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise Problem("invalid_request", errors=[{"field": name, "problem": "expected true or false"}])


def _summary(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        **english(row),
        "category": row["category_code"],
        "department": row["department"],
        "one_id": bool(row["one_id"]),
        "cross_region": bool(row["cross_region"]),
        "appointable": bool(row["appointable"]),
        "queue": row["queue_code"],
    }


def _packages_of(code: str) -> list[str]:
    rows = g.conn.execute("SELECT code, matter_codes FROM packages ORDER BY code").fetchall()
    return [row["code"] for row in rows if code in json.loads(row["matter_codes"])]


@blueprint.get("/v1/matters/categories")
def categories() -> dict:
    rows = g.conn.execute("SELECT c.code, c.name, c.name_en, COUNT(m.code) AS matters FROM categories c"
                          " LEFT JOIN matters m ON m.category_code = c.code GROUP BY c.code, c.name, c.name_en, c.sort"
                          " ORDER BY c.sort").fetchall()
    return {"categories": [{"code": r["code"], "name": r["name"], **english(r), "matter_count": r["matters"]}
                           for r in rows]}


@blueprint.get("/v1/matters")
def matters() -> dict:
    sql, params = ["SELECT * FROM matters WHERE 1 = 1"], []
    if category := request.args.get("category"):
        sql.append("AND category_code = ?")
        params.append(category)
    if query := request.args.get("q", "").strip():
        if len(query) > 50:
            raise Problem("invalid_request", errors=[{"field": "q", "problem": "at most 50 characters"}])
        sql.append("AND (name LIKE ? OR department LIKE ?)")
        params += [f"%{query}%", f"%{query}%"]
    for flag in ("one_id", "cross_region", "appointable"):
        if (value := _flag(flag)) is not None:
            sql.append(f"AND {flag} = ?")
            params.append(int(value))
    rows = g.conn.execute(" ".join(sql) + " ORDER BY code", params).fetchall()
    return {"matters": [_summary(row) for row in rows]}


@blueprint.get("/v1/matters/<code>")
def matter(code: str) -> dict:
    row = g.conn.execute("SELECT * FROM matters WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise Problem("matter_not_found")
    return {
        **_summary(row),
        "conditions": json.loads(row["conditions"]),
        "materials": json.loads(row["materials"]),
        "fees": row["fees"],
        "legal_days": row["legal_days"],
        "promised_days": row["promised_days"],
        "location": row["location"],
        "packages": _packages_of(code),
    }


def _package(row: sqlite3.Row) -> dict[str, Any]:
    codes = json.loads(row["matter_codes"])
    matters = {r["code"]: named(r) for r in g.conn.execute(
        f"SELECT code, name, name_en FROM matters WHERE code IN ({','.join('?' * len(codes))})", codes)}
    return {"code": row["code"], "name": row["name"], **english(row), "description": row["description"],
            "promised_days": row["promised_days"],
            "matters": [matters.get(code, {"code": code, "name": ""}) for code in codes]}


@blueprint.get("/v1/packages")
def packages() -> dict:
    rows = g.conn.execute("SELECT * FROM packages ORDER BY code").fetchall()
    return {"packages": [_package(row) for row in rows]}


@blueprint.get("/v1/packages/<code>")
def package(code: str) -> dict:
    row = g.conn.execute("SELECT * FROM packages WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise Problem("package_not_found")
    return _package(row)
