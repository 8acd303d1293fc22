"""Issue 18's findings against the hall, each as an attack on the live server over loopback that must fail.

Every test is named after its finding (test_finding_N_...); the slow-client and TLS attacks are in
test_slow_clients.py, the staff page's in test_fleet.py, the phone page's in test_review_page.py.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid

import pytest
import requests

from domain.hall_signing import sign_request
from hall_server.__main__ import parse_command_line
from hall_server.kiosk_secrets import write_kiosks_file
from tests.fixtures.hall import start_live_hall
from tests.hall_server.signed import host_of, signed_get, signed_headers, signed_post


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
