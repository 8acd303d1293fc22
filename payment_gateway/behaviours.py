"""Injectable behaviours: how the citizen, the bank and the network behave for one payment code or one order.

    store.behave(Behaviour(confirm_after_s=12), auth_code="134567890123456789")   # in-process (tests)
    POST /_control/behaviours {"auth_code": "1345…", "behaviour": {"confirm_after_s": 12}}   # over HTTP

A behaviour registered for an order (`out_trade_no`) wins over one for its payment code; without either, a
demo code (DEMO_CODES) or the default applies: the payment succeeds at once. Fields:

    confirm_after_s        0: paid at once (200 SUCCESS); N: USERPAYING (202) and SUCCESS N s later on the
                           gateway's clock; None: the user never confirms (WeChat closes it after 45 s)
    refusal                "NOTENOUGH": insufficient balance, the order is PAYERROR (403);
                           "AUTH_CODE_EXPIRE": the code is refused before any order exists (403)
    errors                 {operation: n}: its first n calls answer 500 SYSTEM_ERROR. codepay's 500 comes
                           after the order is recorded (the terminal cannot know the outcome); the others'
                           before anything is done
    dropped                n: the first n codepay requests are lost before the gateway records anything
                           (answered 500): a query then finds no order
    delays                 {operation: seconds}: its first answer is held that long (real time) after the
                           work is done: a client with a shorter read timeout never sees it
    tampered               {operation: n}: its first n answers are changed after signing (a claim of SUCCESS)
    reverse_refused        reverse answers 403 TRADE_ERROR and changes nothing
    lands_during_reverse   the user's confirmation lands just as the reverse arrives: the order is paid first,
                           then the reverse takes the money back (or, refused, leaves it paid)
    openid                 the payer's openid (default: one made from the code)

Operations: codepay, native, query, reverse, close, refund, refund_query.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Behaviour", "DEMO_CODES", "OPERATIONS", "take", "take_dropped"]

OPERATIONS = ("codepay", "native", "query", "reverse", "close", "refund", "refund_query")
REFUSALS = ("NOTENOUGH", "AUTH_CODE_EXPIRE")


@dataclass(frozen=True)
class Behaviour:
    confirm_after_s: float | None = 0.0
    refusal: str | None = None
    errors: dict[str, int] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    tampered: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    reverse_refused: bool = False
    lands_during_reverse: bool = False
    openid: str = ""

    def __post_init__(self) -> None:
        if self.confirm_after_s is not None and self.confirm_after_s < 0:
            raise ValueError("confirm_after_s is 0 or more, or None (never)")
        if self.refusal is not None and self.refusal not in REFUSALS:
            raise ValueError(f"refusal is one of {', '.join(REFUSALS)}")
        for name in ("errors", "delays", "tampered"):
            unknown = set(getattr(self, name)) - set(OPERATIONS)
            if unknown:
                raise ValueError(f"{name}: unknown operation(s) {', '.join(sorted(unknown))}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Behaviour":
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown behaviour field(s): {', '.join(sorted(unknown))}")
        return cls(**known)


def take_dropped(state: dict[str, Any]) -> bool:
    """Whether this codepay is lost before anything is recorded, spending the counter in `state`."""
    if state.get("dropped", 0) > 0:
        state["dropped"] -= 1
        return True
    return False


def take(state: dict[str, Any], operation: str) -> tuple[bool, float, bool]:
    """For one call of `operation`: (answer 500, seconds to hold the answer, tamper the answer), spending the
    behaviour's counters in `state` (a behaviour's dict, changed in place)."""
    fail = tamper = False
    delay = 0.0
    errors, delays, tampered = state.get("errors", {}), state.get("delays", {}), state.get("tampered", {})
    if errors.get(operation, 0) > 0:
        errors[operation] -= 1
        fail = True
    if operation in delays:
        delay = float(delays.pop(operation))
    if tampered.get(operation, 0) > 0:
        tampered[operation] -= 1
        tamper = True
    return fail, delay, tamper


# Payment codes with a known behaviour, for the demo's simulated scanner (any other valid code pays at once).
DEMO_CODES: dict[str, tuple[str, Behaviour]] = {
    "134567890000000001": ("pays at once", Behaviour()),
    "134567890000000012": ("confirms on the phone after 12 s", Behaviour(confirm_after_s=12)),
    "134567890000000099": ("never confirms: reversed after 30 s", Behaviour(confirm_after_s=None)),
    "134567890000000051": ("insufficient balance", Behaviour(refusal="NOTENOUGH")),
    "134567890000000500": ("the gateway fails once (500), then pays", Behaviour(errors={"codepay": 1})),
    "134567890000000077": ("confirms just as the reverse arrives",
                           Behaviour(confirm_after_s=None, lands_during_reverse=True)),
}
