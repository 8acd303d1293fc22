"""The phone review page behind the QR code: signed short links, one review, no login."""

from __future__ import annotations

import sqlite3
import time

import requests

from hall_server import review_tokens


def _served_ticket_link(hall_server, hall_client):
    ticket = hall_client.issue_ticket("social")
    hall_server.simulation.call_next("social", 2)
    hall_server.simulation.finish(ticket.ticket_id)
    return ticket, hall_client.review_link(ticket_id=ticket.ticket_id)


def _reviews(hall_server):
    with sqlite3.connect(hall_server.db_path) as db:
        return db.execute("SELECT target_id, level, overall, attitude, reasons, channel FROM reviews").fetchall()


def test_page_shows_the_ticket_and_the_five_levels(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    page = requests.get(link.url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert ticket.number in page.text and "社保医保综合窗口" in page.text
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert level in page.text


def test_submitting_the_form_stores_one_review(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "satisfied", "attitude": "very_satisfied", "comment": "很快"}
    thanks = requests.post(link.url, data=form, timeout=10)
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.text
    assert _reviews(hall_server) == [(ticket.ticket_id, "satisfied", "satisfied", "very_satisfied", "[]", "mobile")]
    again = requests.post(link.url, data=form, timeout=10)
    assert again.status_code == 409 and "已评价" in again.text
    assert len(_reviews(hall_server)) == 1


def test_a_ticket_rated_on_the_phone_says_so_in_its_status(hall_server, hall_client):
    """GIVEN a served ticket WHEN it is rated on the phone THEN its status says it was reviewed, so that a kiosk
    does not offer to rate it again (the hall would refuse that review)."""
    ticket, link = _served_ticket_link(hall_server, hall_client)
    assert hall_client.ticket(ticket.ticket_id).reviewed is False
    assert requests.post(link.url, data={"level": "satisfied"}, timeout=10).status_code == 200
    assert hall_client.ticket(ticket.ticket_id).reviewed is True


def test_unsatisfied_without_reason_shows_the_form_again(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    page = requests.post(link.url, data={"level": "dissatisfied"}, timeout=10)
    assert page.status_code == 422 and "请选择不满意的原因" in page.text
    ok = requests.post(link.url, data={"level": "dissatisfied", "reasons": ["long_wait", "other"],
                                       "callback_phone": "13800000001"}, timeout=10)
    assert ok.status_code == 200
    with sqlite3.connect(hall_server.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM callback_requests").fetchone() == (1,)


def test_form_without_a_level_is_shown_again(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    assert requests.post(link.url, data={}, timeout=10).status_code == 422
    assert _reviews(hall_server) == []


def test_forged_tampered_or_expired_tokens_are_refused(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    flipped = link.token[:-2] + ("A" if link.token[-2] != "A" else "B") + link.token[-1]
    forged = review_tokens.make_token(b"not-the-hall-key", "ticket", ticket.ticket_id, int(time.time()) + 600)
    with sqlite3.connect(hall_server.db_path) as db:
        key = bytes.fromhex(db.execute("SELECT value FROM settings WHERE key = 'review_key'").fetchone()[0])
    expired = review_tokens.make_token(key, "ticket", ticket.ticket_id, int(time.time()) - 120)
    for token in (flipped, forged, expired, "x", "!!!!!!!!!!!!"):
        page = requests.get(f"{hall_server.base_url}/r/{token}", timeout=10)
        assert page.status_code == 404 and "无效或已过期" in page.text
    assert requests.post(f"{hall_server.base_url}/r/{forged}", data={"level": "satisfied"},
                         timeout=10).status_code == 404
    assert _reviews(hall_server) == []


def test_token_round_trip_for_tickets_and_cases():
    key = b"k" * 32
    ticket = review_tokens.make_token(key, "ticket", "t0123456789abcdef", 2_000_000_000)
    case = review_tokens.make_token(key, "case", "YT2026JJ000045", 2_000_000_000)
    assert len(ticket) == 28 and ticket.isascii()
    assert review_tokens.read_token(key, ticket, 1_999_999_000) == review_tokens.ReviewTarget(
        "ticket", "t0123456789abcdef", 2_000_000_000 // 60 * 60)
    assert review_tokens.read_token(key, case, 1_999_999_000).target_id == "YT2026JJ000045"
    assert review_tokens.read_token(key, ticket, 2_000_000_100) is None
