"""What lets a caller see or rate a case: its applicant's identity number, or its query code (查询密码).

Case numbers are sequential (YT2026SC000123), so a number alone must open nothing: 1,000 guesses found cases,
and a kiosk could file a case's one 好差评 review for someone else. The query code is six digits printed on the
acceptance receipt beside the case number; the hall derives it from the number with its own key (the review
key, kept in the database and never sent to kiosks), so nothing is stored and nobody without the key can work
it out.

    code = case_query_code(key, "YT2026SC000123")            # "482913", printed on the receipt
    row = proven_case(conn, key, "YT2026SC000123", proof)    # proof.query_code or proof.id_number
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Protocol

from hall_server.problems import Problem

__all__ = ["case_query_code", "proven_case"]


class Proof(Protocol):
    id_number: str | None
    query_code: str | None


def case_query_code(key: bytes, case_number: str) -> str:
    digest = hmac.new(key, f"case-query-code:{case_number}".encode("utf-8"), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"


def proven_case(conn: Any, key: bytes, case_number: str, proof: Proof) -> Any:
    """The case's row when `proof` is right; case_not_found for a wrong proof as for an unknown number, so that
    neither tells whether the number exists."""
    row = conn.execute("SELECT * FROM cases WHERE case_number = ?", (case_number,)).fetchone()
    if row is None:
        raise Problem("case_not_found")
    if proof.query_code is not None:
        proven = hmac.compare_digest(proof.query_code, case_query_code(key, case_number))
    else:
        proven = hmac.compare_digest((proof.id_number or "").encode(), row["id_number"].encode())
    if not proven:
        raise Problem("case_not_found")
    return row
