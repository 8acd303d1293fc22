"""Benchmark: from "card placed" to identity object, over the simulator at a real baud rate.

    .venv/bin/python bench/idcard.py [--baud 115200] [--rounds 30]

The simulator paces both directions at the baud rate, so the pure wire time of the frames exchanged
(find, select, read, appended address: ~0.12 s at 115200 for the 1295-byte reply) is the floor.
The goal is driver overhead (parsing, pty, thread hand-offs) within 50 ms of that floor. The poller
figure adds the wait for the next poll (up to one poll interval), which is what a citizen sees.
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.demo_citizens import demo_citizen  # noqa: E402
from drivers.idcard.poller import CardPoller, CardRead  # noqa: E402
from drivers.idcard.protocol import wire_time  # noqa: E402
from drivers.idcard.serial_reader import SerialCardReader  # noqa: E402
from drivers.idcard.simulator import Simulator, card_from_citizen  # noqa: E402

COMMAND = 10
# Replies exchanged for one read: find 15, select 19, read 1295 (or 2321 with fingerprints), appended-address "none" 11.
EXCHANGE = {False: 4 * COMMAND + 15 + 19 + 1295 + 11, True: 4 * COMMAND + 15 + 19 + 2321 + 11}


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"median {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
            f"min {ordered[0] * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms")


def direct(simulator: Simulator, reader: SerialCardReader, rounds: int, fingerprint: bool) -> list[float]:
    card = card_from_citizen(demo_citizen("resident"))
    samples = []
    for _ in range(rounds):
        simulator.remove_card()
        started = time.perf_counter()
        simulator.place_card(card)
        identity = reader.read_present_card(fingerprint=fingerprint)
        samples.append(time.perf_counter() - started)
        assert identity is not None
        identity.wipe()
    return samples


def through_poller(simulator: Simulator, reader: SerialCardReader, rounds: int) -> list[float]:
    events: queue.Queue = queue.Queue()
    card = card_from_citizen(demo_citizen("resident"))
    samples = []
    phases = random.Random(467)
    with CardPoller(reader, events.put, poll_interval=0.3):
        for _ in range(rounds):
            time.sleep(phases.uniform(0, 0.3))   # place the card at a random point of the poll cycle
            started = time.perf_counter()
            simulator.place_card(card)
            while not isinstance(event := events.get(timeout=10), CardRead):
                pass
            samples.append(time.perf_counter() - started)
            event.identity.wipe()
            simulator.remove_card()
            while type(events.get(timeout=10)).__name__ != "CardRemoved":
                pass
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with Simulator(baud=args.baud) as simulator, SerialCardReader(simulator.port, baud=args.baud) as reader:
        reader.check_sam()
        print(f"ID card read over the simulator at {args.baud} baud, {args.rounds} rounds")
        for fingerprint in (False, True):
            floor = wire_time(EXCHANGE[fingerprint], args.baud)
            samples = direct(simulator, reader, args.rounds, fingerprint)
            label = "text+photo+fingerprint" if fingerprint else "text+photo"
            print(f"  placed -> identity, {label:22s}: {figures(samples)}")
            print(f"    wire time of the {EXCHANGE[fingerprint]} bytes exchanged: {floor * 1000:.1f} ms; "
                  f"median overhead {(statistics.median(samples) - floor) * 1000:+.1f} ms (goal <= +50 ms)")
        samples = through_poller(simulator, reader, args.rounds)
        print(f"  placed -> CardRead event via poller (0.3 s interval): {figures(samples)}")


if __name__ == "__main__":
    main()
