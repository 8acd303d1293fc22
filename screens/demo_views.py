"""Fictitious journey states for `main.py --screenshot`: every step of every journey screen can be drawn
without a hall or devices. Names and numbers are the demo citizens' (fake), shown masked as in real use.

A journey screen lists its states in `screenshot_views()`: (step name, view) pairs it can `show()`.
"""

from __future__ import annotations

from kiosk.hall.models import (
    Appointment, CitizenRecord, MatterRef, ProofKind, Queue, QueueRef, RecordField, Ticket,
)
from kiosk.maintenance.diagnostics import DiagnosticLine, Verdict

__all__ = ["DEMO_QUEUES", "DEMO_TICKET", "DEMO_RECORDS", "DEMO_PROOFS", "DEMO_APPOINTMENT", "DEMO_DIAGNOSTICS",
           "DEMO_NEXT_OPENING", "DEMO_SUSPEND_NOTICE"]

DEMO_QUEUES = (
    Queue(code="social", name="社保医保综合窗口", name_en="Social security and medical insurance",
          prefix="A", open=True, business_hours="周一至周五 09:00-17:00",
          windows=(1, 2, 3, 4), waiting=6, estimated_wait_minutes=18),
    Queue(code="housing_fund", name="住房公积金窗口", name_en="Housing fund",
          prefix="B", open=True, business_hours="周一至周五 09:00-17:00",
          windows=(5, 6), waiting=2, estimated_wait_minutes=8),
    Queue(code="traffic", name="车驾管业务窗口", name_en="Vehicles and driving licences",
          prefix="C", open=True, business_hours="周一至周六 09:00-17:00",
          windows=(7, 8), waiting=11, estimated_wait_minutes=35),
    Queue(code="real_estate", name="不动产登记窗口", name_en="Real estate registration",
          prefix="E", open=False, business_hours="周一至周五 09:00-17:00",
          windows=(12, 13), waiting=0, estimated_wait_minutes=0),
)

DEMO_TICKET = Ticket(
    ticket_id="demo-ticket", number="A023",
    queue=QueueRef(code="social", name="社保医保综合窗口", name_en="Social security and medical insurance"),
    service_date="2026-11-23", status="waiting", window=None, priority="none", appointment_id=None,
    people_ahead=6, estimated_wait_minutes=18, issued_at="2026-11-23T10:05:00+08:00", called_at=None,
    finished_at=None,
)

DEMO_RECORDS = (
    CitizenRecord(kind="social_security", title="养老保险", title_en="Pension insurance", updated_at="2026-11-01", fields=(
        RecordField(label="累计缴费", value="156个月"), RecordField(label="参保状态", value="正常参保"))),
    CitizenRecord(kind="housing_fund", title="住房公积金", title_en="Housing fund", updated_at="2026-11-01", fields=(
        RecordField(label="账户余额", value="￥35,280.00"), RecordField(label="缴存状态", value="正常缴存"))),
)

DEMO_PROOFS = (ProofKind(kind="social_security", title="参保证明"),)

DEMO_APPOINTMENT = Appointment(
    appointment_id="demo-appointment",
    matter=MatterRef(code="pension", name="老龄补贴年审", name_en="Annual review of the old-age allowance"),
    date="2026-11-23", start="10:00", end="10:30", status="booked", location="二楼 社保医保综合窗口", ticket_id=None,
)

DEMO_DIAGNOSTICS = [
    DiagnosticLine("hall", "online", Verdict.OK, "https://hall.example/v1 answers in 42 ms"),
    DiagnosticLine("outbox", "3 waiting", Verdict.INFO, "oldest 2 min, none dead"),
    DiagnosticLine("printer", "paper_low", Verdict.WARNING, "paper below 10%", "change the roll soon"),
    DiagnosticLine("reader", "error", Verdict.FAULT, "no answer on /dev/ttyUSB0", "check the cable"),
]

DEMO_NEXT_OPENING = {"zh": "明天（星期二）09:00", "en": "tomorrow (Tuesday) at 09:00"}
DEMO_SUSPEND_NOTICE = "技术人员正在更换打印纸，约10分钟后恢复。"
