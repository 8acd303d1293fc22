"""Crash safety: a kiosk process killed with SIGKILL at many points loses nothing and duplicates nothing.

Each round runs this file as a child process: a writer enqueues suggestions and, after each
enqueue returns, records it as confirmed to the citizen; the sender delivers to the live hall in
the test process. The child is killed with SIGKILL at a point chosen by the round's seed: just
after the hall answered but before the acknowledgement (the classic duplicate), just before a
send, just after a commit but before the citizen was told, or at a seeded moment anywhere
(mid-commit, mid-request). The next round restarts on the same outbox file. At the end the hall
must hold every confirmed suggestion exactly once and no suggestion twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

MODES = ("after_send", "before_send", "after_commit", "anywhere")
ROUNDS = 16
ITEMS_PER_ROUND = 12
OUTBOX_KEY = "crash-test-outbox-key-not-for-production"


def _child(settings: dict) -> None:
    """The kiosk under test: enqueue, confirm, deliver, and die where the seed says."""
    from kiosk.hall.client import HallClient
    from kiosk.outbox.store import Outbox, derive_key
    from kiosk.outbox.sender import OutboxSender

    rng = random.Random(settings["seed"])
    mode = settings["mode"]
    kill_at = rng.randint(1, ITEMS_PER_ROUND)

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    client = HallClient(settings["base_url"], settings["kiosk_id"], settings["secret"].encode(), retries=0,
                        connect_timeout=2.0, read_timeout=5.0)
    sent = 0

    class Crashing:
        """Dies around the POST that carries the kill_at-th item (a POST /v1/batch carries several)."""

        def post(self, path: str, body: dict, idempotency_key: str) -> dict:
            nonlocal sent
            carries = range(sent + 1, sent + 1 + len(body.get("requests", [body])))
            sent = carries[-1]
            if mode == "before_send" and kill_at in carries:
                die()
            answer = client.post(path, body, idempotency_key)
            if mode == "after_send" and kill_at in carries:
                die()                                     # the hall has it; the outbox does not know yet
            return answer

    if mode == "anywhere":
        threading.Timer(rng.uniform(0.0, 0.25), die).start()
    outbox = Outbox(settings["outbox"], derive_key(OUTBOX_KEY))
    sender = OutboxSender(outbox, Crashing(), base_delay=0.02, max_delay=0.2, batch_size=rng.choice((1, 5, 50)))
    sender.start()
    confirmed = os.open(settings["confirmed"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    for index in range(settings["items"]):
        content = f"崩溃测试建议 {settings['seed']}-{index}"
        outbox.enqueue_complaint({"kind": "suggestion", "content": content})
        if mode == "after_commit" and index + 1 == kill_at:
            die()                                         # committed, but the citizen was never told
        os.write(confirmed, (content + "\n").encode("utf-8"))
    done = threading.Event()
    while outbox.stats().pending and not done.wait(0.01):
        pass
    sender.stop()
    os._exit(0)


def test_sigkill_at_any_point_loses_nothing_and_duplicates_nothing(hall_server, tmp_path: Path) -> None:
    outbox_path = tmp_path / "outbox.sqlite3"
    confirmed_path = tmp_path / "confirmed.txt"
    outcomes = []
    for seed in range(ROUNDS + 1):
        last = seed == ROUNDS                           # a clean run to drain what the others left
        settings = {"seed": seed, "mode": "none" if last else MODES[seed % len(MODES)],
                    "items": 0 if last else ITEMS_PER_ROUND, "outbox": str(outbox_path),
                    "confirmed": str(confirmed_path), "base_url": hall_server.base_url,
                    "kiosk_id": hall_server.kiosk_id, "secret": hall_server.secret.decode()}
        root = Path(__file__).resolve().parents[3]
        child = subprocess.run([sys.executable, __file__, json.dumps(settings)], cwd=root, capture_output=True,
                               timeout=60, env={**os.environ, "PYTHONPATH": str(root)})
        assert child.returncode in (0, -signal.SIGKILL), child.stderr.decode(errors="replace")[-2000:]
        outcomes.append(child.returncode)
    assert outcomes[-1] == 0
    assert outcomes.count(-signal.SIGKILL) >= ROUNDS * 3 // 4            # the kills really happened

    conn = sqlite3.connect(f"file:{hall_server.db_path}?mode=ro", uri=True)
    received = dict(conn.execute("SELECT content, COUNT(*) FROM complaints GROUP BY content").fetchall())
    conn.close()
    confirmed_texts = confirmed_path.read_text(encoding="utf-8").splitlines()
    assert len(confirmed_texts) >= ROUNDS * ITEMS_PER_ROUND // 3
    assert [text for text in confirmed_texts if received.get(text) != 1] == []
    assert {text: count for text, count in received.items() if count != 1} == {}
    assert all(text.startswith("崩溃测试建议 ") for text in received)


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
