"""How the staff's fleet page reads a kiosk: one state, from its worst current problem, in Chinese or English.

A kiosk's state, worst first (the page lists kiosks in this order and counts them at the top):

| state      | 中文     | English    | when                                                                            |
|------------|----------|------------|---------------------------------------------------------------------------------|
| `silent`   | 失联     | Silent     | no heartbeat for three intervals (off, frozen, cut off), or the broker says it  |
|            |          |            | went offline (its MQTT last will); its last report, stale                       |
| `error`    | 故障     | Fault      | a current problem of severity error                                             |
| `degraded` | 部分异常 | Degraded   | a current problem of severity warning (paper running low), none worse           |
| `ok`       | 正常     | In service | no current problem                                                              |

A current problem is a part the last heartbeat reports in error or degraded, an event of a part (`reader.lost`
is the reader's) of severity warning or error that nothing resolved since (neither a later event of that
part, such as `reader.connected`, nor a later heartbeat that reports the part well), or the kiosk's own
overall word when it names no part. So a kiosk that says "ok" in a heartbeat without a word on its reader, five
minutes after the reader was lost, is in fault. The maintenance desk's events are a record of what a
technician did, never a state. Kiosks' own messages (for technicians, in English) are shown as sent.

This module only reads: `kiosk_status(heartbeat, events, now)` turns what the hall stored into a
`KioskStatus`; where heartbeats and events come from is the route's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

__all__ = ["STATES", "SILENT", "KioskStatus", "KioskProblem", "KioskEvent", "kiosk_status", "fleet_counts",
           "part_name", "event_name", "worst_first", "TEXTS"]

STATES = ("silent", "error", "degraded", "ok")          # worst first
SILENT = "silent"
_RANK = {state: rank for rank, state in enumerate(STATES)}
# Events that say what a technician did, not how a part is.
_RECORD_PARTS = {"maintenance"}

PARTS = {
    "kiosk": ("终端", "Kiosk"),
    "printer": ("打印机", "Printer"),
    "reader": ("身份证阅读器", "ID card reader"),
    "hall": ("大厅系统连接", "Hall connection"),
    "outbox": ("待发送数据", "Outbox"),
    "gascard": ("燃气卡读卡器", "Gas card reader"),
    "scanner": ("付款码扫描器", "Payment code scanner"),
    "bankcard": ("银行卡终端", "Bank card terminal"),
    "maintenance": ("维护", "Maintenance"),
}
# The kiosk's event types (kiosk/devices/heartbeat.py), as staff read them.
EVENTS = {
    "printer.paper_near_end": ("打印纸将用完", "Paper running low"),
    "printer.paper_out": ("打印机缺纸", "Printer out of paper"),
    "printer.cover_open": ("打印机盖未关", "Printer cover open"),
    "printer.offline": ("打印机离线", "Printer offline"),
    "printer.cutter_error": ("打印机切纸刀故障", "Paper cutter fault"),
    "printer.ready": ("打印机恢复正常", "Printer ready again"),
    "reader.lost": ("身份证阅读器断开", "ID card reader lost"),
    "reader.sam_fault": ("阅读器安全模块故障", "Card reader SAM fault"),
    "reader.connected": ("身份证阅读器已连接", "ID card reader connected"),
    "hall.unreachable": ("无法连接大厅系统", "Hall system unreachable"),
    "hall.reachable": ("大厅系统连接恢复", "Hall system reachable again"),
}
_PART_STATUS = {"error": ("故障", "fault"), "degraded": ("异常", "warning")}

TEXTS: dict[str, dict[str, str]] = {
    "zh": {"title": "自助终端运行状态", "updated": "更新于", "refresh": "每 {s} 秒自动刷新", "live": "实时更新",
           "other_language": "English",
           "in_service": "正常服务", "degraded": "异常", "silent": "失联", "of_which": "其中故障 {n} 台",
           "state_ok": "正常", "state_degraded": "部分异常", "state_error": "故障", "state_silent": "失联",
           "kiosk": "终端", "state": "状态", "problems": "当前问题", "heartbeat": "最后心跳", "events": "最近事件",
           "none": "无", "no_kiosks": "尚无终端上报心跳。", "version": "版本",
           "up": "已运行 {h} 小时", "stale": "以下为失联前上报的状态，已过时",
           "silent_for": "当前状态未知（最后心跳 {ago}）"},
    "en": {"title": "Kiosk fleet", "updated": "Updated", "refresh": "refreshes every {s} s", "live": "updates live",
           "other_language": "中文",
           "in_service": "In service", "degraded": "Degraded", "silent": "Silent", "of_which": "{n} in fault",
           "state_ok": "In service", "state_degraded": "Degraded", "state_error": "Fault", "state_silent": "Silent",
           "kiosk": "Kiosk", "state": "State", "problems": "Current problems", "heartbeat": "Last heartbeat",
           "events": "Recent events", "none": "None", "no_kiosks": "No kiosk has sent a heartbeat yet.",
           "version": "version", "up": "up {h} h", "stale": "As reported before it fell silent: stale",
           "silent_for": "Current state unknown (last heartbeat {ago})"},
}


@dataclass(frozen=True)
class KioskProblem:
    part: str
    severity: str               # error | degraded
    label_zh: str
    label_en: str
    message: str                # the kiosk's own words, for technicians
    since: datetime | None      # when it began, where an event says so

    def label(self, language: str) -> str:
        return self.label_zh if language == "zh" else self.label_en


@dataclass(frozen=True)
class KioskEvent:
    type: str
    severity: str               # info | warning | error
    message: str
    at: datetime

    def label(self, language: str) -> str:
        return event_name(self.type, language)


@dataclass(frozen=True)
class KioskStatus:
    kiosk_id: str
    state: str                  # one of STATES
    problems: tuple[KioskProblem, ...]   # worst first; when silent, as last reported (stale)
    last_heartbeat: datetime
    app_version: str
    uptime_hours: float
    events: tuple[KioskEvent, ...]       # newest first

    @property
    def stale(self) -> bool:
        return self.state == SILENT


def part_name(part: str, language: str) -> str:
    names = PARTS.get(part)
    return part if names is None else names[0 if language == "zh" else 1]


def event_name(type_: str, language: str) -> str:
    names = EVENTS.get(type_)
    if names is not None:
        return names[0 if language == "zh" else 1]
    part, _, what = type_.partition(".")
    return f"{part_name(part, language)}: {what}" if what else type_


def _moment(text: str, fallback: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return fallback
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def kiosk_status(heartbeat: Mapping[str, Any], events: Iterable[Mapping[str, Any]], now: datetime, *,
                 silent_after_seconds: float, recent: int = 5, offline: bool = False) -> KioskStatus:
    """The state of one kiosk. `heartbeat`: kiosk_id, received_at (ISO), status, report (the body as sent);
    `events`: that kiosk's latest events (type, severity, message, occurred_at, received_at), any order;
    `offline`: the broker has published its last will."""
    received = datetime.fromisoformat(heartbeat["received_at"])
    report = heartbeat["report"]
    parts: dict[str, Mapping[str, str]] = report.get("components", {})
    history = sorted((KioskEvent(e["type"], e["severity"], e["message"],
                                 _moment(e["occurred_at"], datetime.fromisoformat(e["received_at"])))
                      for e in events), key=lambda e: e.at, reverse=True)

    problems: dict[str, KioskProblem] = {}
    for part, reported in parts.items():
        if reported.get("status") in _PART_STATUS:
            severity = reported["status"]
            zh, en = _PART_STATUS[severity]
            problems[part] = KioskProblem(part, severity, f"{part_name(part, 'zh')}{zh}",
                                          f"{part_name(part, 'en')} {en}", reported.get("message", ""), None)
    latest: dict[str, KioskEvent] = {}
    for event in history:
        latest.setdefault(event.type.partition(".")[0], event)
    for part, event in latest.items():
        if part in _RECORD_PARTS or event.severity not in ("warning", "error"):
            continue
        reported_well_since = parts.get(part, {}).get("status") in ("ok", "absent") and received > event.at
        if reported_well_since:
            continue
        severity = "error" if event.severity == "error" else "degraded"
        if part not in problems or _RANK[severity] <= _RANK[problems[part].severity]:
            problems[part] = KioskProblem(part, severity, event_name(event.type, "zh"), event_name(event.type, "en"),
                                          event.message, event.at)
    if heartbeat["status"] in _PART_STATUS and not problems:
        zh, en = _PART_STATUS[heartbeat["status"]]
        problems["kiosk"] = KioskProblem("kiosk", heartbeat["status"], f"终端自报{zh}", f"Kiosk reports a {en}",
                                         "", None)

    ordered = tuple(sorted(problems.values(), key=lambda p: (_RANK[p.severity], p.part)))
    if offline or (now - received).total_seconds() > silent_after_seconds:
        state = SILENT
    else:
        state = ordered[0].severity if ordered else "ok"
    return KioskStatus(heartbeat["kiosk_id"], state, ordered, received, report.get("app_version", ""),
                       report.get("uptime_seconds", 0) / 3600, tuple(history[:recent]))


def fleet_counts(kiosks: Iterable[KioskStatus]) -> dict[str, int]:
    """The counts at the top of the page: in service, degraded (of which in fault), silent."""
    counts = {"in_service": 0, "degraded": 0, "error": 0, "silent": 0}
    for kiosk in kiosks:
        if kiosk.state == "ok":
            counts["in_service"] += 1
        elif kiosk.state == SILENT:
            counts["silent"] += 1
        else:
            counts["degraded"] += 1
            counts["error"] += kiosk.state == "error"
    return counts


def worst_first(kiosks: Iterable[KioskStatus]) -> list[KioskStatus]:
    return sorted(kiosks, key=lambda kiosk: (_RANK[kiosk.state], kiosk.kiosk_id))
