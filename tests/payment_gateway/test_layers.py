"""Who may import whom, for the payment rooms: the gateway and the payment drivers stand on domain/ only, never
on the kiosk or the screens; domain/payment imports nothing of the project's above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RULES = {
    "payment_gateway": ("kiosk", "screens", "drivers", "hall_server", "gas_server"),
    "drivers/scanner": ("kiosk", "screens", "payment_gateway", "hall_server"),
    "drivers/bankcard": ("kiosk", "screens", "payment_gateway", "hall_server"),
    "domain/payment.py": ("kiosk", "screens", "drivers", "payment_gateway", "hall_server", "gas_server"),
}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("room", RULES)
def test_a_room_imports_nothing_above_it(room):
    target = ROOT / room
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    offenders = {f"{path.relative_to(ROOT)} imports {name}" for path in files for name in imported(path)
                 if name in RULES[room]}
    assert not offenders
