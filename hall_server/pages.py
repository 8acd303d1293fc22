"""The hall's HTML pages (the citizen's review page, the staff's fleet page): how every one is answered.

A page is one self-contained document: its CSS and its little script are inline, allowed by a nonce fresh
for every answer, and its Content-Security-Policy starts from `default-src 'none'`, so a browser fetches
nothing from anywhere (no font, no script, no analytics) and an injected tag would not run. Pages are not
cached (a review page may echo a phone number back), leave no Referer (a review link's token is its
permission) and cannot be framed.

    return page("fleet.html", kiosks=..., now=...)          # a Response, status 200
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask import Response, render_template

__all__ = ["page", "chinese_date", "relative_time"]


def page(template: str, status: int = 200, *, csp_connect: str | None = None, **context: Any) -> Response:
    """`csp_connect`: where the page's script may fetch from (the live fleet page: "'self'"); default nowhere."""
    nonce = secrets.token_urlsafe(16)
    html = render_template(template, csp_nonce=nonce, **context)
    response = Response(html, status=status, mimetype="text/html")
    connect = f"connect-src {csp_connect}; " if csp_connect else ""
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; img-src data:; {connect}"
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"            # frame-ancestors, for browsers without CSP 2
    return response


def chinese_date(day: date | str) -> str:
    """2026年11月23日."""
    day = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


def relative_time(then: datetime, now: datetime, language: str = "zh") -> str:
    """How long ago, as staff read it at a glance: 刚刚, 40 秒前, 3 分钟前, 2 小时前, 5 天前 (or in English)."""
    seconds = max(0, int((now - then).total_seconds()))
    for size, zh, en in ((86_400, "天", "d"), (3_600, "小时", "h"), (60, "分钟", "min"), (1, "秒", "s")):
        if seconds >= size and (size > 1 or seconds >= 10):
            count = seconds // size
            return f"{count} {zh}前" if language == "zh" else f"{count} {en} ago"
    return "刚刚" if language == "zh" else "just now"
