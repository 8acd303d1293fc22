"""Hall backend benchmark: ticket round-trip latency from one kiosk, throughput with 50 kiosks.

    .venv/bin/python bench/hall.py [--tickets 300] [--kiosks 50] [--per-kiosk 20]

Starts the reference server on 127.0.0.1 (fresh SQLite database in a temporary folder, waitress with
8 threads) and drives it through the real, signed HallClient over loopback HTTP. Every request is a
full POST /v1/tickets: signature check, idempotency claim, gapless number allocation, stored answer.
Prints figures; asserts nothing. Bounded: a fixed number of requests, each with timeouts.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hall_server.app import HallConfig  # noqa: E402
from hall_server.server import HallServer  # noqa: E402
from kiosk.hall_client import HallClient  # noqa: E402

QUEUES = ("social", "housing_fund", "traffic", "business", "real_estate", "tax", "civil")


def _client(server: HallServer, kiosk_id: str) -> HallClient:
    return HallClient(server.base_url, kiosk_id, b"bench-secret", connect_timeout=5, read_timeout=30, retries=2)


def round_trip(server: HallServer, count: int) -> list[float]:
    client = _client(server, "kiosk-00")
    client.issue_ticket("social")                        # warm the connection pool
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        client.issue_ticket(QUEUES[index % len(QUEUES)])
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return latencies


def throughput(server: HallServer, kiosks: int, per_kiosk: int) -> tuple[float, int, int]:
    clients = [_client(server, f"kiosk-{n:02d}") for n in range(kiosks)]
    for client in clients:
        client.queues()                                  # connect before the clock starts
    barrier = threading.Barrier(kiosks + 1)
    errors: list[str] = []
    issued = [0] * kiosks

    def kiosk(index: int) -> None:
        barrier.wait()
        for _ in range(per_kiosk):
            try:
                clients[index].issue_ticket(QUEUES[index % len(QUEUES)])
                issued[index] += 1
            except Exception as error:                   # counted and reported, never fatal to the run
                errors.append(type(error).__name__)

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(kiosks)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return sum(issued) / elapsed, sum(issued), len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--per-kiosk", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)     # queue-depth warnings are the point here

    with tempfile.TemporaryDirectory() as folder:
        kiosks = {f"kiosk-{n:02d}": b"bench-secret" for n in range(max(args.kiosks, 1))}
        config = HallConfig(db_path=str(Path(folder) / "bench.sqlite3"), kiosks=kiosks, always_open=True)
        with HallServer(config, threads=8) as server:
            latencies = sorted(round_trip(server, args.tickets))
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"ticket round trip, 1 kiosk, {len(latencies)} tickets: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
                  f" max {latencies[-1]:.1f} ms")
            rate, issued, errors = throughput(server, args.kiosks, args.per_kiosk)
            print(f"{args.kiosks} concurrent kiosks, {issued} tickets: {rate:.0f} tickets/s, {errors} errors")


if __name__ == "__main__":
    main()
