"""The citizen's 好差评 page behind the ticket's QR code, in a real browser, on a phone and on a desktop.

Issue 20's defects one by one (test_defect_N_…), then the page as a whole: without JavaScript, at 320 px
with the text at 200 %, on a desktop, and nothing fetched from outside the hall. Each page state is also
written to docs/screenshots/web/ for the README.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import contextmanager
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.checks import MIN_TARGET_PX, layout_defects, screenshot, tap_targets

HALL_NAME = "西安市雁塔区政务服务中心（演示）"
THANKS = "感谢您的评价"
REFERENCE = re.compile(r"rv[0-9a-f]{12}")


def overall(page: Page, level: str):
    return page.get_by_role("group", name="总体评价").get_by_role("radio", name=level, exact=True)


def reasons_group(page: Page):
    return page.get_by_role("group", name=re.compile("原因"))


def submit(page: Page) -> None:
    """Tap 提交评价 and wait for the hall's answer to be the page (its URL stays the same)."""
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()


def tampered(url: str) -> str:
    """The link with its signature's last characters changed, as a mistyped or truncated link would be."""
    return url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB")


@contextmanager
def database_busy(hall_server) -> Iterator[None]:
    """Hold the hall's write lock: a review sent meanwhile waits for it, as on a slow network or a busy hall."""
    db = sqlite3.connect(hall_server.db_path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        db.execute("ROLLBACK")
        db.close()


def stored_reviews(hall_server) -> list[tuple]:
    with sqlite3.connect(hall_server.db_path) as db:
        return db.execute("SELECT id, level, overall, efficiency, reasons, comment, channel FROM reviews").fetchall()


def callbacks(hall_server) -> list[tuple]:
    with sqlite3.connect(hall_server.db_path) as db:
        return db.execute("SELECT phone, status FROM callback_requests").fetchall()


# --- issue 20's defects, each a test that failed before its fix ---------------------------------------------


def test_defect_1_a_rejected_submission_keeps_everything_typed(open_page, ticket_links):
    """GIVEN the form WHEN 不满意 is sent without a reason THEN the page says what is missing and everything the
    citizen chose and typed is still there: the level, the comment, the phone number; and so on a second
    refusal, with the indicators chosen in between."""
    page = open_page(ticket_links.served().url)
    overall(page, "不满意").check()
    page.locator("textarea[name=comment]").fill("排队一个小时，窗口只开了一个")
    page.locator("input[name=callback_phone]").fill("13800000001")
    submit(page)
    expect(page.get_by_text("请选择不满意的原因").first).to_be_visible()
    expect(overall(page, "不满意")).to_be_checked()
    expect(page.locator("textarea[name=comment]")).to_have_value("排队一个小时，窗口只开了一个")
    expect(page.locator("input[name=callback_phone]")).to_have_value("13800000001")
    expect(reasons_group(page)).to_be_visible()

    efficiency = page.get_by_role("group", name="办事效率").get_by_role("radio", name="基本满意", exact=True)
    efficiency.check()
    submit(page)
    expect(page.get_by_text("请选择不满意的原因").first).to_be_visible()
    expect(efficiency).to_be_checked()
    expect(overall(page, "不满意")).to_be_checked()
    screenshot(page, "review-error-phone")


def test_defect_2_a_ticket_already_reviewed_says_so_before_any_form(open_page, ticket_links):
    """GIVEN a ticket already reviewed (at the kiosk) WHEN its link is opened THEN the page says so at once,
    with no form to fill in for nothing."""
    page = open_page(ticket_links.reviewed("satisfied").url)
    expect(page.get_by_role("heading", name="您已评价过")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    expect(page.get_by_text("满意", exact=True)).to_be_visible()
    screenshot(page, "review-already-reviewed-phone")


def test_defect_3_a_ticket_not_yet_served_asks_to_come_back_and_the_link_stays_valid(open_page, ticket_links,
                                                                                     hall_server):
    """GIVEN a ticket still waiting (the QR code is printed at issue) WHEN its link is opened THEN the page says
    to come back after the visit, that the same link stays valid (until when), and shows no form; once the
    ticket is served, the same link opens the form."""
    link = ticket_links.waiting()
    page = open_page(link.url)
    expect(page.get_by_role("heading", name="办理完成后再来评价")).to_be_visible()
    expect(page.get_by_text(link.number, exact=False).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"此链接.*18:00.*前有效"))).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    screenshot(page, "review-not-served-phone")

    assert hall_server.simulation.call_next("social", 3) == link.ticket_id
    page.reload()
    expect(page.get_by_text("正在 3 号窗口办理")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)

    hall_server.simulation.finish(link.ticket_id)
    page.get_by_role("link", name="刷新").click()
    expect(overall(page, "满意")).to_be_visible()


def test_defect_4_a_double_tap_submits_once_and_shows_thanks(open_page, ticket_links, hall_server):
    """GIVEN a hall slow to answer (its database is busy) WHEN 提交评价 is tapped twice THEN the form is sent once,
    the button says it is sending and takes no second tap, and the citizen sees the thanks, not "您已评价过"."""
    page = open_page(ticket_links.served().url)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    submissions: list[str] = []
    page.on("console", lambda message: submissions.append(message.text))
    # Each submission the page lets through, and its button just after: read from the page itself, since
    # while a form's answer is awaited Playwright only looks at the page that will replace it.
    page.evaluate("""window.addEventListener('submit', () => setTimeout(() => {
        const button = document.querySelector('form button');
        console.log(JSON.stringify([button.textContent, button.disabled]));
    }))""")
    overall(page, "满意").check()
    with database_busy(hall_server):
        page.get_by_role("button", name="提交评价").dblclick()
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert submissions == ['["正在提交…",true]']
    assert len(posts) == 1
    assert len(stored_reviews(hall_server)) == 1


def test_defect_5_every_target_is_large_enough_and_submit_is_in_reach(open_page, ticket_links):
    """GIVEN the form on a 390×844 phone THEN every radio, checkbox, field and button is at least 44×44 px, none
    overlap, the submit button is on screen without scrolling, and every heading sits inside its card."""
    page = open_page(ticket_links.served().url)
    overall(page, "非常不满意").check()         # shows every control there is
    assert layout_defects(page) == []
    targets = tap_targets(page)
    assert len(targets) >= 5 + 3 * 5 + 7 + 3     # levels, indicators, reasons, phone, comment, submit
    assert all(t["height"] >= MIN_TARGET_PX and t["width"] >= MIN_TARGET_PX for t in targets)
    page.evaluate("window.scrollTo(0, 0)")
    box = page.get_by_role("button", name="提交评价").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844


def test_defect_6_reasons_and_call_back_only_for_a_bad_level_and_the_phone_checked_in_chinese(open_page,
                                                                                             ticket_links):
    """GIVEN the form THEN reasons and the call-back appear only once 不满意 or 非常不满意 is chosen, their heading
    names both, and a malformed phone number gets a Chinese sentence at the field, not the browser's bubble."""
    page = open_page(ticket_links.served().url)
    phone = page.locator("input[name=callback_phone]")
    expect(reasons_group(page)).to_be_hidden()
    expect(phone).to_be_hidden()
    overall(page, "满意").check()
    expect(reasons_group(page)).to_be_hidden()
    expect(phone).to_be_hidden()
    for bad in ("不满意", "非常不满意"):
        overall(page, bad).check()
        expect(reasons_group(page)).to_be_visible()
        expect(phone).to_be_visible()
    legend = reasons_group(page).locator("legend").inner_text()
    assert "不满意" in legend and ("非常不满意" in legend or "不满意或" not in legend)
    assert "“不满意”时必选" not in page.content()
    reasons_group(page).evaluate("reasons => reasons.scrollIntoView()")
    screenshot(page, "review-unsatisfied-phone")

    reasons_group(page).get_by_role("checkbox", name="等候时间长").check()
    phone.fill("1380000")
    submit(page)
    expect(page.locator("#callback").get_by_text("手机号码应为11位数字")).to_be_visible()
    expect(phone).to_have_value("1380000")
    expect(reasons_group(page).get_by_role("checkbox", name="等候时间长")).to_be_checked()


def test_defect_7_the_confirmation_gives_a_reference_and_what_happens_next(open_page, ticket_links, hall_server):
    """GIVEN the form THEN it says the review is anonymous and what a phone number is for, and shows faces;
    WHEN a 非常不满意 with a call-back is sent THEN the thanks names the hall, gives a reference, says the
    call-back was recorded (masked) and within how many working days the hall follows up."""
    page = open_page(ticket_links.served().url)
    expect(page.get_by_text("匿名").first).to_be_visible()
    assert page.locator("fieldset svg").count() >= 5
    screenshot(page, "review-form-phone")
    overall(page, "非常不满意").check()
    expect(page.get_by_text("仅用于").first).to_be_visible()
    reasons_group(page).get_by_role("checkbox", name="服务态度差").check()
    page.locator("input[name=callback_phone]").fill("13800000001")
    submit(page)
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    text = page.locator("body").inner_text()
    [(review_id, *_)] = stored_reviews(hall_server)
    assert REFERENCE.search(text) and review_id in text
    assert HALL_NAME in text
    assert "138****0001" in text and "13800000001" not in text
    assert re.search(r"\d+ ?个工作日内", text)
    assert callbacks(hall_server) == [("13800000001", "pending")]
    screenshot(page, "review-thanks-phone")


def test_defect_8_head_is_no_submission_and_the_token_stays_out_of_the_access_log(open_page, ticket_links,
                                                                                 hall_server, caplog):
    """GIVEN a review link WHEN a link preview asks HEAD, and a phone opens and submits it THEN HEAD answers like
    GET (200, nothing stored) and the access log never holds the token, only the route."""
    link = ticket_links.served()
    token = link.url.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="hall_server.access"):
        assert requests.head(link.url, timeout=5).status_code == 200
        assert stored_reviews(hall_server) == []
        page = open_page(link.url)
        overall(page, "满意").check()
        submit(page)
        expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    lines = [record.getMessage() for record in caplog.records if record.name == "hall_server.access"]
    assert any(line.startswith("HEAD /r/") for line in lines) and any(line.startswith("POST /r/") for line in lines)
    assert not any(token in line for line in lines)


# --- the page as a whole -------------------------------------------------------------------------------------


def test_without_javascript_a_bad_review_goes_through_from_start_to_thanks(open_page, ticket_links, hall_server):
    """GIVEN a phone with JavaScript off WHEN 非常不满意 is chosen THEN reasons and call-back appear (CSS alone);
    sent without a reason it comes back with everything kept; with a reason it is stored and thanked."""
    page = open_page(ticket_links.served().url, javascript=False)
    expect(reasons_group(page)).to_be_hidden()
    overall(page, "非常不满意").check()
    expect(reasons_group(page)).to_be_visible()
    page.locator("input[name=callback_phone]").fill("13900000002")
    submit(page)
    expect(page.get_by_text("请选择不满意的原因").first).to_be_visible()
    expect(overall(page, "非常不满意")).to_be_checked()
    reasons_group(page).get_by_role("checkbox", name="多次跑动").check()
    submit(page)
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    [(_, level, _, _, reasons, _, channel)] = stored_reviews(hall_server)
    assert (level, reasons, channel) == ("very_dissatisfied", '["repeated_visits"]', "mobile")
    assert callbacks(hall_server) == [("13900000002", "pending")]


@pytest.mark.parametrize("state", ["form", "unsatisfied", "error", "thanks", "not-served", "reviewed", "missed",
                                   "invalid"])
def test_no_layout_defect_at_320_px_with_the_text_at_200_percent(open_page, ticket_links, hall_server, state):
    """GIVEN a 320 px phone whose text size is set to 200 % THEN the text really is twice as large and every
    page state reads without a defect: no sideways scrolling, nothing cut off, targets still ≥ 44 px."""
    links = {"not-served": ticket_links.waiting, "reviewed": ticket_links.reviewed, "missed": ticket_links.missed}
    url = links.get(state, ticket_links.served)().url
    page = open_page(tampered(url) if state == "invalid" else url, device="small-phone", text_scale=2)
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)") >= 32
    if state in ("unsatisfied", "error", "thanks"):
        overall(page, "不满意").check()
    if state == "thanks":
        reasons_group(page).get_by_role("checkbox", name="等候时间长").check()
    if state in ("error", "thanks"):
        submit(page)
        answer = page.get_by_role("heading", name=THANKS) if state == "thanks" else page.locator("#errors")
        expect(answer).to_be_visible()
    assert layout_defects(page) == []
    if state == "form":
        screenshot(page, "review-form-320px-text-200pct")


@pytest.mark.parametrize("state", ["not-served", "missed", "invalid"])
def test_every_state_page_reads_cleanly_on_a_phone(open_page, ticket_links, state):
    """GIVEN a link that cannot lead to a form THEN its page says why, without a layout defect on a phone."""
    links = {"not-served": ticket_links.waiting, "missed": ticket_links.missed, "invalid": ticket_links.served}
    url = links[state]().url
    page = open_page(tampered(url) if state == "invalid" else url)
    headings = {"not-served": "办理完成后再来评价", "missed": "此号已过号", "invalid": "评价链接无效或已过期"}
    expect(page.get_by_role("heading", name=headings[state])).to_be_visible()
    assert layout_defects(page) == []
    screenshot(page, f"review-{state}-phone")


def test_on_a_desktop_the_form_is_a_readable_column_and_submits(open_page, ticket_links, hall_server):
    """GIVEN a 1280×800 desktop browser THEN the form stays a readable column in the middle, without defects,
    and a review goes through."""
    page = open_page(ticket_links.served().url, device="desktop")
    box = page.locator("main").bounding_box()
    assert box is not None and box["width"] <= 720 and abs(box["x"] + box["width"] / 2 - 640) < 20
    overall(page, "不满意").check()
    assert layout_defects(page) == []
    screenshot(page, "review-form-desktop")
    reasons_group(page).get_by_role("checkbox", name="办理效率低").check()
    page.get_by_role("group", name="服务态度").get_by_role("radio", name="满意", exact=True).check()
    submit(page)
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    [(_, level, overall_, _, reasons, _, _)] = stored_reviews(hall_server)
    assert (level, overall_, reasons) == ("dissatisfied", "dissatisfied", '["slow_processing"]')


def test_nothing_is_fetched_from_outside_the_hall(open_page, ticket_links, hall_server):
    """GIVEN the form, sent to the thanks THEN every request the browser made went to the hall itself, and the
    hall's own Content-Security-Policy would refuse anything else."""
    page = open_page(ticket_links.served().url)
    answer = requests.get(page.url, timeout=5)
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    overall(page, "满意").check()
    submit(page)
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert page.requests_seen and all(url.startswith(hall_server.base_url) for url in page.requests_seen)
