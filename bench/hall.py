"""Hall backend benchmark: ticket round-trip latency from one kiosk, throughput with 50 kiosks.

    .venv/bin/python bench/hall.py [--tickets 300] [--kiosks 50] [--per-kiosk 20]

Starts the reference server as its own process (`python -m hall_server`, fresh SQLite database in a
temporary folder, waitress with 8 threads) so that it does not share a GIL with the kiosks, and drives
it through the real, signed HallClient over loopback HTTP from threads of this process. Every request is a
full POST /v1/tickets: signature check, idempotency claim, gapless number allocation, stored answer.
Prints figures; asserts nothing. Bounded: a fixed number of requests, each with timeouts.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.hall.client import HallClient  # noqa: E402

QUEUES = ("social", "housing_fund", "traffic", "business", "real_estate", "tax", "civil")


def _client(base_url: str, kiosk_id: str) -> HallClient:
    return HallClient(base_url, kiosk_id, b"bench-secret", connect_timeout=5, read_timeout=30, retries=2)


def round_trip(base_url: str, count: int) -> list[float]:
    client = _client(base_url, "kiosk-00")
    client.issue_ticket("social")                        # warm the connection pool
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        client.issue_ticket(QUEUES[index % len(QUEUES)])
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return latencies


def throughput(base_url: str, kiosks: int, per_kiosk: int) -> tuple[float, int, int]:
    clients = [_client(base_url, f"kiosk-{n:02d}") for n in range(kiosks)]
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def hall_process(db_path: Path, kiosk_ids: list[str], secret: str = "bench-secret") -> Iterator[str]:
    """The reference server as its own process (8 threads, no simulation, always open) on a free loopback
    port, on the database at `db_path` (created and seeded when new); yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "hall_server", "--host", "127.0.0.1", "--port", str(port),
               "--db", str(db_path), "--always-open", "--simulate", "0", "--threads", "8", "--log-level", "ERROR"]
    for kiosk_id in kiosk_ids:
        command += ["--kiosk", f"{kiosk_id}:{secret}"]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        server.stderr.readline()                     # the banner: the socket is bound
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--per-kiosk", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, \
            hall_process(Path(folder) / "bench.sqlite3", [f"kiosk-{n:02d}" for n in range(max(args.kiosks, 1))]) \
            as base_url:
        latencies = sorted(round_trip(base_url, args.tickets))
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"ticket round trip, 1 kiosk, {len(latencies)} tickets: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
              f" max {latencies[-1]:.1f} ms")
        rate, issued, errors = throughput(base_url, args.kiosks, args.per_kiosk)
        print(f"{args.kiosks} concurrent kiosks, {issued} tickets: {rate:.0f} tickets/s, {errors} errors")


if __name__ == "__main__":
    main()
