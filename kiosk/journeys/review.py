"""The 好差评 journey: rate what was just served (a ticket or a case), or identify by ID card and choose
one of one's cases; five levels, the optional in-person indicators, and — when unsatisfied — reasons, a few
words of the citizen's own if they like (handwriting or pinyin on the touchscreen), and a phone number for a
call-back. The review is committed to the outbox, so it reaches the hall once even
if the network is down now.

    journey = ReviewJourney(hall=client, outbox=connection.outbox, worker=worker, session=session,
                            on_change=screen.show, target={"ticket_id": "..."})   # or target=None
    journey.begin()                 # CHECKING → RATE (or NOT_SERVED, NOTHING_TO_RATE); without a target WAITING_CARD
    journey.card_read(identity)     # LOOKING_UP → CHOOSE_CASE (or NOTHING_TO_RATE, UNAVAILABLE)
    journey.choose_case("YT2026SC000123")
    journey.rate("dissatisfied")    # INDICATORS: one indicator at a time, `skip_indicators()` any time
    journey.toggle_reason("long_wait")                               # only when unsatisfied
    journey.open_comment(); journey.finish_comment("窗口只开了一个")    # optional: COMMENT, then REASONS again
    journey.confirm_reasons()
    journey.give_phone("13800000001")   # or skip_phone(): SAVING → THANKS (or NOT_SAVED)

What the hall says was already rated (at a kiosk or on a phone, `reviewed`) is not offered: the hall would
refuse a second review when the outbox delivers it, leaving a dead item for a technician.

The body sent is exactly the hall's ReviewRequest (hall_server/schemas.py): see `review_body`. The phone
number is personal: it lives in the session (wiped at its end) and only its masked form reaches the view.
The comment is personal too (a citizen may name a member of staff, or themselves): it is shown back, so it lives
in the view (blanked when the screen is left), is registered with the log filter for the session
(kiosk.devices.text_input.keep_private) and goes to the hall only in the sealed outbox.

A comment is asked of an unsatisfied citizen only, beside the reasons, as the hall's 差评 process wants words to
act on; a satisfied rating stays one tap (plus the optional indicators), and praise in words has the phone page
and 投诉建议.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from domain.review_scale import INDICATORS, LEVELS, REASONS, UNSATISFIED
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import card_problem_key
from kiosk.devices.text_input import keep_private
from kiosk.hall.errors import HallRejected
from kiosk.hall.models import Case
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import ReviewHall, ReviewOutbox
from kiosk.journeys.phone import PhoneStep
from kiosk.session import Session

__all__ = ["ReviewStep", "ReviewView", "ReviewJourney", "review_body", "MAX_COMMENT"]

log = logging.getLogger(__name__)

# The hall keeps up to 300 characters of comment (schemas.ReviewRequest), as its phone page lets one write.
MAX_COMMENT = 300


class ReviewStep(enum.Enum):
    CHECKING = "checking"             # asking the hall whether the ticket has been served yet
    WAITING_CARD = "waiting_card"     # from the home tile: identify to find one's cases
    LOOKING_UP = "looking_up"         # asking the hall for this citizen's cases
    CHOOSE_CASE = "choose_case"
    NOTHING_TO_RATE = "nothing_to_rate"   # missed, unknown or already rated; no cases (left) to rate
    NOT_SERVED = "not_served"         # the ticket is still waiting: rate after the service (QR code)
    CARD_PROBLEM = "card_problem"
    UNAVAILABLE = "unavailable"       # the cases could not be looked up
    RATE = "rate"                     # the five levels
    INDICATORS = "indicators"         # optional: one indicator at a time
    REASONS = "reasons"               # unsatisfied: why (at least one)
    COMMENT = "comment"               # unsatisfied, optional: a few words, by hand or in pinyin
    PHONE = "phone"                   # unsatisfied: a number for a call-back (optional)
    SAVING = "saving"                 # committing to the outbox
    THANKS = "thanks"
    NOT_SAVED = "not_saved"           # the outbox refused: say so, and where to go instead


@dataclass(frozen=True)
class ReviewView:
    step: ReviewStep
    subject: str = ""                      # what is rated: a case's matter, a ticket's queue (from the hall)
    masked_name: str = ""
    cases: tuple[Case, ...] = ()
    level: str = ""
    indicator_index: int = 0               # which of INDICATORS is being asked
    indicators: tuple[tuple[str, str], ...] = ()   # (indicator, level) given so far
    reasons: frozenset[str] = frozenset()
    comment: str = ""                      # written by the citizen (personal: never logged)
    masked_phone: str = ""
    reference: str = ""                    # the outbox's reference for the saved review
    problem: str = ""                      # catalogue key of the plain sentence

    @property
    def unsatisfied(self) -> bool:
        return self.level in UNSATISFIED

    @property
    def indicator(self) -> str:
        return INDICATORS[self.indicator_index] if self.indicator_index < len(INDICATORS) else ""


def review_body(target: Mapping[str, str], level: str, indicators: Mapping[str, str] = {},
                reasons: tuple[str, ...] | frozenset[str] = (), callback_phone: str | None = None,
                comment: str = "") -> dict[str, Any]:
    """The POST /v1/reviews body (schemas.ReviewRequest). Reasons and the call-back phone belong to an
    unsatisfied review only; reasons are sent in REASONS order so the same choice is the same body. A comment
    (any level, as the hall takes it) is sent when there is one."""
    if level not in LEVELS:
        raise ValueError(f"unknown review level {level!r}; known: {', '.join(LEVELS)}")
    if set(target) not in ({"ticket_id"}, {"case_number", "id_number"}, {"case_number", "query_code"}):
        raise ValueError("a review rates a ticket_id, or a case_number with its proof (id_number or query_code)")
    if len(comment.strip()) > MAX_COMMENT:
        raise ValueError(f"a review comment is at most {MAX_COMMENT} characters")
    body: dict[str, Any] = {**target, "level": level,
                            "indicators": {name: indicators[name] for name in INDICATORS if name in indicators}}
    if comment.strip():
        body["comment"] = comment.strip()
    if level in UNSATISFIED:
        body["reasons"] = [reason for reason in REASONS if reason in reasons]
        if callback_phone is not None:
            body["callback_phone"] = callback_phone
    return body


class ReviewJourney(Journey[ReviewView], PhoneStep):
    PHONE_STEP = ReviewStep.PHONE
    PHONE_INVALID = "review.phone_invalid"
    PHONE_SESSION_KEY = "review.callback_phone"

    def __init__(self, *, hall: ReviewHall | None, outbox: ReviewOutbox | None, worker: BackgroundWorker, session: Session,
                 on_change: Callable[[ReviewView], None], target: Mapping[str, str] | None = None) -> None:
        super().__init__(ReviewView(ReviewStep.CHECKING if target else ReviewStep.WAITING_CARD), on_change)
        self._hall = hall
        self._outbox = outbox
        self._worker = worker
        self._session = session
        self._target = dict(target) if target else None
        self._history: list[ReviewView] = []

    def _advance(self, view: ReviewView) -> None:
        """Move forward to a step the citizen can come `back()` from."""
        self._history.append(self.view)
        self._show(view)

    def back(self) -> None:
        """One step back within the rating (from reasons to the indicators, ...); nothing saved is undone. Back
        from the comment drops what was being written (the comment written before stays)."""
        if self._history and self.view.step in (ReviewStep.INDICATORS, ReviewStep.REASONS, ReviewStep.COMMENT,
                                                ReviewStep.PHONE):
            self._show(replace(self._history.pop(), problem=""))

    # --- what is rated ---------------------------------------------------------------------------

    def begin(self) -> None:
        if self._target is None:
            self._show(ReviewView(ReviewStep.WAITING_CARD))
        elif "ticket_id" in self._target and self._hall is not None:
            self._check_ticket(self._target["ticket_id"])
        else:
            # A case can always be rated; with the hall away a ticket is rated anyway and the hall,
            # which alone knows whether it was served, decides when the outbox delivers it.
            self._show(ReviewView(ReviewStep.RATE, subject=self._target.get("case_number", "")))

    def _check_ticket(self, ticket_id: str) -> None:
        self._show(ReviewView(ReviewStep.CHECKING))

        def checked(ticket) -> None:
            subject = f"{ticket.number} {ticket.queue.name}"
            if ticket.reviewed:
                self._show(ReviewView(ReviewStep.NOTHING_TO_RATE, subject=subject, problem="review.already_reviewed"))
            elif ticket.status == "served":
                self._show(ReviewView(ReviewStep.RATE, subject=subject))
            elif ticket.status == "missed":
                self._show(ReviewView(ReviewStep.NOTHING_TO_RATE, subject=subject, problem="review.ticket_missed"))
            else:
                self._show(ReviewView(ReviewStep.NOT_SERVED, subject=subject, problem="review.not_served"))

        def failed(error: BaseException) -> None:
            log.warning("ticket status for the review unknown: %s", type(error).__name__)
            if isinstance(error, HallRejected):   # the hall knows no such ticket: a review would be refused
                self._show(ReviewView(ReviewStep.NOTHING_TO_RATE, problem="review.ticket_unknown"))
            else:
                self._show(ReviewView(ReviewStep.RATE))

        self._worker.run(lambda: self._hall.ticket(ticket_id), on_result=checked, on_error=failed)

    def card_read(self, identity: Any) -> None:
        if self.view.step not in (ReviewStep.WAITING_CARD, ReviewStep.CARD_PROBLEM):
            identity.wipe()     # a card nobody asked for now: keep nothing of it
            return
        previous = self._session.recall("identity")
        if previous is not None and previous is not identity:
            previous.wipe()     # a second card (try again): the first holder's data goes at once
        self._session.remember("identity", identity)
        identity.register_sensitive()
        masked_name = identity.masked_name
        self._show(ReviewView(ReviewStep.LOOKING_UP, masked_name=masked_name))
        if self._hall is None:
            self._show(ReviewView(ReviewStep.UNAVAILABLE, masked_name=masked_name, problem="review.hall_down"))
            return
        number = identity.id_number

        def found(cases: tuple[Case, ...]) -> None:
            unrated = tuple(case for case in cases if not case.reviewed)
            if unrated:
                self._show(ReviewView(ReviewStep.CHOOSE_CASE, masked_name=masked_name, cases=unrated))
            else:
                problem = "review.all_reviewed" if cases else "review.no_cases"
                self._show(ReviewView(ReviewStep.NOTHING_TO_RATE, masked_name=masked_name, problem=problem))

        def failed(error: BaseException) -> None:
            log.warning("cases for the review could not be looked up: %s", type(error).__name__)
            self._show(ReviewView(ReviewStep.UNAVAILABLE, masked_name=masked_name, problem="review.hall_down"))

        self._worker.run(lambda: self._hall.cases_of(number), on_result=found, on_error=failed)

    def card_failed(self, error: BaseException) -> None:
        if self.view.step in (ReviewStep.WAITING_CARD, ReviewStep.CARD_PROBLEM):
            self._show(ReviewView(ReviewStep.CARD_PROBLEM, problem=card_problem_key(error)))

    def try_again(self) -> None:
        if self.view.step in (ReviewStep.CARD_PROBLEM, ReviewStep.UNAVAILABLE, ReviewStep.NOTHING_TO_RATE):
            self._show(ReviewView(ReviewStep.WAITING_CARD))

    def choose_case(self, case_number: str) -> None:
        if self.view.step is not ReviewStep.CHOOSE_CASE:
            return
        case = next((c for c in self.view.cases if c.case_number == case_number), None)
        if case is None:
            raise ValueError("that case is not one of the citizen's cases shown")
        identity = self._session.recall("identity")
        if identity is None:
            raise ValueError("a case is chosen after the citizen's card was read")
        # The card is the proof that the case is the citizen's (hall_server.case_proof): it goes with the review.
        self._target = {"case_number": case.case_number, "id_number": identity.id_number}
        self._history = []
        self._show(ReviewView(ReviewStep.RATE, subject=f"{case.matter.name} {case.case_number}",
                              masked_name=self.view.masked_name))

    # --- the rating ------------------------------------------------------------------------------

    def rate(self, level: str) -> None:
        if self.view.step is not ReviewStep.RATE:
            return
        if level not in LEVELS:
            raise ValueError(f"unknown review level {level!r}; known: {', '.join(LEVELS)}")
        self._advance(replace(self.view, step=ReviewStep.INDICATORS, level=level, indicator_index=0,
                              indicators=(), reasons=frozenset(), problem=""))

    def rate_indicator(self, level: str) -> None:
        if self.view.step is not ReviewStep.INDICATORS:
            return
        if level not in LEVELS:
            raise ValueError(f"unknown review level {level!r}; known: {', '.join(LEVELS)}")
        given = self.view.indicators + ((self.view.indicator, level),)
        if self.view.indicator_index + 1 < len(INDICATORS):
            self._advance(replace(self.view, indicators=given, indicator_index=self.view.indicator_index + 1))
        else:
            self._after_indicators(replace(self.view, indicators=given))

    def skip_indicators(self) -> None:
        """The indicators are optional: what was given so far is kept, the rest is left out."""
        if self.view.step is ReviewStep.INDICATORS:
            self._after_indicators(self.view)

    def _after_indicators(self, view: ReviewView) -> None:
        if view.unsatisfied:
            self._advance(replace(view, step=ReviewStep.REASONS, problem=""))
        else:
            self._submit(view, None)

    def toggle_reason(self, reason: str) -> None:
        if self.view.step is not ReviewStep.REASONS:
            return
        if reason not in REASONS:
            raise ValueError(f"unknown review reason {reason!r}; known: {', '.join(REASONS)}")
        self._show(replace(self.view, reasons=self.view.reasons ^ {reason}, problem=""))

    def open_comment(self) -> None:
        """Write a few words of one's own (the screen offers handwriting and pinyin)."""
        if self.view.step is ReviewStep.REASONS:
            self._advance(replace(self.view, step=ReviewStep.COMMENT, problem=""))

    def finish_comment(self, text: str) -> None:
        """The comment is written: back to the reasons, with it shown below them (an empty one takes it away)."""
        if self.view.step is not ReviewStep.COMMENT:
            return
        comment = keep_private(text.strip()[:MAX_COMMENT])
        if self._history:
            self._history.pop()
        self._show(replace(self.view, step=ReviewStep.REASONS, comment=comment, problem=""))

    def confirm_reasons(self) -> None:
        if self.view.step is not ReviewStep.REASONS:
            return
        if not self.view.reasons:
            self._show(replace(self.view, problem="review.reasons_required"))
            return
        self._advance(replace(self.view, step=ReviewStep.PHONE, problem=""))

    def _submit(self, view: ReviewView, phone: str | None) -> None:
        saving = replace(view, step=ReviewStep.SAVING, problem="")
        self._show(saving)
        if self._outbox is None or self._target is None:
            self._show(replace(saving, step=ReviewStep.NOT_SAVED, problem="review.not_saved"))
            return
        body = review_body(self._target, view.level, dict(view.indicators), view.reasons, phone, view.comment)
        outbox = self._outbox

        def saved(reference: str) -> None:
            log.info("review %s queued for delivery", reference)
            self._history = []
            self._show(replace(saving, step=ReviewStep.THANKS, reference=reference))

        def failed(error: BaseException) -> None:
            log.error("review could not be kept: %s: %s", type(error).__name__, error)
            self._show(replace(saving, step=ReviewStep.NOT_SAVED, problem="review.not_saved"))

        self._worker.run(lambda: outbox.enqueue_review(body), on_result=saved, on_error=failed)
