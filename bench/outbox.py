"""Benchmark: the outbox beside persist-queue's SQLiteAckQueue, both durable, in the same run.

    .venv/bin/python bench/outbox.py [--items 1000] [--backlog 20000] [--drain 10000] [--drain-posts 1000]

Both stores run in WAL mode with ``synchronous = FULL`` and one commit per enqueued item, so each
enqueue is on the disk when it returns. Figures:

* enqueue: items/s, one commit each, on an empty store and behind a `--backlog` of waiting items,
  measured in alternating chunks of 25 (median chunk) so both stores see the same disk and noise;
* acknowledge: items/s taken off the store after delivery (the network left out). persist-queue
  acknowledges one item per commit; the outbox acknowledges a round's items in one transaction;
* drain: a backlog delivered into the reference hall (a separate process on loopback): all of
  `--drain` device events (100 per POST), and `--drain-posts` suggestions (one POST each, which the
  hall applies one by one) from an empty store and behind the backlog, beside persist-queue doing
  get / POST / ack for the same suggestions, in alternating chunks of 50.

The backlog is pre-filled with ``synchronous = OFF`` to save time; measurements run with FULL.
"""

from __future__ import annotations

import argparse
import os
import socket
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

from kiosk.hall_client import HallClient  # noqa: E402
from kiosk.outbox import Outbox, derive_key  # noqa: E402
from kiosk.outbox_sender import OutboxSender  # noqa: E402

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
        # Alternating chunks of 25, so both see the same disk and the same noise from the machine;
        # the median chunk is reported, as other work on the machine makes single syncs spike.
        for start in range(0, items, 25):
            chunk = range(start, min(items, start + 25))
            ours_chunks.append(timed(lambda: [outbox.enqueue_complaint(suggestion(i)) for i in chunk]) / len(chunk))
            theirs_chunks.append(timed(lambda: [queue.put(suggestion(i)) for i in chunk]) / len(chunk))
        ours, theirs = statistics.median(ours_chunks), statistics.median(theirs_chunks)
        print(f"  backlog {depth:6d}  outbox        {rate(1, ours)}")
        print(f"  backlog {depth:6d}  persist-queue {rate(1, theirs)}   outbox/pq = {theirs / ours:4.2f}x")
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
                                str(folder / "hall.sqlite3"), "--kiosk", f"{KIOSK_ID}:{SECRET}", "--simulate", "0"],
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


def drain_figures(folder: Path, events: int, posts: int, backlog: int) -> None:
    process, base_url = start_hall(folder)
    client = HallClient(base_url, KIOSK_ID, SECRET, retries=0, read_timeout=30)
    try:
        print("drain into the reference hall over loopback (hall in its own process)")
        outbox = new_outbox(folder, "drain-events")
        outbox._conn.execute("PRAGMA synchronous = OFF")
        for index in range(events):
            outbox.enqueue_event("bench.tick", "info", f"tick {index}")
        outbox._conn.execute("PRAGMA synchronous = FULL")
        sender = OutboxSender(outbox, client, batch_size=100)
        seconds = timed(lambda: deliver(sender, events))
        print(f"  {events} device events, 100 per POST:  outbox        {rate(events, seconds)}"
              f"  all in {seconds:5.2f} s")
        outbox.close()

        for depth in (0, backlog):
            outbox, queue = new_outbox(folder, f"drain-{depth}"), new_ack_queue(folder, f"pq-drain-{depth}")
            prefill_outbox(outbox, depth + posts)
            prefill_ack_queue(queue, depth + posts)
            sender = OutboxSender(outbox, client, batch_size=50)
            ours = theirs = 0.0
            # Alternating chunks: the hall slows as its tables grow, and both should see the same hall.
            for chunk in range(0, posts, 50):
                ours += timed(lambda: deliver(sender, 50))
                theirs += timed(lambda: post_from_ack_queue(queue, client, 50, f"{depth}-{chunk}"))
            print(f"  backlog {depth:6d}, suggestions, one POST each:  outbox        {rate(posts, ours)}")
            print(f"  backlog {depth:6d}, suggestions, one POST each:  persist-queue {rate(posts, theirs)}")
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


def post_from_ack_queue(queue: persistqueue.SQLiteAckQueue, client: HallClient, count: int, tag: str) -> None:
    for index in range(count):
        item = queue.get(block=False)
        client.post("/v1/complaints", item, f"pq-bench-{tag}-{index:04d}")
        queue.ack(item)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--drain", type=int, default=10000, help="device events drained into the hall")
    parser.add_argument("--drain-posts", type=int, default=1000,
                        help="suggestions delivered into the hall, from an empty store and behind the backlog")
    args = parser.parse_args()
    print(f"persist-queue {persistqueue.__version__}, SQLite, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as folder:
        enqueue_figures(Path(folder), args.items, args.backlog)
        acknowledge_figures(Path(folder), args.items, args.backlog)
        drain_figures(Path(folder), args.drain, args.drain_posts, args.backlog)


if __name__ == "__main__":
    main()
