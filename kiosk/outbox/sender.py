"""The one background worker that delivers the outbox to the hall: in order, once, without a busy loop.

Each round takes the head of every stream (kiosk.outbox.store) and POSTs it with the item's id as the
Idempotency-Key; delivered items are acknowledged (deleted) together, one transaction per stream
and round, so a backlog drains at HTTP speed instead of one disk sync per item. A crash between
send and acknowledge only means the hall sees a repeat, which it answers from its idempotency
ledger without applying it again.

A backlog goes up in batches of up to 100: device events in one POST /v1/devices/events, each
with its own event id; reviews and complaints in one POST /v1/batch, each member the request it
would be alone (its path, its body, its id as the Idempotency-Key) and answered on its own. A
member is judged like a single answer (table below); the hall stops a batch at a member it must
not apply yet, and that member and the ones behind it go up again later, in order. A hall that
refuses the batch as a whole (an older hall without /v1/batch: 404) gets the members one by one.

What an answer means for the item:

    ===============================================  ============================================
    2xx                                              delivered: acknowledged and deleted
    HallUnavailable (refused, timeout, 502/503/504)  the hall is away: every stream waits (backoff)
    401 signature/clock problems                     the kiosk is misconfigured: every stream waits,
                                                     and an alert says what to fix; nothing is dead
    5xx, 408, 425, 429, 409 request_in_flight,       this stream waits (backoff) and retries the
    an answer that breaks the API                    same item: order within a stream is kept
    any other 4xx                                    will never succeed: parked as dead (kept for a
                                                     technician), the stream goes on behind it
    ===============================================  ============================================

Backoff is exponential with equal jitter (half fixed, half random), from `base_delay` up to
`max_delay`. Offline, the worker sleeps until the next attempt is due or until woken: by an
enqueue (the outbox calls `wake`) or by kiosk.hall.reachability reporting the hall back, which also
resets the backoff so the backlog drains at once. Time and waiting are injected (`clock`, `wait`,
`rng`), so tests drive rounds with `run_once()` and never sleep.

    sender = OutboxSender(outbox, hall_client, on_reachability=reachability.report)
    sender.start()                       # a daemon thread; returns at once
    ...
    sender.stop()                        # at app exit: finishes the current request, then returns
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from domain.background_loop import Backoff, BackgroundLoop
from kiosk.hall.errors import HallError, HallProtocolError, HallRejected, HallUnavailable
from kiosk.outbox.errors import OutboxAlert
from kiosk.outbox.store import BATCH_PATH, ItemKind, Outbox, OutboxItem

__all__ = ["OutboxSender", "SendRound", "HallPoster"]

log = logging.getLogger("kiosk.outbox.sender")

# Problem codes (hall_server/problems.py) that say the kiosk, not the item, is wrong: key, id or clock.
KIOSK_LEVEL_CODES = frozenset({"missing_signature", "unknown_kiosk", "bad_signature", "stale_timestamp",
                               "replayed_request"})
RETRY_STATUSES = frozenset({408, 425, 429})
RETRY_CODES = frozenset({"request_in_flight"})


class HallPoster(Protocol):
    """What the sender needs of kiosk.hall.client.HallClient."""

    def post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SendRound:
    """What one round did; `next_due` is the clock time of the next useful round, None when idle."""

    delivered: int
    dead: int
    failed: int
    next_due: float | None


class OutboxSender:
    def __init__(self, outbox: Outbox, client: HallPoster, *, batch_size: int = 100, base_delay: float = 1.0,
                 max_delay: float = 300.0, prune_every: float = 600.0,
                 on_reachability: Callable[[bool], None] | None = None,
                 on_alert: Callable[[OutboxAlert], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[threading.Event, float | None], Any] | None = None,
                 rng: random.Random | None = None) -> None:
        self.outbox = outbox
        self.client = client
        self.batch_size = batch_size
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._prune_every = prune_every
        self._on_reachability = on_reachability
        self._on_alert = on_alert
        self._clock = clock
        rng = rng or random.Random()
        self._hall = Backoff(base_delay, max_delay, rng)
        self._streams = {stream: Backoff(base_delay, max_delay, rng) for stream in outbox.streams}
        self._last_prune: float | None = None
        # Disk trouble or a bug: the outbox has alerted (or the log says where); try again later, never spin.
        self._loop = BackgroundLoop("outbox-sender", self._round, error_delay_s=max_delay, wait=wait)
        outbox.add_listener(self.wake)

    # -- the worker thread -------------------------------------------------------------------------

    def start(self) -> "OutboxSender":
        self._loop.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._loop.stop(timeout)

    def wake(self, *, reset_backoff: bool = False) -> None:
        """Run a round now: new work was enqueued, or (`reset_backoff`) the hall is known to be back."""
        if reset_backoff:
            self._hall.reset()
            for backoff in self._streams.values():
                backoff.reset()
        self._loop.wake()

    def _round(self) -> float | None:
        next_due = self.run_once().next_due
        return None if next_due is None else max(0.0, next_due - self._clock())

    # -- one round ---------------------------------------------------------------------------------

    def run_once(self) -> SendRound:
        """Deliver what is due now; never waits for a backoff (the caller waits until `next_due`)."""
        now = self._clock()
        self._maybe_prune(now)
        if now < self._hall.resume_at:
            return SendRound(0, 0, 0, self._hall.resume_at)
        delivered = dead = failed = 0
        due: list[float] = []
        answered = unreachable = False
        for stream, backoff in self._streams.items():
            if now < backoff.resume_at:
                due.append(backoff.resume_at)
                continue
            items = self.outbox.pending(stream, self.batch_size)
            if not items:
                continue
            outcome = self._deliver_stream(stream, items)
            delivered += outcome.delivered
            dead += outcome.dead
            answered = answered or outcome.answered
            if outcome.failed:
                failed += 1
                if outcome.hall_level:
                    unreachable = unreachable or not outcome.answered
                    due.append(self._hall.resume_at)
                    break
                due.append(backoff.resume_at)
            elif outcome.delivered + outcome.dead >= len(items) and len(items) == self.batch_size:
                due.append(now)                     # a backlog: go on at once
        if answered or unreachable:
            self._report_reachability(answered and not unreachable)
        return SendRound(delivered, dead, failed, min(due) if due else None)

    def _deliver_stream(self, stream: str, items: Sequence[OutboxItem]) -> "_StreamOutcome":
        outcome = _StreamOutcome()
        delivered: list[OutboxItem] = []
        singly = False
        index = 0
        try:
            while index < len(items) and not outcome.failed:
                spec = self.outbox.kinds[items[index].kind]
                group = self._group(items, index, spec, singly)
                try:
                    answers = self._post(spec, group)
                except HallError as error:
                    verdict = _verdict(error)
                    if verdict == "dead":
                        outcome.answered = True
                        if len(group) > 1:
                            singly = True           # find the refused one(s) by sending one at a time
                            continue
                        self.outbox.park_dead(group[0], _reason(error))
                        outcome.dead += 1
                        index += 1
                        continue
                    outcome.failed = True
                    outcome.answered = not isinstance(error, HallUnavailable)
                    outcome.hall_level = verdict == "hall"
                    self._fail(stream, group, error, hall_level=outcome.hall_level)
                    break
                outcome.answered = True
                for item, refusal in zip(group, answers):
                    if refusal is not None and _verdict(refusal) != "dead":
                        # Retry this member later, and nothing behind it before it: the stream keeps its order.
                        outcome.failed = True
                        self._fail(stream, [item], refusal, hall_level=False)
                        break
                    index += 1
                    if refusal is None:
                        delivered.append(item)
                    else:
                        self.outbox.park_dead(item, _reason(refusal))
                        outcome.dead += 1
        finally:
            if delivered:
                self.outbox.acknowledge(delivered)
                outcome.delivered = len(delivered)
        if not outcome.failed:
            self._streams[stream].reset()
            self._hall.reset()
        return outcome

    def _group(self, items: Sequence[OutboxItem], index: int, spec: ItemKind, singly: bool) -> list[OutboxItem]:
        """The items sent in one request from `index` on: a batch where the kinds allow one."""
        group = [items[index]]
        if singly or not (spec.batchable or spec.batch_field):
            return group
        for item in items[index + 1:]:
            if len(group) >= spec.batch_max:
                break
            if spec.batchable and not self.outbox.kinds[item.kind].batchable:
                break
            if spec.batch_field and item.kind != spec.name:
                break
            group.append(item)
        return group

    def _post(self, spec: ItemKind, group: Sequence[OutboxItem]) -> list[HallRejected | HallProtocolError | None]:
        """Send `group` in one request; each member's refusal (None: delivered), for requests answered per member.

        Raises HallError when the request as a whole failed. A /v1/batch answer may stop early (the hall
        stops at a member it must not apply yet); the list then ends with that member's refusal.
        """
        if spec.batch_field is not None:
            id_field = spec.id_field or "id"
            body = {spec.batch_field: [{**item.payload, id_field: item.id} for item in group]}
            self.client.post(spec.path, body, _batch_key(group))
            return [None] * len(group)
        if len(group) == 1:
            self.client.post(spec.path, group[0].payload, group[0].id)
            return [None]
        requests = [{"id": item.id, "path": self.outbox.kinds[item.kind].path, "body": item.payload} for item in group]
        answer = self.client.post(BATCH_PATH, {"requests": requests}, _batch_key(group))
        return _member_answers(group, answer)

    def _fail(self, stream: str, group: Sequence[OutboxItem], error: HallError, *, hall_level: bool) -> None:
        backoff = self._hall if hall_level else self._streams[stream]
        backoff.failed(self._clock())
        reason = _reason(error)
        if not isinstance(error, HallUnavailable):
            # Offline there is nothing to learn per item, and a disk sync per attempt is wasted.
            self.outbox.record_failure(group, reason)
        if isinstance(error, HallRejected) and error.code in KIOSK_LEVEL_CODES:
            self._alert(OutboxAlert("critical", "outbox_kiosk_rejected", f"the hall refuses this kiosk ({error.code}):"
                                    " check the kiosk id, the kiosk secret and the clock (NTP); nothing is lost"))
        log.info("outbox %s: delivery failed (%s), next try in %.0f s", stream, reason,
                 backoff.resume_at - self._clock())

    def _maybe_prune(self, now: float) -> None:
        if self._last_prune is None or now - self._last_prune >= self._prune_every:
            self._last_prune = now
            self.outbox.prune()

    def _report_reachability(self, reachable: bool) -> None:
        if self._on_reachability is not None:
            self._on_reachability(reachable)

    def _alert(self, alert: OutboxAlert) -> None:
        log.error("outbox alert %s: %s", alert.code, alert.message)
        if self._on_alert is not None:
            self._on_alert(alert)


def _verdict(error: HallError) -> str:
    """"hall": every stream waits; "retry": this stream waits; "dead": never retry this item."""
    if isinstance(error, HallUnavailable):
        return "hall"
    if isinstance(error, HallRejected):
        if error.code in KIOSK_LEVEL_CODES:
            return "hall"
        if error.status >= 500 or error.status in RETRY_STATUSES or error.code in RETRY_CODES:
            return "retry"
        return "dead"
    return "retry"                                  # HallProtocolError and anything else the client raises


def _batch_key(group: Sequence[OutboxItem]) -> str:
    """The key follows the batch's members: a different batch after a crash is a different request,
    and the hall applies each member once by its own id."""
    return "batch-" + hashlib.sha256("\n".join(item.id for item in group).encode("ascii")).hexdigest()[:40]


def _member_answers(group: Sequence[OutboxItem],
                    answer: dict[str, Any]) -> list[HallRejected | HallProtocolError | None]:
    """Each member's refusal from a /v1/batch answer, in order; None where the member was applied."""
    responses = answer.get("responses")
    if not isinstance(responses, list) or len(responses) > len(group):
        raise HallProtocolError("hall answered POST /v1/batch without a responses list matching its requests")
    refusals: list[HallRejected | HallProtocolError | None] = []
    for item, response in zip(group, responses):
        if not isinstance(response, dict) or response.get("id") != item.id or type(response.get("status")) is not int:
            raise HallProtocolError("hall answered POST /v1/batch with responses out of order or malformed")
        status, document = response["status"], response.get("body")
        if 200 <= status < 300:
            refusals.append(None)
            continue
        if not (isinstance(document, dict) and isinstance(document.get("code"), str)):
            raise HallProtocolError(f"hall answered a batched request with HTTP {status} but no problem document")
        refusals.append(HallRejected(status, document["code"], str(document.get("message_zh", "")),
                                     str(document.get("message_en", ""))))
    if len(refusals) < len(group) and (not refusals or refusals[-1] is None or _verdict(refusals[-1]) == "dead"):
        # The hall stopped early without a member it must retry: retry from the first unanswered one.
        refusals.append(HallProtocolError(f"hall answered {len(refusals)} of {len(group)} batched requests"))
    return refusals


@dataclass
class _StreamOutcome:
    delivered: int = 0
    dead: int = 0
    failed: bool = False
    hall_level: bool = False
    answered: bool = False


def _reason(error: HallError) -> str:
    """An error's text is built from status codes and the hall's fixed messages (kiosk.hall.errors)."""
    if isinstance(error, HallProtocolError):
        return f"protocol: {error}"
    return str(error)
