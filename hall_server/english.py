"""English names in the hall API: optional fields beside the Chinese ones, left out where the hall has none.

    named(row)             # {"code": ..., "name": "社保医保综合窗口", "name_en": "Social security and medical insurance"}

Matters, queues, categories and packages keep theirs in a `name_en` column (migration 006); a material keeps its
`name_en` inside the matter's materials; record kinds and proof kinds are reference data (hall_server.seed).
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["named", "english"]


def english(row: Mapping[str, Any], column: str = "name_en") -> dict[str, str]:
    """{"name_en": ...} when the row has an English name, else {} (the field is optional in the API)."""
    try:
        value = row[column]
    except (KeyError, IndexError):
        return {}
    return {"name_en": value} if value else {}


def named(row: Mapping[str, Any]) -> dict[str, Any]:
    """A reference to a named thing (a matter, a queue): its code, its name and, when there is one, its English name."""
    return {"code": row["code"], "name": row["name"], **english(row)}
