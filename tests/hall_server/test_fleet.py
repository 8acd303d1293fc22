"""The hall staff's fleet page: kiosks with their last heartbeat, state and recent events; not for everyone."""

from __future__ import annotations

from datetime import timedelta

import requests

from tests.fixtures.hall import STAFF, start_live_hall


def report(client, status: str, components: dict) -> None:
    client.heartbeat(status, "0.1.0", 7200, components=components)


def test_the_page_lists_each_kiosk_with_its_state_components_and_latest_events(hall_server, hall_client) -> None:
    report(hall_client, "error", {"printer": {"status": "error", "message": "paper roll is empty"}})
    hall_client.post("/v1/devices/events", {"events": [
        {"event_id": "e1", "type": "printer.paper_out", "severity": "error", "message": "paper roll is empty",
         "occurred_at": "2026-11-23T01:00:00+00:00"}]}, idempotency_key="fleet-test-event-1")
    page = requests.get(hall_server.base_url + "/fleet", auth=STAFF, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'data-kiosk="{hall_server.kiosk_id}" data-state="error"' in page.text
    assert "打印机缺纸" in page.text and "paper roll is empty" in page.text


def test_a_kiosk_that_missed_three_heartbeats_is_shown_as_silent(hall_server, hall_client) -> None:
    report(hall_client, "ok", {})
    hall_server.clock.advance(timedelta(minutes=4))
    page = requests.get(hall_server.base_url + "/fleet", auth=STAFF, timeout=5)
    assert f'data-kiosk="{hall_server.kiosk_id}" data-state="silent"' in page.text


def test_without_heartbeats_the_page_says_so(hall_server) -> None:
    page = requests.get(hall_server.base_url + "/fleet", auth=STAFF, timeout=5)
    assert "尚无终端上报心跳" in page.text
    assert "No kiosk has sent a heartbeat yet" in requests.get(hall_server.base_url + "/fleet?lang=en", auth=STAFF,
                                                                      timeout=5).text


def test_with_a_fleet_password_only_hall_staff_see_the_page(tmp_path) -> None:
    hall = start_live_hall(tmp_path, fleet_password="correct horse battery")
    try:
        url = hall.base_url + "/fleet"
        anonymous = requests.get(url, timeout=5)
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
        assert requests.get(url, auth=("staff", "wrong password"), timeout=5).status_code == 401
        assert requests.get(url, auth=("admin", "correct horse battery"), timeout=5).status_code == 401
        assert requests.get(url, auth=("staff", "correct horse battery"), timeout=5).status_code == 200
    finally:
        hall.server.stop()


def test_heartbeats_cannot_be_posted_without_a_kiosk_signature(hall_server) -> None:
    answer = requests.post(hall_server.base_url + "/v1/devices/heartbeat",
                           json={"status": "ok", "app_version": "x", "uptime_seconds": 1}, timeout=5)
    assert answer.status_code == 401


def test_finding_4_without_a_fleet_password_the_page_is_closed_even_to_loopback(hall_server) -> None:
    """GIVEN no fleet password THEN /fleet is refused to everyone, loopback included: behind a reverse proxy on the
    same host every visitor comes from 127.0.0.1, so "this machine only" made the page public."""
    from hall_server.app import HallConfig, create_app

    app = create_app(HallConfig(db_path=hall_server.db_path, kiosks={}))
    for address in ("10.20.30.40", "127.0.0.1", "::1"):
        answer = app.test_client().get("/fleet", environ_base={"REMOTE_ADDR": address})
        assert answer.status_code == 403 and b"--fleet-password-file" in answer.data


def test_finding_4_a_visitor_through_a_same_host_proxy_needs_the_password(hall_server) -> None:
    assert requests.get(hall_server.base_url + "/fleet", timeout=5,
                        headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 401
