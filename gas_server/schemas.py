"""Request bodies of the gas API, validated at the boundary into typed objects (pydantic).

Unknown fields, wrong types (strict: "100" is not a number, true is not 1), impossible values: each a 422
problem that names the field and why, never echoing the value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from domain.gas_card import MAX_PURCHASE_COUNT
from gas_server.problems import Problem

__all__ = ["parse", "is_idempotency_key", "AccountLookup", "QuoteRequest", "OrderRequest", "PaymentResult",
           "ReserveRequest", "WriteConfirmation", "RefundRequest", "CardOnly", "MAX_AMOUNT_FEN", "MAX_VOLUME"]

M = TypeVar("M", bound=BaseModel)

MAX_AMOUNT_FEN = 10_000_000          # 十万元: far above any limit, keeps arithmetic and JSON sane
MAX_VOLUME = 1_000_000               # 100 000 m³

CardNumber = Annotated[str, Field(pattern=r"^[0-9]{8,20}$")]
# JSON has one number type, so 890.0 is 890 (the API document's integer admits it too); a fraction, a string
# or a boolean is still refused.
JsonInt = BeforeValidator(lambda value: int(value) if type(value) is float and value.is_integer() else value)
PurchaseCount = Annotated[int, JsonInt, Field(ge=0, le=MAX_PURCHASE_COUNT)]
AmountFen = Annotated[int, JsonInt, Field(ge=1, le=MAX_AMOUNT_FEN)]
VolumeTenths = Annotated[int, JsonInt, Field(ge=1, le=MAX_VOLUME)]
Reference = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


def is_idempotency_key(text: str) -> bool:
    """An Idempotency-Key header: 8-128 printable ASCII characters."""
    return 8 <= len(text) <= 128 and text.isascii() and text.isprintable()


def _moment(text: str) -> str:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ValueError("an ISO 8601 time with its offset (+08:00 or Z)")
    return text


Moment = Annotated[str, Field(max_length=40), AfterValidator(_moment)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class CardOnly(Body):
    card_number: CardNumber


class AccountLookup(Body):
    card_number: CardNumber
    purchase_count: PurchaseCount          # the count the card carries now


class QuoteRequest(Body):
    card_number: CardNumber
    amount_fen: AmountFen | None = None
    volume_tenths_m3: VolumeTenths | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "QuoteRequest":
        if (self.amount_fen is None) == (self.volume_tenths_m3 is None):
            raise ValueError("give exactly one of amount_fen and volume_tenths_m3")
        return self


class OrderRequest(Body):
    card_number: CardNumber
    purchase_count: Annotated[int, JsonInt, Field(ge=1, le=MAX_PURCHASE_COUNT)]   # the card's count + 1
    amount_fen: AmountFen                   # as quoted
    volume_tenths_m3: VolumeTenths          # as quoted


class PaymentResult(Body):
    outcome: Literal["paid", "not_paid"]
    method: Literal["wechat_code", "bank_card"]
    transaction_id: Reference | None = None
    amount_fen: AmountFen | None = None
    paid_at: Moment | None = None
    reason: Literal["closed", "revoked", "failed", "abandoned"] | None = None

    @model_validator(mode="after")
    def _complete(self) -> "PaymentResult":
        if self.outcome == "paid":
            if self.transaction_id is None or self.amount_fen is None or self.paid_at is None:
                raise ValueError("a paid outcome needs transaction_id, amount_fen and paid_at")
            if self.reason is not None:
                raise ValueError("a paid outcome has no reason")
        elif self.reason is None:
            raise ValueError("a not_paid outcome needs a reason")
        return self


class ReserveRequest(Body):
    pass


class GasOnCard(Body):
    measure: Literal["volume", "amount"]
    value: Annotated[int, JsonInt, Field(ge=0, le=0xFFFFFFFF)]


class ReadBack(Body):
    purchase_count: PurchaseCount
    gas: GasOnCard
    awaiting_meter: bool


class WriteConfirmation(Body):
    reservation_id: Reference
    outcome: Literal["written", "failed"]
    read_back: ReadBack | None = None       # what the card holds now; null: it could not be read
    error_code: Code | None = None          # the card driver's stable code for a failed write

    @model_validator(mode="after")
    def _complete(self) -> "WriteConfirmation":
        if self.outcome == "written" and (self.read_back is None or self.error_code is not None):
            raise ValueError("a written outcome needs read_back and has no error_code")
        if self.outcome == "failed" and self.error_code is None:
            raise ValueError("a failed outcome needs error_code")
        return self


class RefundRequest(Body):
    reason: Literal["write_failed", "card_unavailable", "terminal_fault", "citizen_request"]
    method: Literal["reversal", "refund"]
    reference: Reference                    # the payment channel's reversal or refund id


def parse(model: type[M]) -> M:
    """The request's JSON body as `model`, or a problem document that names the faulty fields."""
    if not request.is_json:
        raise Problem("unsupported_media_type")
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        payload = None
    if not isinstance(payload, dict):
        raise Problem("malformed_json")
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        errors = [{"field": ".".join(str(part) for part in e["loc"]) or "(body)", "problem": e["msg"]}
                  for e in error.errors(include_url=False, include_input=False, include_context=False)]
        raise Problem("invalid_request", errors=errors,
                      detail="Fields: " + ", ".join(e["field"] for e in errors) + ".") from None

