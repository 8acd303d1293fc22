"""Issue 18's findings against the hall, each as an attack on the live server over loopback that must fail.

Every test is named after its finding (test_finding_N_...); the slow-client and TLS attacks are in
test_slow_clients.py, the staff page's in test_fleet.py, the phone page's in test_review_page.py.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import uuid

import pytest
import requests

from domain.citizen_id import check_digit
from domain.demo_citizens import demo_citizen
from domain.hall_signing import sign_request
from hall_server.__main__ import parse_command_line
from hall_server.kiosk_secrets import write_kiosks_file
from hall_server.rate_limits import LookupLimits
from tests.fixtures.hall import STAFF, query_code, start_live_hall
from tests.hall_server.signed import host_of, signed_get, signed_headers, signed_post


RESIDENT = demo_citizen("resident").id_number


def _code(response: requests.Response) -> tuple[int, str]:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.text[:200]
    return response.status_code, response.json()["code"]


# -- 5: kiosk secrets ------------------------------------------------------------------------------------------


def _cli(*argv: str) -> tuple[argparse.Namespace, object, object]:
    return parse_command_line(["--db", "unused.sqlite3", *argv])


def test_finding_5_secrets_come_from_a_private_file_and_never_from_the_command_line(tmp_path, capsys):
    """GIVEN a kiosks file of mode 0600 THEN its kiosks are the server's; the old --kiosk ID:SECRET option (visible
    in `ps`) no longer exists, and a file others can read is refused."""
    path = write_kiosks_file(tmp_path / "kiosks", {"kiosk-01": "a-secret-of-24-characters"})
    _args, config, _tls = _cli("--kiosks-file", str(path))
    assert config.kiosks == {"kiosk-01": b"a-secret-of-24-characters"}
    with pytest.raises(SystemExit):
        _cli("--kiosk", "kiosk-01:a-secret-of-24-characters")
    os.chmod(path, 0o644)
    with pytest.raises(SystemExit):
        _cli("--kiosks-file", str(path))
    assert "chmod 600" in capsys.readouterr().err


def test_finding_5_a_short_secret_is_refused_without_being_echoed(tmp_path, capsys):
    path = write_kiosks_file(tmp_path / "kiosks", {"kiosk-01": "short-secret"})
    with pytest.raises(SystemExit):
        _cli("--kiosks-file", str(path))
    error = capsys.readouterr().err
    assert "shorter than 16" in error and "short-secret" not in error


def test_finding_5_the_published_demo_secret_is_accepted_on_loopback_only(capsys):
    _args, config, _tls = _cli("--host", "127.0.0.1")
    assert config.kiosks == {"kiosk-demo-01": b"demo-secret"}
    with pytest.raises(SystemExit):
        _cli("--host", "0.0.0.0")
    assert "--kiosks-file" in capsys.readouterr().err


# -- 10: what the signature covers -----------------------------------------------------------------------------


def test_finding_10_a_signed_request_sent_with_another_host_is_refused(hall_server):
    """GIVEN a signed ticket request WHEN its Host header is changed (the host the hall writes into the review
    links it prints) THEN the signature no longer matches."""
    headers = signed_headers(hall_server, "POST", "/v1/reviews/token", b'{"ticket_id": "t0"}')
    headers["Host"] = "evil.example"
    response = requests.post(hall_server.base_url + "/v1/reviews/token", data=b'{"ticket_id": "t0"}',
                             headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")


def test_finding_10_a_signed_request_sent_with_another_idempotency_key_is_refused(hall_server):
    raw = json.dumps({"queue": "social"}).encode()
    headers = signed_headers(hall_server, "POST", "/v1/tickets", raw)
    headers["Idempotency-Key"] = uuid.uuid4().hex
    response = requests.post(hall_server.base_url + "/v1/tickets", data=raw, headers=headers, timeout=10)
    assert _code(response) == (401, "bad_signature")


def test_finding_10_review_links_use_the_public_base_url_setting(tmp_path, hall_client):
    """GIVEN --public-base-url THEN the review link printed on a ticket names that address, whatever the Host."""
    _args, config, _tls = _cli("--public-base-url", "https://hall.example.gov.cn/")
    assert config.public_base_url == "https://hall.example.gov.cn"
    with pytest.raises(SystemExit):
        _cli("--public-base-url", "https://hall.example.gov.cn/some/path")
    hall = start_live_hall(tmp_path, public_base_url="https://hall.example.gov.cn")
    try:
        client = hall.client()
        ticket = client.issue_ticket("social")
        assert client.review_link(ticket_id=ticket.ticket_id).url.startswith("https://hall.example.gov.cn/r/")
        client.close()
    finally:
        hall.server.stop()


# -- 11: nonces outlive a restart ------------------------------------------------------------------------------


def test_finding_11_a_captured_request_cannot_be_replayed_after_the_hall_restarts(tmp_path):
    """GIVEN a signed request the hall served WHEN the hall restarts and the request is sent again within the
    signature window THEN it is refused as a replay (the nonce record was in memory only)."""
    hall = start_live_hall(tmp_path)
    headers = signed_headers(hall, "GET", "/v1/queues")
    assert requests.get(hall.base_url + "/v1/queues", headers=headers, timeout=10).status_code == 200
    hall.server.stop()
    again = start_live_hall(tmp_path)
    try:
        headers["Host"] = host_of(again)
        headers.update(sign_request(again.kiosk_id, again.secret, "GET", "/v1/queues", b"", host=host_of(again),
                                    now=int(headers["X-Kiosk-Timestamp"]), nonce=headers["X-Kiosk-Nonce"]))
        replay = requests.get(again.base_url + "/v1/queues", headers=headers, timeout=10)
        assert _code(replay) == (401, "replayed_request")
        assert signed_get(again, "/v1/queues").status_code == 200
    finally:
        again.server.stop()


# -- 3: body limit before authentication -----------------------------------------------------------------------


def test_finding_3_an_unsigned_huge_body_is_refused_before_it_is_read(hall_server):
    """GIVEN an unsigned POST announcing 400 MiB WHEN only its first bytes are sent THEN the hall answers 413 at
    once instead of buffering the body to disk for a 401 (the socket would wait for the rest)."""
    with socket.create_connection(("127.0.0.1", hall_server.server.port), timeout=10) as attacker:
        attacker.sendall(b"POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 419430400\r\n\r\n" + b"x" * 65536)
        answer = attacker.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]


def test_finding_3_a_chunked_body_over_the_limit_is_refused(hall_server):
    def chunks():
        for _ in range(40):
            yield b"x" * 65536
    response = requests.post(hall_server.base_url + "/v1/tickets", data=chunks(), timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413


# -- 8: 500s from hostile values -------------------------------------------------------------------------------


def test_finding_8_an_absurd_uptime_is_refused_and_the_fleet_page_keeps_working(hall_server):
    """GIVEN a heartbeat claiming 10^400 s of uptime THEN it is a 422 and /fleet stays a 200 (it was a 500,
    OverflowError, until the kiosk's next heartbeat)."""
    body = b'{"status": "ok", "app_version": "0.1.0", "uptime_seconds": 1' + b"0" * 400 + b"}"
    assert _code(signed_post(hall_server, "/v1/devices/heartbeat", body)) == (422, "invalid_request")
    assert requests.get(hall_server.base_url + "/fleet", timeout=10, auth=STAFF).status_code == 200


def test_finding_8_a_colliding_proof_number_is_drawn_again(hall_server, monkeypatch):
    """GIVEN the random part of two proofs' numbers collides THEN the second proof gets another number, not a 500."""
    from hall_server.routes import citizens

    draws = iter([7, 7, 7, 8])
    monkeypatch.setattr(citizens, "_random_digits", lambda: next(draws))
    resident = {"id_number": RESIDENT, "kind": "social_security_enrolment"}
    first = signed_post(hall_server, "/v1/proofs", resident)
    second = signed_post(hall_server, "/v1/proofs", resident)
    assert (first.status_code, second.status_code) == (201, 201), second.text[:200]
    assert first.json()["proof_number"][-6:] == "000007" and second.json()["proof_number"][-6:] == "000008"


# -- 9: log forging ---------------------------------------------------------------------------------------------


def test_finding_9_a_line_break_in_the_path_cannot_forge_a_log_line(hall_server, caplog):
    with caplog.at_level("INFO", logger="hall_server.access"):
        requests.get(hall_server.base_url + "/v1/x%0a2026-11-23 INFO hall_server.access GET /v1/admin 200"
                     "%1b[2J%e2%80%ae", timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "hall_server.access"]
    assert lines and all("\n" not in line and "\x1b" not in line and "\u202e" not in line for line in lines)
    assert any("%0A2026-11-23" in line for line in lines)


# -- 12: the database file's mode -------------------------------------------------------------------------------


def test_finding_12_the_database_and_its_journal_are_readable_by_the_server_user_only(hall_server):
    signed_post(hall_server, "/v1/tickets", {"queue": "social"})
    for suffix in ("", "-wal", "-shm"):
        path = hall_server.db_path + suffix
        if os.path.exists(path):
            assert os.stat(path).st_mode & 0o777 == 0o600, suffix


def test_finding_12_an_existing_database_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "hall.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    hall = start_live_hall(tmp_path)
    hall.server.stop()
    assert os.stat(path).st_mode & 0o777 == 0o600


# -- 13: text that hides or forges what it says -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["投诉内容\x00隐藏", "投诉\x1b[31m内容很长", "投诉内容\u202e很长了", "投诉\u200b内容很长",
                                  "a\u0301\u0301\u0301\u0301\u0301", "\u0301\u0302\u0303\u0304\u0305\u0306"])
def test_finding_13_control_bidi_and_zero_width_characters_and_bare_marks_are_refused(hall_server, text):
    response = signed_post(hall_server, "/v1/complaints", {"kind": "complaint", "content": text})
    assert _code(response) == (422, "invalid_request")


def test_finding_13_line_breaks_and_real_accents_are_kept(hall_server):
    text = "窗口太少，\n排队太久。Café crème"
    response = signed_post(hall_server, "/v1/complaints", {"kind": "complaint", "content": text})
    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize("path, body", [
    ("/v1/devices/events", {"events": [{"event_id": "e1", "type": "printer.paper_out", "severity": "error",
                                        "message": "paper\x1b[2J out", "occurred_at": "2026-11-23T01:00:00Z"}]}),
    ("/v1/devices/heartbeat", {"status": "ok", "app_version": "0.1\u202e", "uptime_seconds": 1}),
    ("/v1/devices/heartbeat", {"status": "ok", "app_version": "0.1", "uptime_seconds": 1,
                               "components": {"printer": {"status": "ok", "message": "ok\x00"}}}),
])
def test_finding_13_device_messages_carry_no_control_characters(hall_server, path, body):
    assert _code(signed_post(hall_server, path, body)) == (422, "invalid_request")


# -- 15: Allow headers ------------------------------------------------------------------------------------------


def test_finding_15_a_405_says_which_methods_are_allowed(hall_server):
    response = requests.delete(hall_server.base_url + "/v1/queues", headers=signed_headers(hall_server, "DELETE",
                                                                                          "/v1/queues"), timeout=10)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


# -- 7: enumerating identity numbers -----------------------------------------------------------------------------


def _numbers_of_one_district_and_birth_date(count: int) -> list[str]:
    body = "61011319850312"
    return [f"{body}{sequence:03d}" + check_digit(f"{body}{sequence:03d}") for sequence in range(count)]


def test_finding_7_enumerating_identity_numbers_from_a_kiosk_is_refused_and_alerted(hall_server):
    """GIVEN a kiosk that tries every identity number of one district and birth date THEN after a citizen's
    handful of lookups it gets 429 rate_limited with Retry-After, and the fleet page shows the kiosk in fault
    with the hall's own security event (1,000 guesses went through in 1.4 s and found a resident's records)."""
    signed_post(hall_server, "/v1/devices/heartbeat", {"status": "ok", "app_version": "0.1.0", "uptime_seconds": 60})
    answers = [signed_post(hall_server, "/v1/records/lookup", {"id_number": number})
               for number in _numbers_of_one_district_and_birth_date(120)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:60] == [200] * 60
    assert set(statuses[60:]) == {429}
    assert int(answers[-1].headers["Retry-After"]) >= 1 and answers[-1].json()["code"] == "rate_limited"
    fleet = requests.get(hall_server.base_url + "/fleet?lang=en", auth=STAFF, timeout=10).text
    assert f'data-kiosk="{hall_server.kiosk_id}" data-state="error"' in fleet and "enumeration" in fleet


def test_finding_7_one_person_looked_up_from_many_kiosks_is_limited_too(tmp_path):
    kiosks = {f"kiosk-{index:02d}": f"secret-of-kiosk-{index:02d}".encode() for index in range(4)}
    hall = start_live_hall(tmp_path)
    hall.server.stop()
    hall = start_live_hall(tmp_path, lookup_limits=LookupLimits(identity_burst=5, identity_interval_s=3600))
    try:
        hall.server.app.config["HALL"].kiosks.update(kiosks)
        statuses = []
        for kiosk_id, secret in kiosks.items():
            hall.kiosk_id, hall.secret = kiosk_id, secret
            statuses += [signed_post(hall, "/v1/records/lookup", {"id_number": RESIDENT}).status_code
                         for _ in range(2)]
        assert statuses == [200] * 5 + [429] * 3
    finally:
        hall.server.stop()


def test_finding_7_a_limited_check_in_is_not_stored_as_its_answer(hall_server):
    """A 429 is no answer: the same request under the same key is tried afresh once the limit allows."""
    limiter = hall_server.server.app.extensions["hall_lookups"]
    limiter.limits = LookupLimits(kiosk_burst=0)
    refused = signed_post(hall_server, "/v1/appointments/ap0/check-in", {"id_number": RESIDENT}, key="same-key-01")
    assert _code(refused) == (429, "rate_limited")
    limiter.limits = LookupLimits()
    limiter._buckets.clear()
    again = signed_post(hall_server, "/v1/appointments/ap0/check-in", {"id_number": RESIDENT}, key="same-key-01")
    assert _code(again) == (404, "appointment_not_found")


# -- 6: sequential case numbers ----------------------------------------------------------------------------------


def test_finding_6_a_case_number_alone_no_longer_opens_a_case(hall_server):
    """GIVEN a sequential case number WHEN it is looked up without the receipt's query code or the applicant's
    card THEN nothing is shown; a wrong code is 'not found' like an unknown number (no oracle)."""
    assert _code(signed_post(hall_server, "/v1/cases/lookup", {"case_number": "YT2026MZ000078"})) == (
        422, "invalid_request")
    code = query_code(hall_server, "YT2026MZ000078")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for body in ({"case_number": "YT2026MZ000078", "query_code": wrong},
                 {"case_number": "YT2026MZ000078", "id_number": RESIDENT},           # not the applicant
                 {"case_number": "YT2026MZ000079", "query_code": code}):
        assert _code(signed_post(hall_server, "/v1/cases/lookup", body)) == (404, "case_not_found"), body
    shown = signed_post(hall_server, "/v1/cases/lookup", {"case_number": "YT2026MZ000078", "query_code": code})
    assert shown.status_code == 200 and shown.json()["cases"][0]["applicant_masked"] == "李**"
    elder = demo_citizen("elder").id_number
    by_card = signed_post(hall_server, "/v1/cases/lookup", {"case_number": "YT2026MZ000078", "id_number": elder})
    assert by_card.status_code == 200


def test_finding_6_a_kiosk_cannot_file_someone_elses_case_review_with_the_number_alone(hall_server):
    """GIVEN someone else's case number THEN a kiosk can neither review it nor get its review link without the
    proof, so the applicant's own review is never blocked by a stranger's."""
    review = {"case_number": "YT2026MZ000078", "level": "very_dissatisfied", "reasons": ["long_wait"]}
    assert _code(signed_post(hall_server, "/v1/reviews", review)) == (422, "invalid_request")
    assert _code(signed_post(hall_server, "/v1/reviews", {**review, "id_number": RESIDENT})) == (
        404, "case_not_found")
    assert _code(signed_post(hall_server, "/v1/reviews/token", {"case_number": "YT2026MZ000078",
                                                                "query_code": "000000"}))[1] == "case_not_found" \
        or query_code(hall_server, "YT2026MZ000078") == "000000"
    elder = demo_citizen("elder").id_number
    assert signed_post(hall_server, "/v1/reviews", {**review, "id_number": elder}).status_code == 201
