"""Request bodies of the API, validated at the boundary into typed objects (pydantic).

Unknown fields, wrong types, impossible identity numbers: all become a 422 problem document that
says which field is wrong and why, without echoing the value (it may be an identity number).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from domain.citizen_id import is_valid_id_number
from domain.phone import MOBILE_PATTERN
from domain.review_scale import ReviewLevel, ReviewReason
from hall_server.problems import Problem

__all__ = ["parse", "validate", "invalid_request", "is_idempotency_key", "plain_text_problem", "visible_length",
           "PRIORITIES", "BATCH_MAX_MEMBERS", "MAX_UPTIME_SECONDS"]

PRIORITIES = ("none", "elderly", "disabled", "pregnant")
# A kiosk's uptime in a heartbeat: a century is more than any machine runs, and fits every number type.
MAX_UPTIME_SECONDS = 100 * 366 * 86400
BATCH_MAX_MEMBERS = 100

M = TypeVar("M", bound=BaseModel)

_FOREIGN_2017 = re.compile(r"[A-Z]{3}\d{12}")


def _identity_number(value: str) -> str:
    value = value.strip().upper()
    if is_valid_id_number(value) or _FOREIGN_2017.fullmatch(value):
        return value
    raise ValueError("not a valid identity or permit number (GB 11643 check digit, or a 15-character"
                     " foreign permanent residence card number)")


def _integral_float(value: Any) -> Any:
    """3600.0 as 3600; anything else (3600.5, "3600", True) is left for the strict check to refuse."""
    return int(value) if type(value) is float and value.is_integer() else value


def is_idempotency_key(text: str) -> bool:
    """The rule for an Idempotency-Key header and a batch member's id: 8-128 printable ASCII characters."""
    return 8 <= len(text) <= 128 and text.isascii() and text.isprintable()


def _idempotency_key(value: str) -> str:
    if is_idempotency_key(value):
        return value
    raise ValueError("not a usable idempotency key (8-128 printable ASCII characters)")


# Characters that change how text is shown without being text: C0/C1 controls (ESC starts terminal
# sequences, NUL cuts strings short), bidirectional overrides and isolates (U+202E shows "gpj.exe" as
# "exe.jpg"), zero-width and invisible characters, the BOM, and unassigned or private-use code points.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u061c\u180e"
                       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def plain_text_problem(text: str, *, multiline: bool) -> str | None:
    """Why `text` is not plain text a person typed (None when it is): for every free-text field of the API."""
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if ch in _INVISIBLE or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return (f"contains an invisible or control character (U+{ord(ch):04X}); only printable text"
                    + (" and line breaks" if multiline else "") + " is accepted")
    if text and unicodedata.category(text[0]).startswith("M"):
        return "starts with a combining mark, which has no character to sit on"
    return None


def visible_length(text: str) -> int:
    """Characters as a reader counts them: combining marks (accents) belong to the character before them."""
    return sum(1 for ch in text if not unicodedata.category(ch).startswith("M") and not ch.isspace())


def _plain(multiline: bool, min_visible: int = 0) -> AfterValidator:
    def check(value: str) -> str:
        problem = plain_text_problem(value, multiline=multiline)
        if problem is not None:
            raise ValueError(problem)
        if visible_length(value) < min_visible:
            raise ValueError(f"needs at least {min_visible} visible characters (accents and spaces do not count)")
        return value
    return AfterValidator(check)


IdNumber = Annotated[str, AfterValidator(_identity_number)]
OneLine = _plain(multiline=False)
Paragraph = _plain(multiline=True)
IdempotencyKey = Annotated[str, AfterValidator(_idempotency_key)]
Mobile = Annotated[str, Field(pattern=MOBILE_PATTERN.pattern)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Citizen(Body):
    id_number: IdNumber


class TicketRequest(Body):
    queue: Code
    priority: Literal["none", "elderly", "disabled", "pregnant"] = "none"
    citizen: Citizen | None = None
    matter_code: Code | None = None


class IdentityOnly(Body):
    id_number: IdNumber


class AppointmentLookup(Body):
    id_number: IdNumber
    upcoming: bool = False   # today's only unless asked: the answer older kiosks expect stays as it was


class BookingRequest(Body):
    matter_code: Code
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    start: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    id_number: IdNumber
    phone: Mobile | None = None

    @model_validator(mode="after")
    def _real_date(self) -> "BookingRequest":
        date.fromisoformat(self.date)
        return self


QueryCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class CaseProof(Body):
    """What shows that a case is the caller's to see or rate: the applicant's identity number (read from the
    card) or the 6-digit query code (查询密码) printed on the acceptance receipt. A case number alone is not
    enough: case numbers are sequential."""

    id_number: IdNumber | None = None
    query_code: QueryCode | None = None


class CaseLookup(CaseProof):
    case_number: Code | None = None

    @model_validator(mode="after")
    def _by_person_or_by_number_with_proof(self) -> "CaseLookup":
        if self.case_number is None:
            if self.id_number is None or self.query_code is not None:
                raise ValueError("give id_number, or case_number with query_code or id_number")
        elif (self.id_number is None) == (self.query_code is None):
            raise ValueError("a case_number needs exactly one of query_code and id_number")
        return self


class ProofRequest(Body):
    id_number: IdNumber
    kind: Code


class ReviewTargetRequest(CaseProof):
    ticket_id: Code | None = None
    case_number: Code | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "ReviewTargetRequest":
        if (self.ticket_id is None) == (self.case_number is None):
            raise ValueError("give exactly one of ticket_id and case_number")
        if self.ticket_id is not None and (self.id_number is not None or self.query_code is not None):
            raise ValueError("a ticket is reviewed by its ticket_id alone")
        if self.case_number is not None and (self.id_number is None) == (self.query_code is None):
            raise ValueError("a case_number needs exactly one of query_code and id_number")
        return self


class Indicators(Body):
    overall: ReviewLevel | None = None
    efficiency: ReviewLevel | None = None
    service_level: ReviewLevel | None = None
    attitude: ReviewLevel | None = None


class ReviewRequest(ReviewTargetRequest):
    level: ReviewLevel
    indicators: Indicators = Indicators()
    reasons: Annotated[list[ReviewReason], Field(max_length=7)] = []
    comment: Annotated[str, Field(max_length=300), Paragraph] = ""
    callback_phone: Mobile | None = None


class ComplaintRequest(Body):
    kind: Literal["complaint", "suggestion"]
    content: Annotated[str, Field(min_length=5, max_length=1000), _plain(multiline=True, min_visible=5)]
    matter_code: Code | None = None
    ticket_id: Code | None = None
    contact_phone: Mobile | None = None


class ComponentStatus(Body):
    status: Literal["ok", "degraded", "error", "absent"]
    message: Annotated[str, Field(max_length=200), OneLine] = ""


class Heartbeat(Body):
    status: Literal["ok", "degraded", "error"]
    app_version: Annotated[str, Field(min_length=1, max_length=40), OneLine]
    # JSON has one number type, so 3600.0 is 3600 (the API document's integer admits it too).
    uptime_seconds: Annotated[int, BeforeValidator(_integral_float), Field(ge=0, le=MAX_UPTIME_SECONDS)]
    components: Annotated[dict[Annotated[str, Field(min_length=1, max_length=40), OneLine], ComponentStatus],
                          Field(max_length=32)] = {}


class DeviceEvent(Body):
    event_id: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")]
    severity: Literal["info", "warning", "error"]
    message: Annotated[str, Field(max_length=500), OneLine] = ""
    occurred_at: Annotated[str, Field(min_length=10, max_length=40), OneLine]


class DeviceEvents(Body):
    events: Annotated[list[DeviceEvent], Field(min_length=1, max_length=100)]


class BatchMember(Body):
    # The body goes to its path's own model as sent: nothing stripped, so that it is the very request
    # that the same POST alone would be.
    model_config = ConfigDict(extra="forbid", strict=True)

    id: IdempotencyKey
    path: Annotated[str, Field(min_length=1, max_length=200)]
    body: dict[str, Any]


class BatchRequest(Body):
    requests: Annotated[list[BatchMember], Field(min_length=1, max_length=BATCH_MAX_MEMBERS)]


def parse(model: type[M]) -> M:
    """The request's JSON body as `model`, or a problem document that names the faulty fields."""
    if not request.is_json:
        raise Problem("unsupported_media_type")
    try:
        payload = request.get_json(silent=True)
    except RecursionError:          # absurdly deep nesting; no real request looks like that
        payload = None
    if not isinstance(payload, dict):
        raise Problem("malformed_json")
    return validate(model, payload)


def validate(model: type[M], payload: dict[str, Any]) -> M:
    """A JSON object already parsed (a batch member's body) as `model`, or the same problem as `parse`."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise invalid_request([{"field": ".".join(str(part) for part in e["loc"]) or "(body)", "problem": e["msg"]}
                               for e in error.errors(include_url=False, include_input=False,
                                                     include_context=False)]) from None


def invalid_request(errors: list[dict[str, str]]) -> Problem:
    """422 invalid_request naming the faulty fields ({"field", "problem"}), never their values."""
    return Problem("invalid_request", errors=errors, detail="Fields: " + ", ".join(e["field"] for e in errors) + ".")
