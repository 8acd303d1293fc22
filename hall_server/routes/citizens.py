"""What the hall knows about a citizen: case progress (办件查询), 一证通办 records and printable proofs.

Names in answers are masked (the kiosk prints them), and lookups are POSTs with the identity
number in the body, so that no number ever appears in a URL or an access log.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

from flask import Blueprint, g

from domain.privacy import mask_id_number, mask_name
from hall_server import db
from hall_server.context import hall_now
from hall_server.english import named
from hall_server.problems import Problem
from hall_server.case_proof import proven_case
from hall_server.routes.reviews import review_key
from hall_server.schemas import CaseLookup, IdentityOnly, ProofRequest, parse
from hall_server.security import guard_lookup, idempotent, require_idempotency_key
from hall_server.seed import PROOF_KINDS, PROOF_TITLES_EN, RECORD_TITLES_EN
from hall_server.tickets import is_reviewed

blueprint = Blueprint("citizens", __name__)

PROOF_NUMBER_DRAWS = 20

STEP_NAMES = {"accept": "受理", "approve": "审批", "complete": "办结", "deliver": "送达"}
STATUS_NAMES = {"accepted": "已受理", "approving": "审批中", "completed": "已办结", "delivered": "已送达"}


def _case(row: sqlite3.Row) -> dict[str, Any]:
    matter = g.conn.execute("SELECT code, name, name_en FROM matters WHERE code = ?", (row["matter_code"],)).fetchone()
    steps = g.conn.execute("SELECT * FROM case_steps WHERE case_number = ? ORDER BY seq",
                           (row["case_number"],)).fetchall()
    return {
        "case_number": row["case_number"],
        "matter": named(matter),
        "applicant_masked": mask_name(row["applicant_name"]),
        "status": row["status"],
        "status_name": STATUS_NAMES[row["status"]],
        "accepted_at": row["accepted_at"],
        "due_date": row["due_date"],
        "steps": [{"step": s["step"], "name": STEP_NAMES[s["step"]], "status": s["status"], "at": s["at"],
                   "office": s["office"], "note": s["note"]} for s in steps],
        "reviewed": is_reviewed(g.conn, "case", row["case_number"]),
    }


@blueprint.post("/v1/cases/lookup")
def cases() -> dict:
    require_idempotency_key()
    body = parse(CaseLookup)
    guard_lookup(body.id_number or body.case_number or "")
    if body.case_number is not None:
        rows = [proven_case(g.conn, review_key(), body.case_number, body)]
    else:
        rows = g.conn.execute("SELECT * FROM cases WHERE id_number = ? ORDER BY accepted_at DESC",
                              (body.id_number,)).fetchall()
    return {"cases": [_case(row) for row in rows]}


@blueprint.post("/v1/records/lookup")
def records() -> dict:
    require_idempotency_key()
    body = parse(IdentityOnly)
    guard_lookup(body.id_number)
    rows = g.conn.execute("SELECT * FROM records WHERE id_number = ? ORDER BY kind", (body.id_number,)).fetchall()
    kinds = {row["kind"] for row in rows}
    return {
        "records": [{"kind": r["kind"], "title": r["title"], **_title_en(RECORD_TITLES_EN, r["kind"]),
                     "updated_at": r["updated_at"], "fields": json.loads(r["fields"])} for r in rows],
        "proofs": [{"kind": kind, "title": title, **_title_en(PROOF_TITLES_EN, kind)}
                   for kind, (title, needs) in PROOF_KINDS.items() if needs in kinds],
    }


def _title_en(titles: dict[str, str], kind: str) -> dict[str, str]:
    """{"title_en": ...} for a kind the reference data names in English, else {} (optional in the API)."""
    return {"title_en": titles[kind]} if kind in titles else {}


def _random_digits() -> int:
    """The random part of a proof number (six digits)."""
    return secrets.randbelow(10**6)


@blueprint.post("/v1/proofs")
@idempotent
def issue_proof() -> tuple[dict, int]:
    body = parse(ProofRequest)
    guard_lookup(body.id_number)
    if body.kind not in PROOF_KINDS:
        raise Problem("proof_not_available", detail="Unknown proof kind.")
    title, needs = PROOF_KINDS[body.kind]
    record = g.conn.execute("SELECT * FROM records WHERE id_number = ? AND kind = ?",
                            (body.id_number, needs)).fetchone()
    if record is None:
        raise Problem("proof_not_available")
    now = hall_now()
    holder = g.conn.execute("SELECT applicant_name FROM cases WHERE id_number = ? LIMIT 1",
                            (body.id_number,)).fetchone()
    lines = [f"证件号码：{mask_id_number(body.id_number)}"]
    if holder is not None:
        lines.insert(0, f"姓名：{mask_name(holder['applicant_name'])}")
    lines += [f"{field['label']}：{field['value']}" for field in json.loads(record["fields"])]
    lines.append(f"数据截至：{record['updated_at'][:10]}")
    with db.write(g.conn):
        for _ in range(PROOF_NUMBER_DRAWS):
            # A number or code already taken is drawn again (both are unique): a collision was a 500.
            proof_number = f"ZM{now:%Y%m%d}{_random_digits():06d}"
            code = secrets.token_hex(4).upper()
            taken = g.conn.execute("SELECT 1 FROM proofs WHERE proof_number = ? OR verification_code = ?",
                                   (proof_number, code)).fetchone()
            if taken is None:
                break
        else:
            raise Problem("database_busy", detail="No free proof number was drawn; retry.")
        g.conn.execute("INSERT INTO proofs VALUES (?, ?, ?, ?, ?, ?)",
                       (proof_number, body.kind, body.id_number, code, now.isoformat(timespec="seconds"),
                        json.dumps(lines, ensure_ascii=False)))
    return {"proof_number": proof_number, "kind": body.kind, "title": title,
            "issued_at": now.isoformat(timespec="seconds"), "verification_code": code,
            "issuer": "西安市雁塔区政务服务中心（演示）", "lines": lines}, 201
