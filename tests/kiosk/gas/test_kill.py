"""SIGKILL of the kiosk at every step of the top-up saga, and at hundreds of random moments, each followed by
a restart: for every purchase, paid and written once, or the money given back, or a voucher printed; never
written twice; no money lost; and the day's reconciliation balanced.

The test's process holds everything that must outlive the kiosk: the live utility and payment gateway on
loopback, the printer simulator on loopback TCP, the gas card (in the simulated reader's slot, served over a
socket: tests/fixtures/gas_card_socket.py) and the gas meter the card goes into between visits. The kiosk is
a child process (tests/kiosk/gas/saga_child.py), forked from a server that has imported it once, that starts
up (recovery) and serves one citizen; it kills itself at the planned moment — a journal step ("before" or
"after" its commit) or a tick (any journal commit, card APDU or HTTP request, before or after) drawn from a
seeded random generator over a whole run's ticks. Nothing waits on time: the utility's clock is moved by
hand, WeChat's waits pass on a virtual clock.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from domain.gas_card import GasPurchase
from domain.payment import PaymentMethod
from drivers.gascard.emulator import SimulatedReader
from drivers.gascard.layouts import layout_named
from drivers.printer.escpos_reader import printed_text
from drivers.printer.simulator import PrinterSimulator
from kiosk.gas.journal import Journal, JournalEntry, PrintState, PurchaseState, journal_key
from kiosk.gas.payments import Payments
from kiosk.gas.payments.wechat import WeChatPayBackend
from kiosk.gas.reconciliation import reconcile
from payment_gateway.behaviours import Behaviour
from tests.fixtures.gas_card_socket import CardSocketServer
from tests.fixtures.gas_utility import TERMINALS
from tests.kiosk.gas import saga_child
from tests.fixtures.gas_world import INSUFFICIENT, JOURNAL_SECRET, NEVER_CONFIRMS, PAYS_AT_ONCE, virtual_card

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload([saga_child.PRELOAD])
KILLED = -9
RANDOM_KILLS = 200
SEED = 20261123
UNRESOLVED = "134567890000000042"       # its gateway answers fail until the reverse gives up: no final answer
STEP_EVERY_RUN = 150                    # seconds of the utility's clock per visit: write reservations expire


@dataclass
class Meter:
    """The household's gas meter: the citizen takes the card home once the kiosk has printed that the gas is
    on it (the utility has the purchase written), and the meter takes the gas off it, once per purchase. A
    citizen whose visit was cut leaves the card in the reader for the kiosk to finish."""

    taken: list[GasPurchase] = field(default_factory=list)

    def take(self, slot: SimulatedReader, written_counts: set[int]) -> None:
        card = slot.card
        if card is None:
            return
        decoded = layout_named("sle4442-dual").decode(bytes(card.memory))
        current = decoded.current
        if current is not None and current.awaiting_meter and current.purchase.count in written_counts:
            self.taken.append(current.purchase)
            card.meter_takes_gas()


@dataclass
class KillWorld:
    utility: object
    gateway: object
    folder: Path
    printer: PrinterSimulator
    slot: SimulatedReader
    server: CardSocketServer
    meter: Meter = field(default_factory=Meter)
    outcomes: Counter = field(default_factory=Counter)
    killed_at: Counter = field(default_factory=Counter)
    card: object = None

    def config(self, terminal: int = 1, *, kill: dict | None = None, purchase: bool = True, code: str = PAYS_AT_ONCE,
               amount_fen: int = 500, ticks_file: str = "", refund_failed_writes: bool = False) -> dict:
        terminal_id = self.utility.terminal_ids[terminal - 1]
        keys = self.gateway.keys
        return {
            "journal": str(self.folder / f"t{terminal}" / "gas-journal.sqlite3"), "journal_secret": JOURNAL_SECRET,
            "terminal_id": terminal_id, "terminal_key": TERMINALS[terminal_id], "utility_url": self.utility.base_url,
            "instant": self.utility.clock.now(), "printer": f"tcp://127.0.0.1:{self.printer.address[1]}",
            "card_socket": self.server.path, "error_file": str(self.folder / "child-error.txt"),
            "wechat": dict(mchid=keys.mchid, appid=keys.appid, merchant_serial_no=keys.merchant_serial_no,
                           merchant_private_key=keys.merchant.private_pem, platform_public_key=keys.platform.public_pem,
                           platform_public_key_id=keys.platform_public_key_id, base_url=self.gateway.base_url),
            "kill": kill or {}, "purchase": purchase, "code": code, "amount_fen": amount_fen, "ticks_file": ticks_file,
            "refund_failed_writes": refund_failed_writes,
        }

    def run(self, config: dict, *, card: str = "in") -> int:
        """One visit: the card put in (or left out), the kiosk run (maybe killed), the meter fed after."""
        if card == "in" and self.slot.card is None:
            self.slot.insert(self.card)
        elif card == "out":
            self.slot.remove()
        process = CONTEXT.Process(target=saga_child.run, args=(config,))
        process.start()
        process.join(timeout=120)
        assert process.exitcode in (0, KILLED), (process.exitcode, _error(self.folder))
        if process.exitcode == KILLED:
            self.killed_at[_kill_name(config["kill"])] += 1
        if self.slot.card is None:
            self.slot.insert(self.card)          # a card pulled mid-write comes back with its citizen
        self.meter.take(self.slot, {count for (count,) in self.utility.rows(
            "SELECT purchase_count FROM orders WHERE state = 'written' AND card_number = '3101002468'")})
        self.utility.clock.advance(timedelta(seconds=STEP_EVERY_RUN))
        return process.exitcode

    def journal(self, terminal: int) -> Journal:
        return Journal(self.folder / f"t{terminal}" / "gas-journal.sqlite3", journal_key(JOURNAL_SECRET),
                       terminal_id=self.utility.terminal_ids[terminal - 1], clock=self.utility.clock)


def _error(folder: Path) -> str:
    path = folder / "child-error.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _kill_name(kill: dict) -> str:
    return f"{kill['moment']} {kill['step']}" if "step" in kill else "random tick"


@pytest.fixture
def kill_world(gas_utility, payment_gateway, tmp_path):
    printer = PrinterSimulator(80)
    printer.start_tcp()
    slot = SimulatedReader(virtual_card())
    server = CardSocketServer(str(tmp_path / "card.sock"), slot).start()
    world = KillWorld(gas_utility, payment_gateway, tmp_path, printer, slot, server, card=slot.card)
    payment_gateway.behave(Behaviour(errors={"codepay": 1, "query": 6, "reverse": 3}), auth_code=UNRESOLVED)
    yield world
    server.close()
    printer.close()


# The kills at named steps, in an order where each run's leftovers lead the next run's start-up recovery
# through the steps that only recovery takes (reversing a payment, ending an order, reporting a write).
FRESH = ({"purchase": False}, {})        # a start-up with no citizen: what earlier kills left is finished first


def step_plan() -> list[tuple[dict, dict]]:
    sale = ["confirmed", "ordering", "ordered", "paying", "paid", "recording_payment", "payment_recorded", "reserving",
            "reserved", "writing", "written", "confirming", "done"]
    plan = [({}, {"moment": moment, "step": step}) for step in sale for moment in ("before", "after")]
    # Killed with the payer asked (before its answer was journaled): recovery gives the payment back.
    paid_unjournaled = ({}, {"moment": "before", "step": "paid"})
    for moment in ("before", "after"):
        plan += [paid_unjournaled, ({}, {"moment": moment, "step": "reversing"})]
        plan += [paid_unjournaled, ({}, {"moment": moment, "step": "reversed"})]
    for step in ("not_paid", "cancelling", "cancelled"):
        plan += [x for moment in ("before", "after")
                 for x in (FRESH, ({"code": INSUFFICIENT}, {"moment": moment, "step": step}))]
    for step in ("write_failed", "reporting_failure", "failure_reported"):
        plan += [x for moment in ("before", "after") for x in (FRESH, ({"pull": 5}, {"moment": moment, "step": step}))]
    for moment in ("before", "after"):                 # another terminal writes a purchase pulled out here
        plan += [FRESH, ({"pull": 5}, {}), ({"terminal": 2}, {"moment": moment, "step": "adopted"})]
    for moment in ("before", "after"):                 # a payer that gives no final answer
        plan += [FRESH, ({"code": UNRESOLVED}, {"moment": moment, "step": "payment_unresolved"})]
    for moment in ("before", "after"):                 # a write the card ignores, later refunded by the site's
        plan += [FRESH, ({"protect": True}, {}),       # policy (the card gone, the read-back without it)
                 ({"card": "out", "refund": True, "purchase": False}, {"moment": moment, "step": "refunding"})]
    plan += [({"code": NEVER_CONFIRMS}, {})]
    return plan


def visit(world: KillWorld, scenario: dict, kill: dict, **extra) -> int:
    terminal = scenario.get("terminal", 1)
    if scenario.get("pull") is not None and world.slot.card is not None:
        world.slot.card.pull_after(scenario["pull"])
    world.server.write_protect = bool(scenario.get("protect"))
    config = world.config(terminal, kill=kill, code=scenario.get("code", PAYS_AT_ONCE),
                          purchase=scenario.get("purchase", True), refund_failed_writes=bool(scenario.get("refund")),
                          **extra)
    try:
        return world.run(config, card=scenario.get("card", "in"))
    finally:
        world.server.write_protect = False
        if world.card is not None:
            world.card.pull_after(None)


def settle(world: KillWorld) -> None:
    """The kiosks started again with the card in, until nothing is left to do (no kill, no new purchase)."""
    world.gateway.behave(Behaviour(), auth_code=UNRESOLVED)
    for _ in range(3):
        for terminal in (1, 2):
            world.utility.clock.advance(timedelta(minutes=5))
            world.run(world.config(terminal, purchase=False))


def check_the_books(world: KillWorld) -> dict:
    """Every purchase accounted for; returns the tally for the report."""
    day = world.utility.clock.now().date()
    written = world.utility.rows("SELECT order_id, purchase_count, card_value FROM orders WHERE state = 'written'"
                                 " ORDER BY purchase_count")
    states = dict(world.utility.rows("SELECT order_id, state FROM orders"))
    gateway = dict(_gateway_rows(world))
    printed = printed_text(world.printer.received())
    tally = Counter()
    entries: list[JournalEntry] = []
    for terminal in (1, 2):
        journal = world.journal(terminal)
        try:
            entries += journal.all()
            result = reconcile(journal, world.utility.client(terminal), _payers(world), day)
        finally:
            journal.close()
        assert result.balanced, (terminal, [(line, _events(world, terminal, line.order_id)) for line in result.flagged])
    # Never written twice: the meter took each purchase count once, the card's count is the first plus the
    # purchases written, and the utility's written orders are exactly those counts.
    counts = [purchase.count for purchase in world.meter.taken]
    assert len(counts) == len(set(counts)), f"a purchase reached the meter twice: {counts}"
    assert sorted(counts) == [count for _order, count, _gas in written]
    assert counts == list(range(4, 4 + len(counts)))
    assert [purchase.gas.value for purchase in world.meter.taken] == [gas for _order, _count, gas in written]
    # Money: every payment kept by a payer bought gas that reached the card, or is held with a voucher.
    lost = 0
    for entry in entries:
        if entry.origin != "sale":
            continue
        kept = [attempt for attempt in range(1, entry.payment_attempt + 1)
                if gateway.get(f"{entry.order_id}P{attempt}") == "SUCCESS"]
        utility_state = states.get(entry.utility_order_id, "")
        if entry.state is PurchaseState.DONE:
            tally["paid and written once"] += 1
            if entry.written_by != entry.terminal_id:
                tally["of which written at the other terminal (补写卡)"] += 1
            assert len(kept) == 1 and utility_state == "written", entry
        elif entry.state is PurchaseState.REVERSED:
            tally["reversed or refunded"] += 1
            assert not kept and utility_state in ("cancelled", "refunded", "created"), (entry, utility_state)
        elif entry.state is PurchaseState.CANCELLED:
            tally["ended before any money"] += 1
            assert not kept, entry
        elif entry.state.holds_money and entry.voucher is PrintState.PRINTED and entry.order_id in printed:
            tally["money held, voucher printed"] += 1
        else:
            lost += 1
    assert lost == 0, [entry for entry in entries if not entry.state.final]
    tally["money lost"] = lost
    tally["double writes"] = len(counts) - len(set(counts))
    tally["vouchers printed"] = printed.count("凭证")
    return dict(tally)


def _gateway_rows(world: KillWorld):
    connection = sqlite3.connect(f"file:{world.gateway.server.config.db_path}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT out_trade_no, trade_state FROM orders").fetchall()
    finally:
        connection.close()


def _payers(world: KillWorld) -> Payments:
    return Payments({PaymentMethod.WECHAT: WeChatPayBackend(world.gateway.client(read_timeout_s=5.0), None,
                                                            device_id="reconciliation")})


# About 250 kills and restarts: under a minute on a quiet machine, several on a loaded one (never a hang: each
# child is joined with its own timeout).
@pytest.mark.timeout(900)
def test_a_kill_at_every_step_and_at_random_moments_loses_nothing_and_writes_nothing_twice(kill_world, capsys):
    world = kill_world
    # How many ticks a whole visit has (start-up, one purchase): random kill points are drawn over it.
    ticks_file = world.folder / "ticks.txt"
    assert world.run(world.config(ticks_file=str(ticks_file))) == 0
    ticks = int(ticks_file.read_text())

    for scenario, kill in step_plan():
        exit_code = visit(world, scenario, kill)
        if kill:
            assert exit_code == KILLED, f"the visit never reached {_kill_name(kill)}: {scenario}"

    rng = random.Random(SEED)
    random_kills = 0
    while random_kills < RANDOM_KILLS:
        scenario = {"terminal": 2 if rng.random() < 0.15 else 1,
                    "card": "out" if rng.random() < 0.1 else "in",
                    "code": rng.choices([PAYS_AT_ONCE, NEVER_CONFIRMS, INSUFFICIENT], [0.85, 0.1, 0.05])[0],
                    "pull": rng.randrange(0, 60) if rng.random() < 0.1 else None}
        if visit(world, scenario, {"tick": rng.randint(1, int(ticks * 1.2))},
                 amount_fen=rng.randrange(300, 900)) == KILLED:
            random_kills += 1

    settle(world)
    tally = check_the_books(world)
    steps = sorted(name for name in world.killed_at if name != "random tick")
    with capsys.disabled():
        print(f"\nkills: {sum(world.killed_at.values())} ({len(steps)} named moments, "
              f"{world.killed_at['random tick']} random ticks over {ticks} per visit); purchases: {tally}")
    assert world.killed_at["random tick"] >= RANDOM_KILLS
    assert len(steps) == len({_kill_name(kill) for _scenario, kill in step_plan() if kill})


def _events(world, terminal, order_id):
    journal = world.journal(terminal)
    try:
        return [(step, detail) for _at, step, detail in journal.get(order_id, with_events=True).events]
    finally:
        journal.close()
