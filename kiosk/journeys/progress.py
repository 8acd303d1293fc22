"""The 办件查询 journey: find the citizen's cases by ID card (all of them) or by the case number on the
acceptance receipt with its 6-digit query code (查询密码, printed beside it; a case number alone opens nothing:
they are sequential), both typed on the keypad, and show each case's steps (受理, 审批, 办结, 送达) as a timeline.

    journey = ProgressJourney(hall=client, worker=worker, session=session, on_change=screen.show)
    journey.begin()                    # CHOOSE: place the card, or type the number
    journey.card_read(identity)        # LOOKING_UP, then RESULT (or NOT_FOUND, UNAVAILABLE)
    journey.enter_number()             # ENTER_NUMBER: the keypad
    journey.look_up_number("YT2026SC000123")   # ENTER_CODE: the keypad again, for the query code
    journey.look_up_number("482913")           # LOOKING_UP, then RESULT (or NOT_FOUND, UNAVAILABLE)

Only masked names reach the view (the hall masks the applicant; the card's name is masked here). A case
number that the hall does not know is "not found", explained plainly, with the typed number kept so the
citizen can correct it; it is never an outage.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from domain.clock import WallClock
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import card_problem_key
from kiosk.hall.errors import HallRejected
from kiosk.hall.models import Case
from kiosk.journeys.appointment import remember_identity
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import CasesHall
from kiosk.session import Session

__all__ = ["ProgressStep", "ProgressView", "ProgressJourney", "CASE_NUMBER_PATTERN", "QUERY_CODE_PATTERN",
           "step_time"]

log = logging.getLogger(__name__)

# What a case number can hold (the hall API's code pattern, upper case as printed on receipts).
CASE_NUMBER_PATTERN = re.compile(r"^[A-Z0-9]{6,32}$")
QUERY_CODE_PATTERN = re.compile(r"^[0-9]{6}$")


class ProgressStep(enum.Enum):
    CHOOSE = "choose"               # place the ID card, or choose to type the case number
    ENTER_NUMBER = "enter_number"   # the keypad
    ENTER_CODE = "enter_code"       # the keypad again: the receipt's 6-digit query code
    LOOKING_UP = "looking_up"
    RESULT = "result"               # one or more cases, each with its timeline
    NOT_FOUND = "not_found"         # no case with this number, or no case for this card
    CARD_PROBLEM = "card_problem"
    UNAVAILABLE = "unavailable"     # the hall could not be reached


@dataclass(frozen=True)
class ProgressView:
    step: ProgressStep
    by_card: bool = False
    masked_name: str = ""
    case_number: str = ""           # as typed; kept so a mistyped number can be corrected
    cases: tuple[Case, ...] = ()
    problem: str = ""               # catalogue key of the plain sentence


def step_time(at: str | None, clock: WallClock) -> str:
    """A case step's time as shown on the timeline, in the site's zone ("2026-11-22 10:12"), or "" for a
    step not reached."""
    if not at:
        return ""
    try:
        return clock.local(datetime.fromisoformat(at)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at  # shown as the hall sent it rather than hidden


class ProgressJourney(Journey[ProgressView]):
    def __init__(self, *, hall: CasesHall | None, worker: BackgroundWorker, session: Session,
                 on_change: Callable[[ProgressView], None], clock: WallClock) -> None:
        super().__init__(ProgressView(ProgressStep.CHOOSE), on_change)
        self._hall = hall
        self._worker = worker
        self._session = session
        self._clock = clock

    def begin(self) -> None:
        self._show(ProgressView(ProgressStep.CHOOSE))

    # --- by ID card ---------------------------------------------------------------------------------

    def card_read(self, identity: Any) -> None:
        if self.view.step in (ProgressStep.LOOKING_UP, ProgressStep.RESULT, ProgressStep.UNAVAILABLE):
            identity.wipe()  # a second card mid-journey is not used, so it is not kept either
            return
        remember_identity(self._session, identity)
        if not identity.is_valid_on(self._clock.today()):
            self._show(ProgressView(ProgressStep.CARD_PROBLEM, by_card=True, problem="card.expired"))
            return
        masked_name = identity.masked_name
        number = identity.id_number
        self._look_up(lambda: tuple(self._hall.cases_of(number)), by_card=True, masked_name=masked_name)

    def card_failed(self, error: BaseException) -> None:
        if self.view.step in (ProgressStep.CHOOSE, ProgressStep.CARD_PROBLEM, ProgressStep.NOT_FOUND):
            self._show(ProgressView(ProgressStep.CARD_PROBLEM, by_card=True, problem=card_problem_key(error)))

    # --- by case number -----------------------------------------------------------------------------

    def enter_number(self) -> None:
        """Open the keypad; after "not found" the typed number is kept for correcting."""
        if self.view.step in (ProgressStep.CHOOSE, ProgressStep.NOT_FOUND, ProgressStep.CARD_PROBLEM):
            kept = self.view.case_number if not self.view.by_card else ""
            self._show(ProgressView(ProgressStep.ENTER_NUMBER, case_number=kept))

    def look_up_number(self, typed: str) -> None:
        """The keypad's text: the case number (then the query code is asked), or the query code (then the
        lookup)."""
        if self.view.step is ProgressStep.ENTER_CODE:
            self._look_up_with_code(typed.strip())
            return
        if self.view.step is not ProgressStep.ENTER_NUMBER:
            return
        case_number = typed.strip().upper()
        if not CASE_NUMBER_PATTERN.match(case_number):
            self._show(ProgressView(ProgressStep.ENTER_NUMBER, case_number=case_number,
                                    problem="case_progress.number_incomplete"))
            return
        self._show(ProgressView(ProgressStep.ENTER_CODE, case_number=case_number))

    def _look_up_with_code(self, code: str) -> None:
        case_number = self.view.case_number
        if not QUERY_CODE_PATTERN.match(code):
            self._show(ProgressView(ProgressStep.ENTER_CODE, case_number=case_number,
                                    problem="case_progress.code_incomplete"))
            return
        self._session.remember("case_number", case_number)
        self._look_up(lambda: (self._hall.case(case_number, query_code=code),), by_card=False,
                      case_number=case_number)

    def back(self) -> None:
        """From the query code back to the number (kept); otherwise back to the first choice (card or number),
        forgetting what was shown."""
        if self.view.step is ProgressStep.ENTER_CODE:
            self._show(ProgressView(ProgressStep.ENTER_NUMBER, case_number=self.view.case_number))
            return
        self._show(ProgressView(ProgressStep.CHOOSE))

    # --- the lookup ---------------------------------------------------------------------------------

    def _look_up(self, task: Callable[[], tuple[Case, ...]], *, by_card: bool, masked_name: str = "",
                 case_number: str = "") -> None:
        asked = ProgressView(ProgressStep.LOOKING_UP, by_card=by_card, masked_name=masked_name,
                             case_number=case_number)
        self._show(asked)
        if self._hall is None:
            self._show(replace(asked, step=ProgressStep.UNAVAILABLE, problem="case_progress.hall_down"))
            return

        def found(cases: tuple[Case, ...]) -> None:
            if not cases:
                self._show(replace(asked, step=ProgressStep.NOT_FOUND, problem="case_progress.none_for_card"))
            else:
                self._show(replace(asked, step=ProgressStep.RESULT, cases=tuple(cases)))

        def failed(error: BaseException) -> None:
            if isinstance(error, HallRejected) and error.code == "case_not_found":
                self._show(replace(asked, step=ProgressStep.NOT_FOUND, problem="case_progress.number_not_found"))
                return
            log.warning("case lookup failed: %s", type(error).__name__)
            self._show(replace(asked, step=ProgressStep.UNAVAILABLE, problem="case_progress.hall_down"))

        self._worker.run(task, on_result=found, on_error=failed)
