"""Benchmark: the outbox beside persist-queue's SQLiteAckQueue, both durable, in the same run.

    .venv/bin/python bench/outbox.py [--items 2000] [--backlog 20000] [--drain 10000] [--drain-single 1000]

Both stores run in WAL mode with ``synchronous = FULL`` and one commit per enqueued item, so each
enqueue is on the disk when it returns. Figures:

* enqueue: items/s, one commit each, on an empty store and behind a `--backlog` of waiting items,
  measured in alternating chunks of 25 so both stores see the same disk and the same noise; the
  rate is items over total time (every sync counted), the median chunk is shown beside it;
* acknowledge: items/s taken off the store after delivery (the network left out). persist-queue
  acknowledges one item per commit; the outbox acknowledges a round's items in one transaction;
* drain into the reference hall (a separate process on loopback): a `--drain` backlog of device
  events (100 per POST /v1/devices/events), and of reviews and complaints (half each, 100 per
  POST /v1/batch), from an empty store and behind the backlog; beside persist-queue doing the best
  it can against the same hall (get 100, one POST /v1/batch, ack each). Then `--drain-single`
  suggestions one POST each (a hall without batches), both stores in alternating chunks of 50.

The backlog is pre-filled with ``synchronous = OFF`` to save time; measurements run with FULL.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import persistqueue  # noqa: E402

from hall_server.kiosk_secrets import write_kiosks_file  # noqa: E402
from kiosk.hall.client import HallClient  # noqa: E402
from kiosk.outbox.sender import OutboxSender  # noqa: E402
from kiosk.outbox.store import Outbox, derive_key  # noqa: E402

KIOSK_ID = "kiosk-bench-01"
SECRET = "bench-secret-not-for-production"
KEY = derive_key("bench-outbox-key-not-for-production")


def suggestion(index: int) -> dict:
    return {"kind": "suggestion", "content": f"基准测试建议第{index:06d}条：希望增加自助终端的数量"}


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:9.0f} items/s ({seconds * 1000 / count:6.2f} ms/item)"


# -- the two stores ------------------------------------------------------------------------------------


def new_outbox(folder: Path, name: str) -> Outbox:
    return Outbox(folder / f"{name}.sqlite3", KEY, max_bytes=2**40, min_free_bytes=0)


def new_ack_queue(folder: Path, name: str) -> persistqueue.SQLiteAckQueue:
    queue = persistqueue.SQLiteAckQueue(str(folder / name), multithreading=True, auto_commit=True)
    set_ack_queue_sync(queue, "FULL")
    return queue


def set_ack_queue_sync(queue: persistqueue.SQLiteAckQueue, mode: str) -> None:
    for conn in {id(c): c for c in (queue._conn, queue._putter)}.values():
        conn.execute(f"PRAGMA synchronous = {mode}")


def prefill_outbox(outbox: Outbox, count: int) -> None:
    outbox._conn.execute("PRAGMA synchronous = OFF")
    for index in range(count):
        outbox.enqueue_complaint(suggestion(index))
    outbox._conn.execute("PRAGMA synchronous = FULL")


def prefill_ack_queue(queue: persistqueue.SQLiteAckQueue, count: int) -> None:
    set_ack_queue_sync(queue, "OFF")
    for index in range(count):
        queue.put(suggestion(index))
    set_ack_queue_sync(queue, "FULL")


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def enqueue_figures(folder: Path, items: int, backlog: int) -> None:
    print(f"durable enqueue ({items} items, one commit each, WAL + synchronous=FULL)")
    for depth in (0, backlog):
        outbox, queue = new_outbox(folder, f"enq-{depth}"), new_ack_queue(folder, f"pq-enq-{depth}")
        prefill_outbox(outbox, depth)
        prefill_ack_queue(queue, depth)
        ours_chunks, theirs_chunks = [], []
        # Alternating chunks of 25, so both see the same disk and the same noise from the machine.
        for start in range(0, items, 25):
            chunk = range(start, min(items, start + 25))
            ours_chunks.append(timed(lambda: [outbox.enqueue_complaint(suggestion(i)) for i in chunk]) / len(chunk))
            theirs_chunks.append(timed(lambda: [queue.put(suggestion(i)) for i in chunk]) / len(chunk))
        ours, theirs = statistics.fmean(ours_chunks), statistics.fmean(theirs_chunks)
        ours_median, theirs_median = statistics.median(ours_chunks), statistics.median(theirs_chunks)
        print(f"  backlog {depth:6d}  outbox        {rate(1, ours)}  median chunk {1 / ours_median:6.0f}/s")
        print(f"  backlog {depth:6d}  persist-queue {rate(1, theirs)}  median chunk {1 / theirs_median:6.0f}/s"
              f"   outbox/pq = {theirs / ours:4.2f}x (median {theirs_median / ours_median:4.2f}x)")
        outbox.close()


def acknowledge_figures(folder: Path, items: int, backlog: int) -> None:
    print(f"acknowledge after delivery ({items} items, network left out)")
    for depth in (0, backlog):
        outbox, queue = new_outbox(folder, f"ack-{depth}"), new_ack_queue(folder, f"pq-ack-{depth}")
        prefill_outbox(outbox, depth + items)
        prefill_ack_queue(queue, depth + items)

        def drain_outbox() -> None:
            taken = 0
            while taken < items:
                batch = outbox.pending("feedback", min(50, items - taken))
                outbox.acknowledge(batch)
                taken += len(batch)

        def drain_queue() -> None:
            for _ in range(items):
                queue.ack(queue.get(block=False))

        ours, theirs = timed(drain_outbox), timed(drain_queue)
        print(f"  backlog {depth:6d}  outbox        {rate(items, ours)}")
        print(f"  backlog {depth:6d}  persist-queue {rate(items, theirs)}   outbox/pq = {theirs / ours:4.1f}x")
        outbox.close()


# -- into the reference hall ---------------------------------------------------------------------------


def start_hall(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "hall_server", "--port", str(port), "--db",
                                str(folder / "hall.sqlite3"), "--kiosks-file",
                                str(write_kiosks_file(folder / "kiosks", {KIOSK_ID: SECRET})), "--simulate", "0"],
                               cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/healthz", timeout=1).ok:
                return process, base_url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the reference hall did not start within 30 s")


def served_tickets(folder: Path, count: int) -> list[str]:
    """`count` tickets already served, written straight into the hall's database, for reviews to rate."""
    ids = [f"bench-{index:06d}" for index in range(count)]
    conn = sqlite3.connect(folder / "hall.sqlite3", timeout=30)
    with conn:
        conn.executemany("INSERT INTO tickets (id, queue_code, service_date, number, display, rank, priority,"
                         " status, issued_at) VALUES (?, 'social', '2000-01-01', ?, ?, 2, 'none', 'served',"
                         " '2000-01-01T09:00:00')", [(ticket_id, n + 1, f"A{n + 1:03d}") for n, ticket_id in
                                                     enumerate(ids)])
    conn.close()
    return ids


def feedback(index: int, tickets: list[str]) -> tuple[str, dict]:
    """Every other item a review of a served ticket, the others suggestions: (kind, body)."""
    if index % 2:
        return "review", {"ticket_id": tickets.pop(), "level": "very_satisfied"}
    return "complaint", suggestion(index)


def drain_figures(folder: Path, count: int, single: int, backlog: int) -> None:
    process, base_url = start_hall(folder)
    client = HallClient(base_url, KIOSK_ID, SECRET, retries=0, read_timeout=30)
    try:
        print(f"drain into the reference hall over loopback (hall in its own process), {count} items each")
        outbox = new_outbox(folder, "drain-events")
        outbox._conn.execute("PRAGMA synchronous = OFF")
        for index in range(count):
            outbox.enqueue_event("bench.tick", "info", f"tick {index}")
        outbox._conn.execute("PRAGMA synchronous = FULL")
        seconds = timed(lambda: deliver(OutboxSender(outbox, client, batch_size=100), count))
        print(f"  device events, 100 per POST               outbox        {rate(count, seconds)}"
              f"  all in {seconds:5.2f} s")
        outbox.close()

        tickets = served_tickets(folder, count * 3)
        for depth in (0, backlog):
            outbox = new_outbox(folder, f"drain-{depth}")
            outbox._conn.execute("PRAGMA synchronous = OFF")
            for index in range(count):
                kind, body = feedback(index, tickets)
                outbox.enqueue(kind, body)
            for index in range(depth):                  # behind them, the rest of the backlog
                outbox.enqueue_complaint(suggestion(index))
            outbox._conn.execute("PRAGMA synchronous = FULL")
            seconds = timed(lambda: deliver(OutboxSender(outbox, client, batch_size=100), count))
            print(f"  reviews+complaints, backlog {depth:6d}      outbox        {rate(count, seconds)}"
                  f"  all in {seconds:5.2f} s")
            outbox.close()
        queue = new_ack_queue(folder, "pq-drain")
        set_ack_queue_sync(queue, "OFF")
        for index in range(count):
            queue.put(dict(zip(("kind", "body"), feedback(index, tickets))))
        set_ack_queue_sync(queue, "FULL")
        seconds = timed(lambda: batches_from_ack_queue(queue, client, count))
        print(f"  reviews+complaints, 100 per POST          persist-queue {rate(count, seconds)}"
              f"  all in {seconds:5.2f} s")

        outbox, queue = new_outbox(folder, "drain-single"), new_ack_queue(folder, "pq-drain-single")
        prefill_outbox(outbox, single)
        prefill_ack_queue(queue, single)
        sender = OutboxSender(outbox, client, batch_size=1)
        ours = theirs = 0.0
        # Alternating chunks: the hall slows as its tables grow, and both should see the same hall.
        for chunk in range(0, single, 50):
            ours += timed(lambda: deliver(sender, 50))
            theirs += timed(lambda: post_from_ack_queue(queue, client, 50, f"single-{chunk}"))
        print(f"  suggestions, one POST each (no batches)   outbox        {rate(single, ours)}")
        print(f"  suggestions, one POST each (no batches)   persist-queue {rate(single, theirs)}")
        outbox.close()
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def deliver(sender: OutboxSender, count: int) -> None:
    delivered = 0
    while delivered < count:
        result = sender.run_once()
        if result.failed or result.dead or not result.delivered:
            raise SystemExit("delivery failed during the benchmark: is the hall healthy?")
        delivered += result.delivered


def batches_from_ack_queue(queue: persistqueue.SQLiteAckQueue, client: HallClient, count: int) -> None:
    paths = {"review": "/v1/reviews", "complaint": "/v1/complaints"}
    for start in range(0, count, 100):
        items = [queue.get(block=False) for _ in range(min(100, count - start))]
        requests = [{"id": f"pq-bench-{start + n:06d}", "path": paths[item["kind"]], "body": item["body"]}
                    for n, item in enumerate(items)]
        answer = client.post("/v1/batch", {"requests": requests}, f"pq-batch-{start:06d}")
        if any(not 200 <= response["status"] < 300 for response in answer["responses"]):
            raise SystemExit("a batched request was refused during the benchmark")
        for item in items:
            queue.ack(item)


def post_from_ack_queue(queue: persistqueue.SQLiteAckQueue, client: HallClient, count: int, tag: str) -> None:
    for index in range(count):
        item = queue.get(block=False)
        client.post("/v1/complaints", item, f"pq-bench-{tag}-{index:04d}")
        queue.ack(item)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--drain", type=int, default=10000, help="items drained into the hall, per figure")
    parser.add_argument("--drain-single", type=int, default=1000,
                        help="suggestions delivered one POST each, outbox beside persist-queue")
    args = parser.parse_args()
    print(f"persist-queue {persistqueue.__version__}, SQLite, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as folder:
        enqueue_figures(Path(folder), args.items, args.backlog)
        acknowledge_figures(Path(folder), args.items, args.backlog)
        drain_figures(Path(folder), args.drain, args.drain_single, args.backlog)


if __name__ == "__main__":
    main()
