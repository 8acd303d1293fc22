"""Hall batch benchmark: how fast one kiosk's backlog of reviews and complaints drains through POST /v1/batch.

    .venv/bin/python bench/hall_batch.py [--members 10000] [--batch 100] [--single 500]

The goal it measures: a kiosk back online with 10,000 reviews and complaints in its outbox delivers them all
over loopback in well under 10 s. Starts the reference server as its own process (see bench/hall.py) on a
database with enough served tickets to review, then sends, from one signed HallClient as the outbox does
(one request after the other): `--single` complaints one POST each, for comparison; the backlog as batches
of `--batch` members, half reviews of served tickets and half complaints; and the same batches again, all
answered from the idempotency ledger. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hall import hall_process  # noqa: E402
from hall_server import db  # noqa: E402
from hall_server.app import HallConfig  # noqa: E402
from hall_server.server import prepare_database  # noqa: E402
from kiosk.hall.client import HallClient  # noqa: E402

KIOSK_ID = "kiosk-00"


def served_tickets(db_path: Path, count: int) -> list[str]:
    """`count` tickets already served (on a past day), for the reviews to rate."""
    prepare_database(HallConfig(db_path=str(db_path), kiosks={}), demo=True)
    ids = [f"t{n:016x}" for n in range(1, count + 1)]
    conn = db.connect(str(db_path))
    try:
        with db.write(conn):
            conn.executemany("INSERT INTO tickets (id, queue_code, service_date, number, display, rank, priority,"
                             " status, issued_at) VALUES (?, 'social', '2026-01-05', ?, ?, 2, 'none', 'served',"
                             " '2026-01-05T09:00:00+08:00')",
                             [(ticket_id, n, f"A{n:03d}") for n, ticket_id in enumerate(ids, start=1)])
    finally:
        conn.close()
    return ids


def backlog(ticket_ids: list[str], members: int) -> list[dict]:
    items = []
    for n in range(members):
        if n % 2 == 0:
            body = {"ticket_id": ticket_ids[n // 2], "level": "satisfied", "indicators": {"overall": "satisfied"}}
            if n % 10 == 0:
                body = {"ticket_id": ticket_ids[n // 2], "level": "dissatisfied", "indicators": {},
                        "reasons": ["long_wait"], "callback_phone": "13800000001"}
            items.append({"id": uuid.uuid4().hex, "path": "/v1/reviews", "body": body})
        else:
            items.append({"id": uuid.uuid4().hex, "path": "/v1/complaints",
                          "body": {"kind": "suggestion" if n % 3 else "complaint",
                                   "content": f"第{n}条：建议在取号机旁增加老年人座椅和放大镜，方便年长的市民办事。"}})
    return items


def drain(client: HallClient, items: list[dict], size: int) -> tuple[float, Counter]:
    outcomes: Counter = Counter()
    started = time.perf_counter()
    for start in range(0, len(items), size):
        answer = client.post("/v1/batch", {"requests": items[start:start + size]}, uuid.uuid4().hex)
        outcomes.update((r["status"], r["replayed"]) for r in answer["responses"])
    return time.perf_counter() - started, outcomes


def singles(client: HallClient, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        client.post("/v1/complaints", {"kind": "suggestion", "content": f"单独提交的第{n}条建议。"}, uuid.uuid4().hex)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--single", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.sqlite3"
        items = backlog(served_tickets(db_path, (args.members + 1) // 2), args.members)
        with hall_process(db_path, [KIOSK_ID]) as base_url, \
                HallClient(base_url, KIOSK_ID, b"bench-secret", connect_timeout=5, read_timeout=60) as client:
            client.queues()                                  # connect before the clock starts
            if args.single:
                elapsed = singles(client, args.single)
                print(f"one POST per item: {args.single} complaints in {elapsed:.2f} s,"
                      f" {args.single / elapsed:.0f} items/s")
            elapsed, outcomes = drain(client, items, args.batch)
            print(f"POST /v1/batch of {args.batch}: {args.members} members applied in {elapsed:.2f} s,"
                  f" {args.members / elapsed:.0f} items/s; answers {dict(outcomes)}")
            elapsed, outcomes = drain(client, items, args.batch)
            print(f"the same batches again: {args.members} members replayed in {elapsed:.2f} s,"
                  f" {args.members / elapsed:.0f} items/s; answers {dict(outcomes)}")


if __name__ == "__main__":
    main()
