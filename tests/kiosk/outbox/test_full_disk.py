"""Issue 18, findings 16 and 17: the outbox on a really full disk (a 2 MiB tmpfs) and across restarts.

A kiosk whose data disk filled up must still open its outbox after a restart and deliver the backlog, which is
what frees the space; its counts never go negative; a heartbeat in flight across a restart is never confused
with the one that replaced it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.outbox.errors import OutboxUnavailable
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key

KEY = derive_key("test-outbox-key-not-for-production")
RESERVE = 256 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB file system of its own (tmpfs), so that 'disk full' is the kernel's ENOSPC."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _open(folder: Path, **options) -> Outbox:
    return Outbox(folder / "outbox.sqlite3", KEY, min_free_bytes=0, reserve_bytes=RESERVE, **options)


def _fill(box: Outbox) -> int:
    """Enqueue complaints until the disk is full; returns how many were kept."""
    kept = 0
    while True:
        try:
            box.enqueue_complaint({"kind": "complaint", "content": f"排队时间太长了{kept:05d}" * 70})
        except OutboxUnavailable:
            return kept
        kept += 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_finding_16_a_kiosk_restarted_on_a_full_disk_delivers_its_backlog_and_frees_space(small_disk, hall_server,
                                                                                          hall_client):
    """GIVEN an outbox that filled its disk WHEN the kiosk restarts THEN the outbox opens (it used to commit
    PRAGMA user_version at every open, which a full disk refused), the sender delivers every complaint once,
    deleting them succeeds (it used to fail, so the same batch went up every 5 minutes), the counts never go
    below zero, and the disk has room again."""
    box = _open(small_disk)
    kept = _fill(box)
    assert kept > 100
    box.close()
    full = _free(small_disk)

    box = _open(small_disk)                                     # the restart
    assert box.stats().pending == kept
    clock = Clock()
    sender = OutboxSender(box, hall_client, clock=clock, rng=random.Random(7))
    seen = []
    for _ in range(kept // 100 + 5):
        result = sender.run_once()
        seen.append(box.stats().pending)
        if result.next_due is None:
            break
        clock.now = max(clock.now, result.next_due)
    assert min(seen) >= 0 and box.stats().pending == 0, seen
    assert _free(small_disk) > full + RESERVE
    box.enqueue_complaint({"kind": "complaint", "content": "磁盘空出来以后又能接受投诉了"})
    box.close()
    with sqlite3.connect(f"file:{hall_server.db_path}?mode=ro", uri=True) as hall:
        assert hall.execute("SELECT COUNT(*) FROM complaints").fetchone() == (kept,)


def test_finding_16_failed_deletions_on_a_full_disk_never_make_the_counts_negative(small_disk):
    """GIVEN a full disk and no reserve left WHEN deleting delivered items fails again and again THEN stats()
    still counts every item (each failed round used to subtract them: -7,046 in one run)."""
    box = Outbox(small_disk / "outbox.sqlite3", KEY, min_free_bytes=0, reserve_bytes=0)
    kept = _fill(box)
    items = box.pending("feedback", 100)
    for _ in range(3):
        with pytest.raises(OutboxUnavailable):
            box.acknowledge(items)
        assert box.stats().pending == kept
    box.close()


def test_finding_17_a_heartbeat_replaced_after_a_restart_cannot_take_its_place_in_the_deletion(tmp_path):
    """GIVEN a heartbeat taken for sending after a restart WHEN a newer heartbeat replaces it (taking the same row
    number) and the sender then acknowledges the old one THEN the newer heartbeat is still there to be sent."""
    box = Outbox(tmp_path / "outbox.sqlite3", KEY)
    box.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 60})
    box.close()
    box = Outbox(tmp_path / "outbox.sqlite3", KEY)
    in_flight = box.pending("heartbeat", 10)
    newer = box.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 120})
    assert box.acknowledge(in_flight) == 0
    assert [item.id for item in box.pending("heartbeat", 10)] == [newer]
    assert box.stats().pending == 1
    box.close()
