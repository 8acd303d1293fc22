"""What the hall answers, as frozen dataclasses: the kiosk never handles the API's raw dicts.

Each class is a pydantic dataclass, so building one from an answer validates it: a missing field
or a wrong type becomes a `HallProtocolError` in the client, not a KeyError three screens later.
Unknown fields are ignored, so a newer hall can add fields without breaking older kiosks.
Names follow the API document (hall_server/openapi.yaml); times are ISO 8601 strings as sent.
"""

from __future__ import annotations

from dataclasses import field
from typing import Literal

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from domain.review_scale import ReviewLevel

__all__ = [
    "HallInfo", "Category", "Material", "MatterSummary", "Matter", "PackageMatter", "ServicePackage",
    "Queue", "QueueRef", "Ticket", "Appointment", "UpcomingAppointments", "MatterRef", "CheckIn", "Slot",
    "SlotList", "CaseStep",
    "Case", "RecordField", "CitizenRecord", "ProofKind", "CitizenRecords", "Proof", "ReviewLink", "ReviewReceipt",
    "ComplaintReceipt", "HeartbeatAck", "EventsAck",
]

_CONFIG = ConfigDict(extra="ignore")

TicketStatus = Literal["waiting", "called", "served", "missed"]
Priority = Literal["none", "elderly", "disabled", "pregnant"]

@dataclass(frozen=True, config=_CONFIG)
class HallInfo:
    name: str
    address: str
    phone: str
    business_hours: str
    server_time: str


@dataclass(frozen=True, config=_CONFIG)
class Category:
    code: str
    name: str
    matter_count: int
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class MatterSummary:
    code: str
    name: str
    name_en: str = field(default="", kw_only=True)   # optional in the API, as every name_en and title_en
    category: str
    department: str
    one_id: bool            # 一证通办: the ID card alone is enough
    cross_region: bool      # 跨区通办: can be handled at another region's hall
    appointable: bool
    queue: str


@dataclass(frozen=True, config=_CONFIG)
class Material:
    name: str
    copies: int
    original: bool
    note: str
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class Matter(MatterSummary):
    conditions: tuple[str, ...]
    materials: tuple[Material, ...]    # 一次性告知: everything to bring, in one list
    fees: str
    legal_days: int
    promised_days: int
    location: str
    packages: tuple[str, ...]


@dataclass(frozen=True, config=_CONFIG)
class PackageMatter:
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class ServicePackage:
    """一件事一次办: several matters bundled into one visit."""
    code: str
    name: str
    description: str
    promised_days: int
    matters: tuple[PackageMatter, ...]
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class Queue:
    code: str
    name: str
    prefix: str
    open: bool
    business_hours: str
    windows: tuple[int, ...]
    waiting: int
    estimated_wait_minutes: int
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class QueueRef:
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class Ticket:
    ticket_id: str
    number: str             # as called out and printed: "A023"
    queue: QueueRef
    service_date: str
    status: TicketStatus
    window: int | None      # set once called
    priority: Priority
    appointment_id: str | None
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: str
    called_at: str | None
    finished_at: str | None
    reviewed: bool = False  # already rated (kiosk or phone): the hall refuses a second review; older halls omit it


@dataclass(frozen=True, config=_CONFIG)
class MatterRef:
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class Appointment:
    appointment_id: str
    matter: MatterRef
    date: str
    start: str
    end: str
    status: Literal["booked", "checked_in", "cancelled"]
    location: str
    ticket_id: str | None


@dataclass(frozen=True, config=_CONFIG)
class UpcomingAppointments:
    """Today's and the coming days' appointments, with the hall's own date: the hall decides which are
    today's (a hall that does not say leaves it to the site's clock)."""

    appointments: tuple[Appointment, ...]
    today: str | None = None


@dataclass(frozen=True, config=_CONFIG)
class CheckIn:
    appointment: Appointment
    ticket: Ticket


@dataclass(frozen=True, config=_CONFIG)
class Slot:
    start: str
    end: str
    free: int


@dataclass(frozen=True, config=_CONFIG)
class SlotList:
    matter: str
    date: str
    slots: tuple[Slot, ...]


@dataclass(frozen=True, config=_CONFIG)
class CaseStep:
    step: Literal["accept", "approve", "complete", "deliver"]
    name: str               # 受理 / 审批 / 办结 / 送达
    status: Literal["done", "current", "pending"]
    at: str | None
    office: str
    note: str


@dataclass(frozen=True, config=_CONFIG)
class Case:
    case_number: str
    matter: MatterRef
    applicant_masked: str
    status: Literal["accepted", "approving", "completed", "delivered"]
    status_name: str
    accepted_at: str
    due_date: str
    steps: tuple[CaseStep, ...]
    reviewed: bool = False  # already rated (kiosk or phone): the hall refuses a second review; older halls omit it


@dataclass(frozen=True, config=_CONFIG)
class RecordField:
    label: str
    value: str


@dataclass(frozen=True, config=_CONFIG)
class CitizenRecord:
    """One 一证通办 summary, e.g. social-security contributions or the housing-fund balance."""
    kind: str
    title: str
    updated_at: str
    fields: tuple[RecordField, ...]
    title_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class ProofKind:
    kind: str
    title: str
    title_en: str = ""


@dataclass(frozen=True, config=_CONFIG)
class CitizenRecords:
    records: tuple[CitizenRecord, ...]
    proofs: tuple[ProofKind, ...]       # proofs this citizen can print now


@dataclass(frozen=True, config=_CONFIG)
class Proof:
    proof_number: str
    kind: str
    title: str
    issued_at: str
    verification_code: str
    issuer: str
    lines: tuple[str, ...]              # printable, personal data already masked


@dataclass(frozen=True, config=_CONFIG)
class ReviewLink:
    token: str
    url: str                            # short ASCII URL for the QR code
    expires_at: str


@dataclass(frozen=True, config=_CONFIG)
class ReviewTargetRef:
    kind: Literal["ticket", "case"]
    id: str


@dataclass(frozen=True, config=_CONFIG)
class ReviewReceipt:
    review_id: str
    target: ReviewTargetRef
    level: ReviewLevel
    callback_requested: bool
    created_at: str


@dataclass(frozen=True, config=_CONFIG)
class ComplaintReceipt:
    number: str
    kind: Literal["complaint", "suggestion"]
    created_at: str
    reply_within_working_days: int
    reference: str | None = None    # the Idempotency-Key it arrived with (the kiosk's outbox item id)


@dataclass(frozen=True, config=_CONFIG)
class HeartbeatAck:
    received_at: str
    next_heartbeat_seconds: int


@dataclass(frozen=True, config=_CONFIG)
class EventsAck:
    accepted: int
    duplicates: int
