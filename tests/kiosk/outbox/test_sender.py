"""The outbox sender against the live reference hall: once, in order, patient offline, never busy.

Rounds are driven with `run_once()` and a hand-moved clock, so backoff is tested without waiting.
Answers the reference hall never gives on demand (500, 429, 401 for a wrong clock) come from a
scripted HTTP server on loopback, through the real HallClient.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from domain.citizen_id import check_digit
from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallUnavailable
from kiosk.outbox.errors import OutboxAlert
from kiosk.outbox.sender import OutboxSender
from kiosk.outbox.store import Outbox, derive_key

KEY = derive_key("test-outbox-key-not-for-production")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hall_rows(db_path: str, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def complaint(text: str) -> dict:
    return {"kind": "suggestion", "content": text}


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", KEY)
    yield box
    box.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_sender(outbox: Outbox, client: Any, clock: Clock, **options: Any) -> OutboxSender:
    return OutboxSender(outbox, client, clock=clock, rng=random.Random(7), **options)


def drain(sender: OutboxSender, clock: Clock, rounds: int = 50) -> None:
    """Run rounds, moving the clock to each next due time, until the sender is idle."""
    for _ in range(rounds):
        result = sender.run_once()
        if result.next_due is None:
            return
        clock.now = max(clock.now, result.next_due)
    raise AssertionError("the sender did not become idle")


class AnswerLost:
    """A HallClient whose first `lose` answers vanish after the hall applied the request (a timeout)."""

    def __init__(self, client: HallClient, lose: int) -> None:
        self.client = client
        self.lose = lose
        self.posts: list[str] = []

    def post(self, path: str, body: dict, idempotency_key: str) -> dict:
        self.posts.append(idempotency_key)
        answer = self.client.post(path, body, idempotency_key)
        if self.lose > 0:
            self.lose -= 1
            raise HallUnavailable("hall did not answer POST within 10 s (read timeout)")
        return answer


@pytest.mark.parametrize("batch_size, posts, keys", [(1, 33, 30), (50, 4, 1)], ids=["one-per-post", "batched"])
def test_every_complaint_arrives_exactly_once_even_when_answers_are_lost(hall_server, hall_client, outbox, clock,
                                                                          batch_size, posts, keys) -> None:
    """GIVEN 30 queued suggestions WHEN the hall's answers to the first three sends are lost after it
    stored them THEN the sender repeats them with the same key and the hall holds each exactly once:
    sent one per POST, or all 30 in one POST /v1/batch."""
    texts = [f"建议增加座椅，编号{i:03d}" for i in range(30)]
    references = [outbox.enqueue_complaint(complaint(text)) for text in texts]
    poster = AnswerLost(hall_client, lose=3)
    drain(make_sender(outbox, poster, clock, batch_size=batch_size), clock)
    stored = hall_rows(hall_server.db_path, "SELECT content, reference, COUNT(*) FROM complaints GROUP BY content")
    assert sorted(stored) == sorted(zip(texts, references, [1] * 30))
    assert len(poster.posts) == posts and len(set(poster.posts)) == keys
    assert outbox.stats().pending == 0


def test_reviews_and_complaints_go_up_together_and_each_is_applied_once(hall_server, hall_client, outbox,
                                                                         clock) -> None:
    """GIVEN a backlog mixing reviews and complaints, one of them already delivered alone before a crash
    THEN they go up in POST /v1/batch requests of at most 100, in order, and the hall applies each once."""
    posts: list[str] = []
    hall_client.session.hooks["response"].append(lambda response, *a, **k: posts.append(response.request.path_url))
    tickets = []
    for _ in range(3):
        ticket = hall_client.issue_ticket("social")
        hall_server.simulation.call_next("social", 1)
        hall_server.simulation.finish(ticket.ticket_id)
        tickets.append(ticket.ticket_id)
    texts = [f"批量投递的建议第{i:03d}条" for i in range(120)]
    expected_reviews = []
    for index, text in enumerate(texts):
        outbox.enqueue_complaint(complaint(text))
        if index % 40 == 0:
            ticket_id = tickets[index // 40]
            outbox.enqueue_review({"ticket_id": ticket_id, "level": "very_satisfied"})
            expected_reviews.append((ticket_id, "very_satisfied"))
    [early] = outbox.pending("feedback", 1)
    hall_client.post("/v1/complaints", early.payload, early.id)      # delivered before a crash, never acknowledged
    posts.clear()
    drain(make_sender(outbox, hall_client, clock, batch_size=200), clock)
    assert posts == ["/v1/batch", "/v1/batch"]                         # 100 + 23
    numbered = hall_rows(hall_server.db_path, "SELECT content FROM complaints ORDER BY number")
    assert [row[0] for row in numbered] == texts
    assert sorted(hall_rows(hall_server.db_path, "SELECT target_id, level FROM reviews")) == sorted(expected_reviews)
    assert outbox.stats().pending == 0 and outbox.dead_items() == []


def test_items_of_a_stream_arrive_in_the_order_they_were_accepted(hall_server, hall_client, outbox, clock) -> None:
    texts = [f"顺序测试建议第{i:02d}条" for i in range(25)]
    for text in texts:
        outbox.enqueue_complaint(complaint(text))
        outbox.enqueue_event("door.opened", "info", text[-3:])
    drain(make_sender(outbox, hall_client, clock, batch_size=10), clock)
    numbered = hall_rows(hall_server.db_path, "SELECT content FROM complaints ORDER BY number")
    assert [row[0] for row in numbered] == texts
    events = hall_rows(hall_server.db_path, "SELECT message FROM device_events ORDER BY id")
    assert [row[0] for row in events] == [text[-3:] for text in texts]


class Link:
    """The kiosk's network path to the hall on loopback, which a test can cut and restore.

    Cut, it takes each connection and drops it at once, and drops those already open: what a
    kiosk sees when the shop's router or the hall's proxy is down.
    """

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                downstream.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self._target))
            with self._lock:
                self._open += [downstream, upstream]
            for source, sink in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            for end in self._open:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
            self._open.clear()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self.cut()
        self._listener.close()


def test_the_hall_down_for_a_while_then_back_gets_everything_once(hall_server, outbox, clock) -> None:
    """GIVEN the link to the hall is cut WHEN items are accepted and rounds fail THEN the waits grow
    exponentially (with jitter) and nothing is lost; WHEN the link returns and reachability says so
    THEN the backlog drains at once and everything arrives once."""
    link = Link(hall_server.server.port)
    reports: list[bool] = []
    client = HallClient(f"http://127.0.0.1:{link.port}", hall_server.kiosk_id, hall_server.secret, retries=0,
                        connect_timeout=2.0, read_timeout=10.0)
    sender = make_sender(outbox, client, clock, base_delay=1.0, max_delay=60.0, on_reachability=reports.append)
    try:
        outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 5})
        assert sender.run_once().delivered == 1                      # a kept-alive connection is open now
        link.cut()
        texts = [f"停机期间的建议第{i}条" for i in range(12)]
        for text in texts:
            outbox.enqueue_complaint(complaint(text))
        outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 10})
        waits = []
        for _ in range(8):
            result = sender.run_once()
            assert (result.delivered, result.failed) == (0, 1)
            waits.append(result.next_due - clock.now)
            assert sender.run_once().next_due == result.next_due    # early rounds do nothing, send nothing
            clock.now = result.next_due
        for attempt, wait in enumerate(waits):
            nominal = min(60.0, 2.0 ** attempt)
            assert nominal / 2 <= wait <= nominal
        assert waits[-1] >= 30.0
        assert reports == [True] + [False] * 8
        assert outbox.stats().pending == 13
        outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": 20})
        link.restore()
        sender.wake(reset_backoff=True)                              # kiosk.hall.reachability saw the hall again
        result = sender.run_once()
        assert result.delivered == 13 and reports[-1] is True
        drain(sender, clock)
    finally:
        client.close()
        link.close()
    stored = hall_rows(hall_server.db_path, "SELECT content, COUNT(*) FROM complaints GROUP BY content")
    assert sorted(stored) == sorted((text, 1) for text in texts)
    [(report,)] = hall_rows(hall_server.db_path, "SELECT report FROM heartbeats")
    assert json.loads(report)["uptime_seconds"] == 20


@pytest.fixture
def unchecked_client(hall_server) -> Iterator[HallClient]:
    """A client without the fixture's contract check, for bodies the hall must refuse."""
    client = hall_server.client()
    yield client
    client.close()


def test_a_refused_item_is_parked_as_dead_and_the_stream_goes_on(hall_server, unchecked_client, outbox,
                                                                 clock) -> None:
    """GIVEN a complaint the hall refuses (too short: 422) between two good ones
    THEN it is parked as dead with the hall's code, and both good ones are delivered."""
    first = outbox.enqueue_complaint(complaint("第一条正常的建议"))
    refused = outbox.enqueue_complaint(complaint("短"))
    last = outbox.enqueue_complaint(complaint("第三条正常的建议"))
    result = make_sender(outbox, unchecked_client, clock).run_once()
    assert (result.delivered, result.dead, result.failed) == (2, 1, 0)
    [dead] = outbox.dead_items()
    assert dead.id == refused and "422 invalid_request" in dead.reason
    assert [row[0] for row in hall_rows(hall_server.db_path, "SELECT content FROM complaints ORDER BY number")] \
        == ["第一条正常的建议", "第三条正常的建议"]
    assert first != last and outbox.stats().pending == 0


def test_a_refusal_never_puts_personal_data_in_reasons_or_logs(unchecked_client, outbox, clock, caplog) -> None:
    id_number = "11010519491231002" + check_digit("11010519491231002")
    outbox.enqueue_complaint({"kind": "complaint", "content": f"测试乙 {id_number} 的材料被退回",
                              "contact_phone": "12345"})                  # not a mobile number: 422
    with caplog.at_level(logging.DEBUG):
        result = make_sender(outbox, unchecked_client, clock).run_once()
    assert result.dead == 1
    [dead] = outbox.dead_items()
    assert "contact_phone" in dead.reason
    for text in (dead.reason, caplog.text):
        assert id_number not in text and "测试乙" not in text and "12345" not in text


def test_a_review_with_a_call_back_is_delivered_once(hall_server, hall_client, outbox, clock) -> None:
    ticket = hall_client.issue_ticket("social")
    hall_server.simulation.call_next("social", 1)
    hall_server.simulation.finish(ticket.ticket_id)
    reference = outbox.enqueue_review({"ticket_id": ticket.ticket_id, "level": "dissatisfied", "reasons": ["long_wait"],
                                       "comment": "", "callback_phone": "13800001234"})
    poster = AnswerLost(hall_client, lose=1)
    drain(make_sender(outbox, poster, clock), clock)
    assert poster.posts == [reference, reference]
    reviews = hall_rows(hall_server.db_path, "SELECT target_id, level FROM reviews")
    assert reviews == [(ticket.ticket_id, "dissatisfied")]
    assert len(hall_rows(hall_server.db_path, "SELECT id FROM callback_requests")) == 1
    assert outbox.dead_items() == []


def test_events_go_up_in_batches_each_stored_once(hall_server, hall_client, outbox, clock) -> None:
    posts: list[str] = []
    hall_client.session.hooks["response"].append(lambda response, *a, **k: posts.append(response.request.path_url))
    ids = [outbox.enqueue_event("sensor.tick", "info", f"tick {i}") for i in range(250)]
    drain(make_sender(outbox, AnswerLost(hall_client, lose=1), clock, batch_size=250), clock)
    assert posts == ["/v1/devices/events"] * 4                       # 100 + 100 + 50, the first one twice
    stored = hall_rows(hall_server.db_path, "SELECT event_id FROM device_events ORDER BY id")
    assert [row[0] for row in stored] == ids


def test_only_the_newest_heartbeat_is_sent(hall_server, hall_client, outbox, clock) -> None:
    posts: list[str] = []
    hall_client.session.hooks["response"].append(lambda response, *a, **k: posts.append(response.request.path_url))
    for uptime in range(0, 300, 60):
        outbox.enqueue_heartbeat({"status": "ok", "app_version": "0.1.0", "uptime_seconds": uptime})
    drain(make_sender(outbox, hall_client, clock), clock)
    assert posts == ["/v1/devices/heartbeat"]
    [(report,)] = hall_rows(hall_server.db_path, "SELECT report FROM heartbeats")
    assert json.loads(report)["uptime_seconds"] == 240


# -- answers the reference hall does not give on demand ------------------------------------------------


class ScriptedHall:
    """An HTTP server on loopback answering POSTs from a script of (status, problem code or None)."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, self.headers["Idempotency-Key"], body))
                status, code = outer.script.pop(0) if outer.script else (201, None)
                if status == "garbled":             # a batch answer whose members are out of order
                    status, document = 200, {"responses": [{"id": request["id"], "status": 201, "body": {}}
                                                            for request in reversed(body["requests"])]}
                elif status == "members":             # a /v1/batch answer member by member, maybe cut short
                    status, document = 200, {"responses": [
                        {"id": request["id"], "status": member_status, "replayed": False,
                         "body": {} if member_code is None else problem(member_status, member_code)}
                        for request, (member_status, member_code) in zip(body["requests"], code)]}
                elif code is not None:
                    document = problem(status, code)
                elif self.path == "/v1/batch":
                    status, document = 200, {"responses": [{"id": request["id"], "status": 201, "body": {},
                                                            "replayed": False} for request in body["requests"]]}
                else:
                    document = {"accepted": 1}
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/problem+json" if status >= 400 else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        def problem(status: int, code: str) -> dict:
            return {"code": code, "status": status, "message_zh": "请稍后再试。", "message_en": f"scripted {code}"}

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.client = HallClient(f"http://127.0.0.1:{self.server.server_port}", "kiosk-test-01", b"x" * 16,
                                 retries=0, connect_timeout=2.0, read_timeout=5.0)

    def close(self) -> None:
        self.client.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[Any]:
    halls: list[ScriptedHall] = []

    def start(*script: Any) -> ScriptedHall:
        halls.append(ScriptedHall(list(script)))
        return halls[-1]

    yield start
    for hall in halls:
        hall.close()


@pytest.mark.parametrize("status, code", [(500, "internal_error"), (429, "too_many_requests"),
                                          (409, "request_in_flight")])
def test_a_passing_failure_is_retried_with_the_same_key_and_only_its_stream_waits(scripted, outbox, clock,
                                                                                  status, code) -> None:
    hall = scripted((status, code))
    reference = outbox.enqueue_complaint(complaint("会被重试的建议"))
    behind = outbox.enqueue_complaint(complaint("排在后面的建议"))
    outbox.enqueue_event("door.opened", "info")
    first = make_sender(outbox, hall.client, clock, base_delay=2.0)
    result = first.run_once()
    assert (result.delivered, result.dead, result.failed) == (1, 0, 1)    # the event stream went on
    assert 1.0 <= result.next_due - clock.now <= 2.0
    assert [item.attempts for item in outbox.pending("feedback", 10)] == [1, 1]   # both were in the batch
    clock.now = result.next_due
    assert first.run_once().delivered == 2
    sent = [(key, [member["id"] for member in body["requests"]]) for path, key, body in hall.requests
            if path == "/v1/batch"]
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0][1] == [reference, behind]
    assert outbox.dead_items() == []


def test_a_batch_is_answered_member_by_member(scripted, outbox, clock) -> None:
    """GIVEN a batch of four WHEN the hall applies the first, refuses the second for good and stops at
    the third (still in flight) THEN the first is delivered, the second parked as dead, and the third
    and fourth go up again later, in order, without the first two."""
    hall = scripted(("members", [(201, None), (422, "invalid_request"), (409, "request_in_flight")]))
    ids = [outbox.enqueue_complaint(complaint(f"逐条应答的建议第{i}条")) for i in range(4)]
    sender = make_sender(outbox, hall.client, clock)
    result = sender.run_once()
    assert (result.delivered, result.dead, result.failed) == (1, 1, 1)
    assert [dead.id for dead in outbox.dead_items()] == [ids[1]]
    assert [(item.id, item.attempts) for item in outbox.pending("feedback", 10)] == [(ids[2], 1), (ids[3], 0)]
    clock.now = result.next_due
    assert sender.run_once().delivered == 2
    assert [[member["id"] for member in body["requests"]] for _, _, body in hall.requests] == [ids, ids[2:]]


def test_a_batch_answer_cut_short_without_a_reason_is_retried_from_the_first_unanswered(scripted, outbox,
                                                                                        clock) -> None:
    hall = scripted(("members", [(201, None)]))
    ids = [outbox.enqueue_complaint(complaint(f"应答不全的建议第{i}条")) for i in range(3)]
    sender = make_sender(outbox, hall.client, clock)
    result = sender.run_once()
    assert (result.delivered, result.failed) == (1, 1)
    clock.now = result.next_due
    assert sender.run_once().delivered == 2
    assert [[member["id"] for member in body["requests"]] for _, _, body in hall.requests] == [ids, ids[1:]]


@pytest.mark.parametrize("answer, paths", [
    ((404, "not_found"), ["/v1/batch", "/v1/complaints", "/v1/complaints"]),
    (("garbled", None), ["/v1/batch", "/v1/batch"]),
], ids=["hall-without-batches", "garbled-batch-answer"])
def test_a_hall_without_batches_or_with_a_garbled_batch_answer_still_gets_everything(scripted, outbox, clock,
                                                                                     answer, paths) -> None:
    """An older hall answers POST /v1/batch with 404: the members go up one by one. A batch answer
    that does not match its requests is retried; nothing is parked as dead either way."""
    hall = scripted(answer)
    for i in range(2):
        outbox.enqueue_complaint(complaint(f"老版本大厅的建议第{i}条"))
    drain(make_sender(outbox, hall.client, clock), clock)
    assert outbox.stats().pending == 0 and outbox.dead_items() == []
    assert [path for path, _, _ in hall.requests] == paths


def test_a_kiosk_the_hall_does_not_trust_waits_and_alerts_instead_of_killing_items(scripted, outbox,
                                                                                   clock) -> None:
    hall = scripted((401, "stale_timestamp"))
    alerts: list[OutboxAlert] = []
    outbox.enqueue_complaint(complaint("时钟不准时的建议"))
    outbox.enqueue_event("door.opened", "info")
    sender = make_sender(outbox, hall.client, clock, on_alert=alerts.append)
    result = sender.run_once()
    assert (result.delivered, result.dead, result.failed) == (0, 0, 1)
    assert len(hall.requests) == 1                                        # every stream waits, not just one
    assert [alert.code for alert in alerts] == ["outbox_kiosk_rejected"] and "NTP" in alerts[0].message
    clock.now = result.next_due
    assert sender.run_once().delivered == 2 and outbox.dead_items() == []


def test_a_refused_event_in_a_batch_is_found_and_parked_alone(scripted, outbox, clock) -> None:
    hall = scripted((422, "invalid_request"), (201, None), (422, "invalid_request"))
    ids = [outbox.enqueue_event("door.opened", "info", f"event {i}") for i in range(3)]
    result = make_sender(outbox, hall.client, clock).run_once()
    assert (result.delivered, result.dead) == (2, 1)
    assert [len(body["events"]) for _, _, body in hall.requests] == [3, 1, 1, 1]
    assert [dead.id for dead in outbox.dead_items()] == [ids[1]]


# -- the worker thread -----------------------------------------------------------------------------


def test_offline_the_worker_sleeps_until_the_next_attempt_instead_of_spinning(tmp_path: Path, outbox) -> None:
    """GIVEN nothing listens on the hall's port WHEN the worker runs with a clock that only moves
    when it waits THEN every wait is as long as the backoff says, never zero, up to max_delay."""
    clock = Clock()
    waits: list[float | None] = []
    sender_box: list[OutboxSender] = []
    done = threading.Event()

    def wait(event: threading.Event, timeout: float | None) -> bool:
        waits.append(timeout)
        clock.now += timeout or 0.0
        if len(waits) == 12:
            sender_box[0].stop()
            done.set()
        return False

    refusing = socket.socket()
    refusing.bind(("127.0.0.1", 0))                 # bound, never listening: connections are refused
    closed = HallClient(f"http://127.0.0.1:{refusing.getsockname()[1]}", "kiosk-test-01", b"x" * 16, retries=0,
                        connect_timeout=1.0)
    outbox.enqueue_complaint(complaint("离线时排队的建议"))
    sender = OutboxSender(outbox, closed, clock=clock, wait=wait, rng=random.Random(3), base_delay=1.0,
                          max_delay=20.0)
    sender_box.append(sender)
    sender.start()
    assert done.wait(30)
    sender.stop()
    closed.close()
    refusing.close()
    assert len(waits) == 12 and all(w is not None and w > 0 for w in waits)
    assert all(w <= 20.0 for w in waits) and waits[-1] >= 10.0
    assert outbox.stats().pending == 1


def test_the_running_worker_delivers_what_is_enqueued(hall_server, hall_client, outbox) -> None:
    sender = OutboxSender(outbox, hall_client).start()
    try:
        texts = [f"后台线程送达的建议第{i}条" for i in range(10)]
        for text in texts:
            outbox.enqueue_complaint(complaint(text))
        deadline = time.monotonic() + 20
        while outbox.stats().pending and time.monotonic() < deadline:
            threading.Event().wait(0.01)
    finally:
        sender.stop()
    stored = hall_rows(hall_server.db_path, "SELECT content FROM complaints ORDER BY number")
    assert [row[0] for row in stored] == texts


def test_an_unexpected_error_in_a_round_does_not_end_delivery(hall_server, hall_client, outbox) -> None:
    """GIVEN a client that fails once with a bug-like error WHEN the worker runs THEN it waits
    (max_delay, not a spin), runs again and delivers."""
    clock = Clock()
    waits: list[float | None] = []
    delivered = threading.Event()

    class FailsOnce:
        calls = 0

        def post(self, path: str, body: dict, idempotency_key: str) -> dict:
            FailsOnce.calls += 1
            if FailsOnce.calls == 1:
                raise RuntimeError("unexpected")
            answer = hall_client.post(path, body, idempotency_key)
            delivered.set()
            return answer

    def wait(event: threading.Event, timeout: float | None) -> bool:
        waits.append(timeout)
        clock.now += timeout or 0.0
        return event.wait(10) if timeout is None else False      # idle: until woken (stop wakes it)

    outbox.enqueue_complaint(complaint("出错后仍会送达的建议"))
    sender = OutboxSender(outbox, FailsOnce(), clock=clock, wait=wait, max_delay=45.0).start()
    try:
        assert delivered.wait(20)
    finally:
        sender.stop()
    assert waits[0] == 45.0
    assert hall_rows(hall_server.db_path, "SELECT content FROM complaints") == [("出错后仍会送达的建议",)]
