"""The phone review page behind the QR code: signed short links, one review, no login."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from hall_server import review_tokens
from tests.fixtures.hall import hall_rows, query_code

FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]{32})"')


def post_form(url: str, data: dict, **options) -> requests.Response:
    """Send the form as the page does: with the hidden form_token of the page just read."""
    token = FORM_TOKEN.search(requests.get(url, timeout=10).text)
    return requests.post(url, data={**data, "form_token": token.group(1) if token else ""}, timeout=10, **options)


def _served_ticket_link(hall_server, hall_client):
    ticket = hall_client.issue_ticket("social")
    hall_server.simulation.call_next("social", 2)
    hall_server.simulation.finish(ticket.ticket_id)
    return ticket, hall_client.review_link(ticket_id=ticket.ticket_id)


def _reference(page_text: str) -> str:
    return re.search(r"评价编号 <strong>(rv[0-9a-f]{12})</strong>", page_text).group(1)


def _reviews(hall_server):
    return hall_rows(hall_server.db_path, "SELECT target_id, level, overall, attitude, reasons, channel FROM reviews")


def test_page_shows_the_ticket_and_the_five_levels(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    page = requests.get(link.url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert ticket.number in page.text and "社保医保综合窗口" in page.text
    text = page.text.replace("<wbr>", "")         # where a long level's name may wrap
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert level in text


def test_submitting_the_form_stores_one_review(hall_server, hall_client):
    """GIVEN a served ticket WHEN its form is sent, then sent again (a double tap, a resubmitted form) THEN one
    review is stored, and the second answer is the same thanks with the same reference."""
    ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "satisfied", "attitude": "very_satisfied", "comment": "很快"}
    thanks = post_form(link.url, data=form)
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.text
    assert _reviews(hall_server) == [(ticket.ticket_id, "satisfied", "satisfied", "very_satisfied", "[]", "mobile")]
    again = post_form(link.url, data=form)
    assert again.status_code == 200 and "感谢您的评价" in again.text
    assert _reference(again.text) == _reference(thanks.text)
    assert len(_reviews(hall_server)) == 1


def test_two_submissions_at_once_store_one_review_and_both_thank(hall_server, hall_client):
    """GIVEN a served ticket WHEN its form arrives twice at the same moment (both taps got through) THEN one
    review is stored and both answers are the thanks with its reference."""
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "dissatisfied", "reasons": ["long_wait"], "callback_phone": "13800000001"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: post_form(link.url, data=form), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert _reference(answers[0].text) == _reference(answers[1].text)
    assert len(_reviews(hall_server)) == 1
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM callback_requests") == [(1,)]


def test_a_ticket_reviewed_at_the_kiosk_is_not_reviewed_again_on_the_phone(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    hall_client.submit_review("very_satisfied", ticket_id=ticket.ticket_id)
    shown = requests.get(link.url, timeout=10)
    assert shown.status_code == 200 and "您已评价过" in shown.text and "<form" not in shown.text
    sent = post_form(link.url, data={"level": "dissatisfied", "reasons": ["other"]})
    assert sent.status_code == 409 and "您已评价过" in sent.text and "非常满意" in sent.text
    assert [row[1] for row in _reviews(hall_server)] == ["very_satisfied"]


def test_a_ticket_not_yet_served_gets_no_form_and_keeps_nothing_sent(hall_server, hall_client):
    ticket = hall_client.issue_ticket("social")
    link = hall_client.review_link(ticket_id=ticket.ticket_id)
    shown = requests.get(link.url, timeout=10)
    assert shown.status_code == 200 and "办理完成后再来评价" in shown.text and "<form" not in shown.text
    sent = post_form(link.url, data={"level": "satisfied"})
    assert sent.status_code == 409 and "办理完成后再来评价" in sent.text
    assert _reviews(hall_server) == []


def test_head_is_answered_as_get_and_stores_nothing(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    head = requests.head(link.url, timeout=10)
    assert head.status_code == 200 and head.headers["Content-Type"].startswith("text/html") and not head.content
    assert _reviews(hall_server) == []


def test_the_form_keeps_only_what_it_offers_and_drops_reasons_and_phone_from_a_good_review(hall_server,
                                                                                          hall_client):
    """GIVEN a 满意 sent with reasons and a phone left over from a bad level chosen first, and values the page
    never offers THEN the review is stored as 满意 alone: no reasons, no call-back, nothing invented."""
    ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "satisfied", "reasons": ["long_wait"], "callback_phone": "13800000001",
            "efficiency": "superb", "attitude": "satisfied", "unknown": "x"}
    assert post_form(link.url, data=form).status_code == 200
    assert _reviews(hall_server) == [(ticket.ticket_id, "satisfied", "satisfied", "satisfied", "[]", "mobile")]
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM callback_requests") == [(0,)]


def test_a_phone_number_typed_with_spaces_or_full_width_digits_is_understood(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "very_dissatisfied", "reasons": ["other"], "callback_phone": "１３８ 0000-0001"}
    page = post_form(link.url, data=form)
    assert page.status_code == 200 and "138****0001" in page.text
    assert hall_rows(hall_server.db_path, "SELECT phone FROM callback_requests") == [("13800000001",)]


def test_a_refused_form_comes_back_with_every_problem_at_its_field(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    form = {"level": "dissatisfied", "callback_phone": "12345", "comment": "长" * 301}
    page = post_form(link.url, data=form)
    assert page.status_code == 422
    for message in ("请选择不满意的原因", "手机号码应为11位数字", "意见建议最多 300 字，现在是 301 字"):
        assert message in page.text
    assert 'value="12345"' in page.text and "长" * 301 in page.text
    assert _reviews(hall_server) == []


def test_a_ticket_rated_on_the_phone_says_so_in_its_status(hall_server, hall_client):
    """GIVEN a served ticket WHEN it is rated on the phone THEN its status says it was reviewed, so that a kiosk
    does not offer to rate it again (the hall would refuse that review)."""
    ticket, link = _served_ticket_link(hall_server, hall_client)
    assert hall_client.ticket(ticket.ticket_id).reviewed is False
    assert post_form(link.url, data={"level": "satisfied"}).status_code == 200
    assert hall_client.ticket(ticket.ticket_id).reviewed is True


def test_unsatisfied_without_reason_shows_the_form_again(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    page = post_form(link.url, data={"level": "dissatisfied"})
    assert page.status_code == 422 and "请选择不满意的原因" in page.text
    ok = post_form(link.url, data={"level": "dissatisfied", "reasons": ["long_wait", "other"],
                                       "callback_phone": "13800000001"})
    assert ok.status_code == 200
    assert hall_rows(hall_server.db_path, "SELECT COUNT(*) FROM callback_requests") == [(1,)]


def test_form_without_a_level_is_shown_again(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    assert post_form(link.url, data={}).status_code == 422
    assert _reviews(hall_server) == []


def test_a_case_is_reviewed_by_its_case_number_and_matter(hall_server, hall_client):
    [(case_number, matter)] = hall_rows(hall_server.db_path, "SELECT c.case_number, m.name FROM cases c JOIN matters m"
                                        " ON m.code = c.matter_code ORDER BY c.case_number LIMIT 1")
    link = hall_client.review_link(case_number=case_number, query_code=query_code(hall_server, case_number))
    page = requests.get(link.url, timeout=10)
    assert page.status_code == 200 and "办件编号" in page.text and case_number in page.text and matter in page.text
    thanks = post_form(link.url, data={"level": "very_satisfied"})
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.text and case_number in thanks.text


def test_forged_tampered_or_expired_tokens_are_refused(hall_server, hall_client):
    ticket, link = _served_ticket_link(hall_server, hall_client)
    flipped = link.token[:-2] + ("A" if link.token[-2] != "A" else "B") + link.token[-1]
    forged = review_tokens.make_token(b"not-the-hall-key", "ticket", ticket.ticket_id, int(time.time()) + 600)
    key = bytes.fromhex(hall_rows(hall_server.db_path, "SELECT value FROM settings WHERE key = 'review_key'")[0][0])
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


def test_finding_14_a_form_posted_from_another_site_stores_nothing(hall_server, hall_client):
    """GIVEN the review link WHEN another site's page posts a review to it (cross-site request forgery) THEN it is
    refused with 403 and a way back to the page, and nothing is stored: the browser names the other site in
    Origin, and a form the hall did not serve lacks its form_token."""
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    token = FORM_TOKEN.search(requests.get(link.url, timeout=10).text).group(1)
    evil = requests.post(link.url, data={"level": "very_dissatisfied", "reasons": ["other"], "form_token": token},
                         headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, timeout=10)
    assert evil.status_code == 403 and "请重新打开评价页面" in evil.text
    forged = requests.post(link.url, data={"level": "very_dissatisfied", "reasons": ["other"]}, timeout=10)
    assert forged.status_code == 403
    assert _reviews(hall_server) == []
    same = requests.post(link.url, data={"level": "satisfied", "form_token": token},
                         headers={"Origin": hall_server.base_url, "Sec-Fetch-Site": "same-origin"}, timeout=10)
    assert same.status_code == 200 and len(_reviews(hall_server)) == 1


def test_finding_14_every_page_forbids_framing_and_sniffing_and_leaves_no_referrer(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    page = requests.get(link.url, timeout=10)
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"


def test_finding_14_the_link_token_never_reaches_the_access_log(hall_server, hall_client, caplog):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    token = link.url.rsplit("/", 1)[1]
    with caplog.at_level("INFO", logger="hall_server.access"):
        requests.get(link.url, timeout=10)
        post_form(link.url, data={"level": "satisfied"})
    assert "/r/<token>" in caplog.text and token not in caplog.text


def test_finding_13_a_comment_with_control_characters_comes_back_to_be_corrected(hall_server, hall_client):
    _ticket, link = _served_ticket_link(hall_server, hall_client)
    page = post_form(link.url, data={"level": "satisfied", "comment": "很好\u202e很快"})
    assert page.status_code == 422 and "看不见的控制字符" in page.text
    assert _reviews(hall_server) == []
