"""The 投诉建议 journey: a short form — complaint or suggestion, optionally the matter it is about, the text
composed from predefined phrases (big chips) and/or written in the citizen's own words (handwriting or
pinyin on the touchscreen), an optional phone number — committed to the outbox, whose reference number
the citizen takes away.

    journey = ComplaintJourney(outbox=connection.outbox, worker=worker, session=session, on_change=screen.show,
                               matters=lambda: connection.catalogue.matters().value,
                               phrase_text=lambda key: catalogue.text(key, "zh"))
    journey.begin()                      # KIND
    journey.choose_kind("complaint")     # LOADING_MATTERS → MATTER (skipped when no matter list is at hand)
    journey.choose_matter("SB001")       # or skip_matter(): PHRASES
    journey.toggle_phrase("long_wait")   # and/or their own words:
    journey.open_writing(); journey.finish_writing("窗口人太少")        # WRITE, then PHRASES again with the text
    journey.confirm_phrases()            # PHONE
    journey.give_phone("13800000001")    # or skip_phone(): SAVING → DONE with `reference` (or NOT_SAVED)

The text sent to the hall is always in Chinese, whatever the screen's language: the hall's staff read it.
A phone number lives in the session (wiped at its end); only its masked form reaches the view. The written
text is shown back to the citizen, so it lives in the view (blanked when the screen is left), is registered
with the log filter (kiosk.devices.text_input.keep_private) and goes to the hall only in the sealed outbox.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from kiosk.background import BackgroundWorker
from kiosk.devices.text_input import keep_private
from kiosk.journeys.base import Journey
from kiosk.journeys.needs import ComplaintOutbox
from kiosk.journeys.phone import PhoneStep
from kiosk.session import Session

__all__ = ["ComplaintStep", "ComplaintView", "ComplaintJourney", "KINDS", "PHRASES", "MAX_TEXT", "phrase_key",
           "complaint_body"]

log = logging.getLogger(__name__)

KINDS = ("complaint", "suggestion")
# The predefined phrases of each kind, in the order shown; their words are catalogue entries (phrase_key).
PHRASES: dict[str, tuple[str, ...]] = {
    "complaint": ("long_wait", "bad_attitude", "unclear_guidance", "repeated_visits", "slow_processing",
                  "device_failure", "fees", "environment"),
    "suggestion": ("more_windows", "longer_hours", "clearer_guidance", "more_self_service", "online_service",
                   "elder_help", "more_seats", "better_signs"),
}
# The hall keeps 5 to 1000 characters of content (schemas.ComplaintRequest).
MIN_CONTENT, MAX_CONTENT = 5, 1000
# What a citizen may write on the touchscreen: a few sentences, well within the hall's limit with every phrase.
MAX_TEXT = 200


def phrase_key(kind: str, phrase: str) -> str:
    """The catalogue key of a predefined phrase."""
    return f"complaint.phrase.{kind}.{phrase}"


class ComplaintStep(enum.Enum):
    KIND = "kind"                       # complaint or suggestion
    LOADING_MATTERS = "loading_matters"
    MATTER = "matter"                   # optional: which matter it is about
    PHRASES = "phrases"                 # the text, from chips and/or the citizen's own words
    WRITE = "write"                     # writing their own words: handwriting or pinyin
    PHONE = "phone"                     # optional contact number
    SAVING = "saving"
    DONE = "done"                       # the reference number, big
    NOT_SAVED = "not_saved"             # the outbox refused: say so, and where to go instead


@dataclass(frozen=True)
class ComplaintView:
    step: ComplaintStep
    kind: str = ""
    matters: tuple[Any, ...] = ()       # kiosk.hall.models.MatterSummary, from the cached guides
    matter_code: str = ""
    matter_name: str = ""
    phrases: tuple[str, ...] = ()       # chosen, in the order shown
    text: str = ""                      # written by the citizen (personal: never logged)
    masked_phone: str = ""
    reference: str = ""
    problem: str = ""


def complaint_body(kind: str, content: str, matter_code: str | None = None,
                   contact_phone: str | None = None) -> dict[str, Any]:
    """The POST /v1/complaints body (schemas.ComplaintRequest)."""
    if kind not in KINDS:
        raise ValueError(f"unknown complaint kind {kind!r}; known: {', '.join(KINDS)}")
    if not MIN_CONTENT <= len(content.strip()) <= MAX_CONTENT:
        raise ValueError(f"complaint content must be {MIN_CONTENT} to {MAX_CONTENT} characters")
    body: dict[str, Any] = {"kind": kind, "content": content.strip()}
    if matter_code:
        body["matter_code"] = matter_code
    if contact_phone is not None:
        body["contact_phone"] = contact_phone
    return body


class ComplaintJourney(Journey[ComplaintView], PhoneStep):
    PHONE_STEP = ComplaintStep.PHONE
    PHONE_INVALID = "complaint.phone_invalid"
    PHONE_SESSION_KEY = "complaint.contact_phone"

    def __init__(self, *, outbox: ComplaintOutbox | None, worker: BackgroundWorker, session: Session,
                 on_change: Callable[[ComplaintView], None], phrase_text: Callable[[str], str],
                 matters: Callable[[], Sequence[Any]] | None = None) -> None:
        super().__init__(ComplaintView(ComplaintStep.KIND), on_change)
        self._outbox = outbox
        self._worker = worker
        self._session = session
        self._phrase_text = phrase_text
        self._matters = matters
        self._history: list[ComplaintView] = []

    def _advance(self, view: ComplaintView) -> None:
        if self.view.step not in (ComplaintStep.LOADING_MATTERS, ComplaintStep.SAVING):
            self._history.append(self.view)
        self._show(view)

    def back(self) -> None:
        """One step back in the form (what was chosen there is kept)."""
        if self._history and self.view.step in (ComplaintStep.MATTER, ComplaintStep.PHRASES, ComplaintStep.WRITE,
                                                ComplaintStep.PHONE):
            previous = self._history.pop()
            # Back from writing drops what was being written; elsewhere the text written so far is kept.
            text = previous.text if self.view.step is ComplaintStep.WRITE else self.view.text
            self._show(replace(previous, phrases=self.view.phrases if previous.kind == self.view.kind else (),
                               text=text, problem=""))

    def begin(self) -> None:
        self._show(ComplaintView(ComplaintStep.KIND))

    def choose_kind(self, kind: str) -> None:
        if self.view.step is not ComplaintStep.KIND:
            return
        if kind not in KINDS:
            raise ValueError(f"unknown complaint kind {kind!r}; known: {', '.join(KINDS)}")
        chosen = replace(self.view, kind=kind, phrases=self.view.phrases if kind == self.view.kind else (),
                         problem="")
        if self.view.matters or self._matters is None:
            self._advance(replace(chosen, step=ComplaintStep.MATTER if chosen.matters else ComplaintStep.PHRASES))
            return
        self._history.append(self.view)
        self._show(replace(chosen, step=ComplaintStep.LOADING_MATTERS))

        def loaded(matters: Sequence[Any]) -> None:
            matters = tuple(matters)
            self._show(replace(chosen, step=ComplaintStep.MATTER if matters else ComplaintStep.PHRASES,
                               matters=matters))

        def failed(error: BaseException) -> None:
            # No guides at hand (hall away and nothing cached): the matter is optional, go on without it.
            log.warning("no matter list for the complaint form: %s", type(error).__name__)
            self._show(replace(chosen, step=ComplaintStep.PHRASES))

        self._worker.run(self._matters, on_result=loaded, on_error=failed)

    def choose_matter(self, code: str) -> None:
        if self.view.step is not ComplaintStep.MATTER:
            return
        matter = next((m for m in self.view.matters if m.code == code), None)
        if matter is None:
            raise ValueError(f"matter {code!r} is not in the list shown")
        self._advance(replace(self.view, step=ComplaintStep.PHRASES, matter_code=matter.code,
                              matter_name=matter.name))

    def skip_matter(self) -> None:
        if self.view.step is ComplaintStep.MATTER:
            self._advance(replace(self.view, step=ComplaintStep.PHRASES, matter_code="", matter_name=""))

    def toggle_phrase(self, phrase: str) -> None:
        if self.view.step is not ComplaintStep.PHRASES:
            return
        if phrase not in PHRASES[self.view.kind]:
            raise ValueError(f"unknown {self.view.kind} phrase {phrase!r}")
        chosen = set(self.view.phrases) ^ {phrase}
        self._show(replace(self.view, phrases=tuple(p for p in PHRASES[self.view.kind] if p in chosen), problem=""))

    def open_writing(self) -> None:
        """Write in one's own words (the screen offers handwriting and pinyin)."""
        if self.view.step is ComplaintStep.PHRASES:
            self._advance(replace(self.view, step=ComplaintStep.WRITE, problem=""))

    def finish_writing(self, text: str) -> None:
        """The written text is done: back to the form, with the text shown under the phrases."""
        if self.view.step is not ComplaintStep.WRITE:
            return
        text = keep_private(text.strip()[:MAX_TEXT])
        if self._history:
            self._history.pop()
        self._show(replace(self.view, step=ComplaintStep.PHRASES, text=text, problem=""))

    def confirm_phrases(self) -> None:
        if self.view.step is not ComplaintStep.PHRASES:
            return
        if not self.view.phrases and not self.view.text:
            self._show(replace(self.view, problem="complaint.phrases_required"))
            return
        if len(self.content().strip()) < MIN_CONTENT:
            self._show(replace(self.view, problem="complaint.text_too_short"))
            return
        self._advance(replace(self.view, step=ComplaintStep.PHONE, problem=""))

    def content(self, view: ComplaintView | None = None) -> str:
        """The text for the hall, in Chinese: the matter (if chosen), the chosen phrases, the citizen's words."""
        view = view or self.view
        sentences = [self._phrase_text(phrase_key(view.kind, phrase)) for phrase in view.phrases]
        about = self._phrase_text("complaint.content_matter").format(matter=view.matter_name) if view.matter_name else ""
        said = "；".join(sentences) + "。" if sentences else ""
        return about + said + view.text

    def _submit(self, view: ComplaintView, phone: str | None) -> None:
        saving = replace(view, step=ComplaintStep.SAVING, problem="")
        self._show(saving)
        if self._outbox is None:
            self._show(replace(saving, step=ComplaintStep.NOT_SAVED, problem="complaint.not_saved"))
            return
        body = complaint_body(view.kind, self.content(view), view.matter_code or None, phone)
        outbox = self._outbox

        def saved(reference: str) -> None:
            log.info("%s %s queued for delivery", view.kind, reference)
            self._history = []
            self._show(replace(saving, step=ComplaintStep.DONE, reference=reference))

        def failed(error: BaseException) -> None:
            log.error("%s could not be kept: %s: %s", view.kind, type(error).__name__, error)
            self._show(replace(saving, step=ComplaintStep.NOT_SAVED, problem="complaint.not_saved"))

        self._worker.run(lambda: outbox.enqueue_complaint(body), on_result=saved, on_error=failed)
