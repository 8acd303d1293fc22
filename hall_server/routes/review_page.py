"""The citizen's 好差评 page on a phone: /r/<token>, behind the QR code on a ticket or a case receipt.

The page is public (no login, no kiosk signature): the signed token names what is reviewed and is the only
permission. What it shows depends on where that ticket or case stands, so that nobody fills in a form for
nothing:

- token malformed, forged or expired: 评价链接无效或已过期 (404);
- ticket still waiting, or at a window: 办理完成后再来评价, and until when the same link works;
- ticket missed (not at the window when called): 此号已过号;
- already reviewed, at a kiosk or on a phone: 您已评价过, with when, where, the level and the reference;
- to be reviewed: the form; sent, the thanks, or the form again (422) with everything kept and each problem
  at its field.

A state page answers 200 to GET and 409 to a POST (a form sent from a page read earlier).

A POST is taken only from the page itself (cross-site request forgery): the form carries `form_token`, an HMAC
of the link's token with the hall's review key, and a browser's `Origin` (or `Sec-Fetch-Site`) must name this
hall; anything else gets 403 and a link back to the page. hall_server.pages adds the headers every page gets
(CSP, no framing, nosniff, no referrer, no caching).

A phone review's id is derived from what it reviews with the hall's review key, so every submission through
one link names the same review: the first stores it, a second (a double tap on a slow network, a form sent
again) finds it and gets the same thanks, never "already reviewed" for the citizen's own review. The form
works without JavaScript (reasons and call-back appear by CSS once a bad level is chosen; every check is
made here); the script only keeps a second tap from sending again. HEAD is answered as GET. The access log
writes the route, never the token (hall_server.app); hall_server.pages keeps the page self-contained.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, request
from werkzeug.datastructures import MultiDict

from domain.phone import is_mobile_number
from domain.privacy import mask_phone
from domain.review_scale import (INDICATORS, LEVELS, REASONS, REVIEW_INDICATORS, REVIEW_LEVELS, REVIEW_REASONS,
                                 UNSATISFIED)
from hall_server import review_tokens
from hall_server.case_proof import case_query_code
from hall_server.clock import CHINA_STANDARD_TIME
from hall_server.context import hall_config, hall_now
from hall_server.pages import chinese_date, page
from hall_server.problems import Problem
from hall_server.routes.reviews import review_key, store
from hall_server.schemas import ReviewRequest, plain_text_problem
from hall_server.tickets import ticket_view

__all__ = ["blueprint", "ReviewForm", "Visit"]

blueprint = Blueprint("review_page", __name__)

COMMENT_MAX = 300
# The indicators asked beside the overall level, which is the level itself.
ASPECTS = INDICATORS[1:]


@dataclass(frozen=True)
class Visit:
    """What the citizen came for, as the page shows it."""

    kind: str                   # ticket | case
    target_id: str
    number: str                 # A023, or the case number
    title: str                  # the queue's or the matter's name
    status: str                 # waiting | called | served | missed (a case: served)
    window: int | None
    day: str                    # 2026年11月23日
    people_ahead: int = 0


@dataclass
class ReviewForm:
    """The form as sent, cleaned of anything the page never offers, and what is wrong with it."""

    level: str = ""
    aspects: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    comment: str = ""
    callback_phone: str = ""

    @classmethod
    def read(cls, form: MultiDict) -> "ReviewForm":
        level = form.get("level", "")
        chosen = form.getlist("reasons")
        return cls(level=level if level in LEVELS else "",
                   aspects={name: form[name] for name in ASPECTS if form.get(name) in LEVELS},
                   reasons=[reason for reason in REASONS if reason in chosen],
                   comment=form.get("comment", "").strip(),
                   callback_phone=form.get("callback_phone", "").strip())

    @property
    def unsatisfied(self) -> bool:
        return self.level in UNSATISFIED

    @property
    def phone_number(self) -> str:
        """The number as typed, in ASCII digits (full-width digits, spaces and dashes are how people type)."""
        return "".join(ch for ch in unicodedata.normalize("NFKC", self.callback_phone) if ch not in " -")

    def errors(self) -> dict[str, str]:
        """Field name → the sentence shown at that field, in the order the form asks."""
        errors = {}
        if not self.level:
            errors["level"] = "请选择总体评价：点一下最符合您感受的表情。"
        if self.unsatisfied and not self.reasons:
            errors["reasons"] = "请选择不满意的原因，至少一项。"
        if self.unsatisfied and self.callback_phone and not is_mobile_number(self.phone_number):
            errors["callback_phone"] = "手机号码应为11位数字、以1开头，例如 13800000000；不需要回访可以不填。"
        if len(self.comment) > COMMENT_MAX:
            errors["comment"] = f"意见建议最多 {COMMENT_MAX} 字，现在是 {len(self.comment)} 字。"
        elif plain_text_problem(self.comment, multiline=True) is not None:
            errors["comment"] = "意见建议里有看不见的控制字符（可能是从别处复制来的），请删去后再提交。"
        return errors

    def review_request(self, visit: Visit) -> ReviewRequest:
        """The review as the hall stores it: reasons and a call-back only come with a bad level."""
        body: dict[str, Any] = {"ticket_id" if visit.kind == "ticket" else "case_number": visit.target_id,
                                "level": self.level, "indicators": {"overall": self.level, **self.aspects},
                                "comment": self.comment}
        if visit.kind == "case":            # the signed link is the proof; as a request it carries the case's code
            body["query_code"] = case_query_code(review_key(), visit.target_id)
        if self.unsatisfied:
            body["reasons"] = self.reasons
            if self.callback_phone:
                body["callback_phone"] = self.phone_number
        return ReviewRequest.model_validate(body)


@blueprint.route("/r/<token>", methods=["GET", "POST"])
def review_page(token: str) -> Response:
    target = review_tokens.read_token(review_key(), token, time.time())
    visit = _visit(target.kind, target.target_id) if target is not None else None
    if target is None or visit is None:
        return _state("invalid", 404, visit=None)
    if request.method != "POST":                      # GET, and HEAD as GET: a link preview submits nothing
        return _before_the_form(visit, target.expires_at, 200) or _form(visit, ReviewForm(), {}, 200)
    if not _same_site():
        return _state("foreign_form", 403, visit=visit, link=request.path)
    settled = _before_the_form(visit, target.expires_at, 409)
    if settled is not None:
        return _thanks_again(visit) or settled
    if not hmac.compare_digest(request.form.get("form_token", ""), form_token(token)):
        return _state("foreign_form", 403, visit=visit, link=request.path)
    form = ReviewForm.read(request.form)
    errors = form.errors()
    if errors:
        return _form(visit, form, errors, 422)
    try:
        store(visit.kind, visit.target_id, form.review_request(visit), "mobile", review_id=_phone_review_id(visit))
    except Problem as problem:          # reviewed or called back since the page was read: say where it stands
        if problem.code not in ("already_reviewed", "not_yet_served"):
            raise
        return _thanks_again(visit) or _before_the_form(visit, target.expires_at, 409)
    return _thanks(visit, 200)


def form_token(token: str) -> str:
    """The hidden field of the form behind `token`: only a page the hall served carries it."""
    return hmac.new(review_key(), f"review-form:{token}".encode(), hashlib.sha256).hexdigest()[:32]


def _same_site() -> bool:
    """Whether a browser says the POST comes from this hall's own pages (not a form on another site)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin in (None, "null"):
        # An older browser or not a browser, or our own no-referrer policy (then browsers send "null"): the
        # Sec-Fetch-Site above and the form token still decide.
        return True
    allowed = {request.host}
    public = hall_config().public_base_url
    if public:
        allowed.add(urlsplit(public).netloc)
    return urlsplit(origin).netloc in allowed


def _phone_review_id(visit: Visit) -> str:
    digest = hmac.new(review_key(), f"phone-review:{visit.kind}:{visit.target_id}".encode(), hashlib.sha256)
    return "rv" + digest.hexdigest()[:12]


def _visit(kind: str, target_id: str) -> Visit | None:
    if kind == "ticket":
        try:
            ticket = ticket_view(g.conn, target_id)
        except Problem:
            return None
        return Visit("ticket", target_id, ticket["number"], ticket["queue"]["name"], ticket["status"],
                     ticket["window"], chinese_date(ticket["service_date"]), ticket["people_ahead"])
    row = g.conn.execute("SELECT c.case_number, c.accepted_at, m.name FROM cases c JOIN matters m"
                         " ON m.code = c.matter_code WHERE c.case_number = ?", (target_id,)).fetchone()
    if row is None:
        return None
    return Visit("case", target_id, row["case_number"], row["name"], "served", None, chinese_date(row["accepted_at"]))


def _review_of(visit: Visit) -> dict[str, Any] | None:
    row = g.conn.execute("SELECT r.id, r.level, r.channel, r.created_at, c.phone FROM reviews r"
                         " LEFT JOIN callback_requests c ON c.review_id = r.id"
                         " WHERE r.target_kind = ? AND r.target_id = ?", (visit.kind, visit.target_id)).fetchone()
    if row is None:
        return None
    created = datetime.fromisoformat(row["created_at"])
    return {"id": row["id"], "level": row["level"], "level_name": REVIEW_LEVELS[row["level"]],
            "channel": row["channel"], "unsatisfied": row["level"] in UNSATISFIED,
            "when": f"{created.month}月{created.day}日 {created:%H:%M}",
            "callback_phone": mask_phone(row["phone"]) if row["phone"] else None}


def _before_the_form(visit: Visit, expires_at: int, status: int) -> Response | None:
    """The state page when this visit cannot be reviewed (now or ever), or None when the form is due."""
    review = _review_of(visit)
    if review is not None:
        return _state("reviewed", status, visit=visit, review=review)
    if visit.status in ("waiting", "called"):
        return _state("not_served", status, visit=visit, valid_until=_valid_until(expires_at),
                      link=request.path)
    if visit.status == "missed":
        return _state("missed", status, visit=visit)
    return None


def _thanks_again(visit: Visit) -> Response | None:
    """The thanks, when this link's own review is already stored (sent twice): never "already reviewed"."""
    review = _review_of(visit)
    if review is not None and review["id"] == _phone_review_id(visit):
        return _thanks(visit, 200)
    return None


def _valid_until(expires_at: int) -> str:
    moment = datetime.fromtimestamp(expires_at, CHINA_STANDARD_TIME)
    if moment.date() == hall_now().date():
        return f"今天 {moment:%H:%M}"
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def _hall() -> dict[str, Any]:
    info = json.loads(g.conn.execute("SELECT value FROM settings WHERE key = 'hall_info'").fetchone()["value"])
    return {"name": info.get("name", ""), "phone": info.get("phone", ""),
            "follow_up_days": hall_config().review_follow_up_working_days}


def _common() -> dict[str, Any]:
    return {"hall": _hall(), "levels": REVIEW_LEVELS, "reasons": REVIEW_REASONS,
            "aspects": {name: REVIEW_INDICATORS[name] for name in ASPECTS}, "unsatisfied": sorted(UNSATISFIED)}


def _form(visit: Visit, form: ReviewForm, errors: dict[str, str], status: int) -> Response:
    token = request.view_args["token"] if request.view_args else ""
    return page("review_form.html", status, visit=visit, form=form, errors=errors, form_token=form_token(token),
                **_common())


def _thanks(visit: Visit, status: int) -> Response:
    return _state("thanks", status, visit=visit, review=_review_of(visit))


def _state(state: str, status: int, **context: Any) -> Response:
    return page("review_state.html", status, state=state, **context, **_common())
