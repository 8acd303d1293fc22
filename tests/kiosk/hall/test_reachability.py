"""Reachability: offline after failures in a row, online at the first answer, probes only when quiet."""

from __future__ import annotations

import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest

from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallUnavailable
from kiosk.hall.reachability import HallState, Reachability
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


# A port bound but never listening: connecting to it is refused at once, and no other process can
# start listening on it while the socket is held (unlike a guessed "free" port).
_REFUSING = socket.socket()
_REFUSING.bind(("127.0.0.1", 0))
REFUSING_URL = f"http://127.0.0.1:{_REFUSING.getsockname()[1]}"


def unreachable_client() -> HallClient:
    return HallClient(REFUSING_URL, "kiosk-test-01", b"x" * 16, retries=0, connect_timeout=1.0)


def test_one_failure_is_not_an_outage_two_are_and_one_answer_ends_it() -> None:
    changes: list[bool] = []
    reachability = Reachability(lambda: None, failures_to_offline=2)
    reachability.add_listener(changes.append)
    reachability.report(True)
    reachability.report(False)
    assert (reachability.state, reachability.online, changes) == (HallState.ONLINE, True, [True])
    reachability.report(False)
    reachability.report(False)
    assert (reachability.state, reachability.online, changes) == (HallState.OFFLINE, False, [True, False])
    reachability.report(True)
    reachability.report(True)
    assert changes == [True, False, True]


def test_the_probe_reads_the_real_hall(hall_server) -> None:
    with hall_server.client() as client:
        assert Reachability(client.hall_info).check_now() is True
    with unreachable_client() as client:
        reachability = Reachability(client.hall_info, failures_to_offline=1)
        assert reachability.check_now() is False
        assert reachability.state is HallState.OFFLINE


def test_a_hall_that_refuses_the_kiosk_is_still_reachable(hall_server) -> None:
    """A wrong kiosk secret is a configuration fault (alerted by the sender), not a network outage."""
    with HallClient(hall_server.base_url, hall_server.kiosk_id, b"wrong-secret-0000", retries=0) as client:
        assert Reachability(client.hall_info).check_now() is True


@pytest.fixture
def captive_portal() -> Iterator[str]:
    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = b"<html><body>Welcome to the shop Wi-Fi, please log in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_captive_portal_page_counts_as_unreachable(captive_portal: str) -> None:
    with HallClient(captive_portal, "kiosk-test-01", b"x" * 16, retries=0) as client:
        assert Reachability(client.hall_info).check_now() is False


def test_the_watcher_probes_only_when_nothing_else_reported() -> None:
    """GIVEN a watcher whose clock moves only while it waits WHEN the hall answers, then stops
    answering THEN probes come every 30 s while all is well and every 5 s after a failure; a report
    from the sender postpones the next probe."""
    clock = Clock()
    probes: list[float] = []
    answers = [True, True, False, False, False, True]
    done = threading.Event()
    reachability: Reachability

    def probe() -> None:
        probes.append(clock.now)
        if len(probes) == len(answers):
            reachability.stop()
            done.set()
        if not answers[len(probes) - 1]:
            raise HallUnavailable("cannot connect to the hall")

    def wait(event: threading.Event, timeout: float) -> bool:
        clock.now += timeout
        if clock.now == 560.0:
            reachability.report(True)                  # the sender delivered something meanwhile
        return False

    reachability = Reachability(probe, online_interval=30, offline_interval=5, failures_to_offline=2,
                                clock=clock, wait=wait)
    changes: list[bool] = []
    reachability.add_listener(changes.append)
    reachability.start()
    assert done.wait(30)
    reachability.stop()
    assert probes == [500.0, 530.0, 590.0, 595.0, 600.0, 605.0]
    assert changes == [True, False, True]


def test_the_sender_feeds_reachability_and_the_hall_coming_back_wakes_it(tmp_path: Path) -> None:
    clock = Clock()
    outbox = Outbox(tmp_path / "o.sqlite3", derive_key("test-outbox-key-not-for-production"))
    client = unreachable_client()
    reachability = Reachability(client.hall_info, failures_to_offline=2)
    sender = OutboxSender(outbox, client, clock=clock, rng=random.Random(1), on_reachability=reachability.report)
    reachability.add_listener(lambda online: online and sender.wake(reset_backoff=True))
    outbox.enqueue_complaint({"kind": "suggestion", "content": "断网时提交的建议"})
    for _ in range(2):
        clock.now = sender.run_once().next_due
    assert reachability.state is HallState.OFFLINE
    waiting_until = sender.run_once().next_due
    assert waiting_until > clock.now
    reachability.report(True)                                   # e.g. a probe got through
    assert sender.run_once().failed == 1                         # no backoff left: it tried at once
    client.close()
    outbox.close()
