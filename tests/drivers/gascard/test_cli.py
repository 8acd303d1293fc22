"""The technician CLI: the issue's acceptance run through pcscd, masking, exit codes 0 / 2 / 3."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.gascard.__main__ import main

REPO = Path(__file__).resolve().parents[3]


def cli(pcscd, *argv: str) -> tuple[int, dict]:
    """`python -m drivers.gascard ...` as a technician runs it, in its own process, against the private pcscd."""
    done = subprocess.run([sys.executable, "-m", "drivers.gascard", *argv, "--wait", "5"], cwd=REPO,
                          env={**os.environ, **pcscd.environment}, capture_output=True, text=True, timeout=60)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def run(*argv: str) -> tuple[int, dict]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, json.loads(out.getvalue())


def test_acceptance_read_write_read_then_a_pulled_card_needs_a_rewrite(slot, pcscd):
    """GIVEN the demo card in the virtual reader WHEN read, written, read THEN masked output with the new purchase;
    WHEN a write is cut by pulling the card THEN `check` reports it as needing a rewrite, not as a valid card."""
    card = slot.insert("volume")
    status, first = cli(pcscd, "read")
    assert status == 0 and first["card_number"] == "31****2468" and first["purchase_count"] == 3
    assert "3101002468" not in json.dumps(first) and "610113004521" not in json.dumps(first)

    status, written = cli(pcscd, "write", "--count", "4", "--volume", "200")
    assert status == 0 and written["result"] == "written"
    status, second = cli(pcscd, "read")
    assert (status, second["purchase_count"], second["gas"], second["awaiting_meter"]) == (0, 4, 200, True)

    card.meter_takes_gas()
    card.pull_after(5)                       # the emulator's fault switch: out after 5 more bytes
    status, pulled = cli(pcscd, "write", "--count", "5", "--volume", "150")
    assert status == 3 and pulled["code"] == "card_removed"
    slot.wait_gone()
    slot.insert(card)
    status, report = cli(pcscd, "check")
    assert status == 3 and report["result"] == "needs_rewrite" and report["card"] is None
    status, refused = cli(pcscd, "read")
    assert status == 3 and refused["code"] == "needs_rewrite" and refused["records"] == [
        {"purchase_count": 4, "gas": 0}]


def test_read_reveals_only_when_asked(slot, pcscd):
    slot.insert("amount")
    status, card = cli(pcscd, "read", "--reveal")
    assert status == 0 and card["card_number"] == "561200731905" and card["gas_unit"] == "fen"


def test_readers_lists_the_virtual_reader(slot, pcscd):
    slot.insert("unknown")
    status, listed = cli(pcscd, "readers")
    [reader] = [r for r in listed["readers"] if r["name"] == pcscd.reader]
    assert status == 0 and reader["card_present"] and reader["card"] == "unknown"


@pytest.mark.parametrize("argv", [
    ["write", "--backend", "simulator", "--count", "4"],
    ["write", "--backend", "simulator", "--count", "4", "--volume", "1", "--amount", "1"],
    ["write", "--backend", "simulator", "--count", "-1", "--volume", "1"],
    ["write", "--backend", "simulator", "--count", "4", "--amount", "100"],      # a volume card
    ["read", "--backend", "vendor"],                                              # no --library
])
def test_bad_input_exits_2(argv):
    status, result = run(*argv)
    assert status == 2 and result["code"] == "bad_input"


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as usage:
        main(["write", "--volume", "1"])
    assert usage.value.code == 2


@pytest.mark.parametrize("card, code", [("locked", "psc_locked"), ("holds-gas", "card_holds_gas"),
                                        ("unknown", "unknown_card"), ("none", "no_card")])
def test_card_faults_exit_3_with_their_code(card, code):
    status, result = run("write", "--backend", "simulator", "--card", card, "--count", "4", "--volume", "10",
                         "--wait", "0")
    assert status == 3 and result["code"] == code


def test_simulate_private_serves_another_process():
    """GIVEN `simulate --private` (a second private pcscd, beside the session's) THEN `read` in another process
    reads its card through it, and both pcscd instances live side by side."""
    own = {name: value for name, value in os.environ.items() if name != "PCSCLITE_CSOCK_NAME"}
    simulate = subprocess.Popen([sys.executable, "-m", "drivers.gascard", "simulate", "--private", "--card", "amount"],
                                cwd=REPO, env=own, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(simulate.stdout.readline())
        assert started["result"] == "simulating", started
        environment = {**os.environ, "PCSCLITE_CSOCK_NAME": started["PCSCLITE_CSOCK_NAME"]}
        done = subprocess.run([sys.executable, "-m", "drivers.gascard", "read", "--wait", "5"], cwd=REPO,
                              env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and json.loads(done.stdout)["layout"] == "at24c02-slots"
        simulate.stdin.write("meter\nquit\n")
        simulate.stdin.flush()
        assert json.loads(simulate.stdout.readline()) == {"result": "ok", "command": "meter"}
        assert simulate.wait(timeout=30) == 0
    finally:
        if simulate.poll() is None:
            simulate.kill()
