"""The technician CLI: JSON out, card masked, exit 0 done / 2 bad input / 3 terminal fault."""

from __future__ import annotations

import io
import json

from drivers.bankcard.__main__ import EXIT_FAULT, EXIT_OK, EXIT_USAGE, main


def run(*argv: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_sale_on_the_simulator_shows_the_pad_prompt_and_a_masked_card():
    status, lines = run("sale", "--backend", "simulator", "--order", "GT20261123000042", "--amount", "100")
    assert status == EXIT_OK
    assert lines[-1]["result"] == "approved" and lines[-1]["card"] == "622202*********0123"
    assert {"progress": "take_card", "seconds_left": None} in lines


def test_a_declined_sale_is_done_not_a_fault():
    status, lines = run("sale", "--backend", "simulator", "--outcome", "declined", "--order", "GT20261123000042",
                        "--amount", "100")
    assert (status, lines[-1]["result"], lines[-1]["response_code"]) == (EXIT_OK, "declined", "51")


def test_the_vendor_library_and_its_module(ums_library, ums_dir):
    status, lines = run("status", "--library", str(ums_library))
    assert (status, lines[0]["result"], lines[0]["slot"]) == (EXIT_OK, "ready", "empty")
    status, lines = run("query", "--library", str(ums_library), "--order", "GT20261123000042")
    assert (status, lines[0]["result"]) == (EXIT_OK, "not_found")
    (ums_dir / "init_fail").write_text("")
    status, lines = run("status", "--library", str(ums_library))
    assert (status, lines[0]["code"]) == (EXIT_FAULT, "terminal_unavailable")


def test_bad_input_exits_2(ums_library):
    assert run("sale", "--backend", "simulator", "--order", "x", "--amount", "100")[0] == EXIT_USAGE
    assert run("sale", "--backend", "simulator", "--order", "GT20261123000042", "--amount", "0")[0] == EXIT_USAGE
    assert run("sale", "--backend", "vendor", "--order", "GT20261123000042", "--amount", "100")[0] == EXIT_USAGE
    assert run("frobnicate")[0] == EXIT_USAGE
