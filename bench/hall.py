"""Hall backend benchmark: ticket round-trip latency from one kiosk, tickets/s and p99 with 50 kiosks, on SQLite
and on PostgreSQL in one run, side by side.

    .venv/bin/python bench/hall.py [--tickets 300] [--kiosks 50] [--per-kiosk 20] [--postgres postgresql://…]

Starts the reference server as its own process (`python -m hall_server`, a fresh SQLite database in a
temporary folder, then a fresh PostgreSQL database on the server at --postgres (default: 127.0.0.1:5432, else
a private cluster in a temporary folder), dropped after; waitress with 8 threads) so that it does not share a
GIL with the kiosks, and drives
it through the real, signed HallClient over loopback HTTP from threads of this process. Every request is a
full POST /v1/tickets: signature check, idempotency claim, gapless number allocation, stored answer.
Prints figures; asserts nothing. Bounded: a fixed number of requests, each with timeouts.
"""

from __future__ import annotations

import argparse
import shutil
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

from hall_server.kiosk_secrets import write_kiosks_file  # noqa: E402
from kiosk.hall.client import HallClient  # noqa: E402
from tests.fixtures.postgres import PostgresServer, _answers, private_cluster  # noqa: E402

BENCH_SECRET = "bench-secret-0123456789"
QUEUES = ("social", "housing_fund", "traffic", "business", "real_estate", "tax", "civil")


def _client(base_url: str, kiosk_id: str) -> HallClient:
    return HallClient(base_url, kiosk_id, BENCH_SECRET, connect_timeout=5, read_timeout=30, retries=2)


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


def throughput(base_url: str, kiosks: int, per_kiosk: int) -> tuple[float, int, int, list[float]]:
    clients = [_client(base_url, f"kiosk-{n:02d}") for n in range(kiosks)]
    for client in clients:
        client.queues()                                  # connect before the clock starts
    barrier = threading.Barrier(kiosks + 1)
    errors: list[str] = []
    issued = [0] * kiosks
    latencies: list[list[float]] = [[] for _ in range(kiosks)]

    def kiosk(index: int) -> None:
        barrier.wait()
        for _ in range(per_kiosk):
            try:
                started = time.perf_counter()
                clients[index].issue_ticket(QUEUES[index % len(QUEUES)])
                latencies[index].append((time.perf_counter() - started) * 1000)
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
    return sum(issued) / elapsed, sum(issued), len(errors), sorted(ms for one in latencies for ms in one)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def hall_process(db_path: Path | str, kiosk_ids: list[str], secret: str = BENCH_SECRET) -> Iterator[str]:
    """The reference server as its own process (8 threads, no simulation, always open) on a free loopback
    port, on the database at `db_path` (a file or a postgresql:// URL; created and seeded when new); yields its
    base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "hall_server", "--host", "127.0.0.1", "--port", str(port),
               "--db", str(db_path), "--always-open", "--simulate", "0", "--threads", "8", "--log-level", "ERROR"]
    secrets_folder = tempfile.mkdtemp(prefix="bench-hall-")
    command += ["--kiosks-file", str(write_kiosks_file(Path(secrets_folder) / "kiosks",
                                                      dict.fromkeys(kiosk_ids, secret)))]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        server.stderr.readline()                     # the banner: the socket is bound
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(secrets_folder, ignore_errors=True)


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def measure(database: str, args: argparse.Namespace) -> dict[str, float]:
    with hall_process(database, [f"kiosk-{n:02d}" for n in range(max(args.kiosks, 1))]) as base_url:
        alone = sorted(round_trip(base_url, args.tickets))
        rate, issued, errors, together = throughput(base_url, args.kiosks, args.per_kiosk)
    return {"p50": statistics.median(alone), "p99": _percentile(alone, 0.99), "rate": rate, "issued": issued,
            "errors": errors, "p50_busy": statistics.median(together) if together else float("nan"),
            "p99_busy": _percentile(together, 0.99)}


@contextmanager
def postgres_database(base_url: str | None) -> Iterator[str]:
    """A fresh database on the server at `base_url`, or on 127.0.0.1:5432, or on a private cluster; dropped after."""
    stop: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        if base_url is None:
            base_url = "postgresql://postgres@127.0.0.1:5432"
            if not _answers(base_url):
                base_url, stop = private_cluster(folder)
        server = PostgresServer(base_url)
        url = server.create_database(migrated=False)
        try:
            yield url
        finally:
            server.drop_database(url)
            if stop:
                subprocess.run(stop, check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--per-kiosk", type=int, default=20)
    args = parser.parse_args()

    parser.add_argument("--postgres", metavar="URL", help="postgresql://user@host:port of a server to make a"
                        " database on (default: 127.0.0.1:5432, else a private cluster)")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(str(Path(folder) / "bench.sqlite3"), args)
    with postgres_database(args.postgres) as url:
        results["PostgreSQL"] = measure(url, args)
    print(f"{'':34}" + "".join(f"{name:>14}" for name in results))
    rows = [("1 kiosk: ticket p50 (ms)", "p50", "{:.1f}"), ("1 kiosk: ticket p99 (ms)", "p99", "{:.1f}"),
            (f"{args.kiosks} kiosks: tickets/s", "rate", "{:.0f}"),
            (f"{args.kiosks} kiosks: ticket p50 (ms)", "p50_busy", "{:.1f}"),
            (f"{args.kiosks} kiosks: ticket p99 (ms)", "p99_busy", "{:.1f}"),
            (f"{args.kiosks} kiosks: tickets issued", "issued", "{:.0f}"), ("errors", "errors", "{:.0f}")]
    for label, key, form in rows:
        print(f"{label:34}" + "".join(f"{form.format(result[key]):>14}" for result in results.values()))


if __name__ == "__main__":
    main()
