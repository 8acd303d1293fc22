"""Errors and alerts of the durable outbox, in words a technician can act on.

No text here ever contains a payload: errors name files, kinds, item ids (random reference numbers,
not personal data) and SQLite's own error names, nothing a citizen typed or a card carried.

    ===================  ==========================================================================
    OutboxError          base class: the outbox could not do what was asked
    OutboxFull           the size budget is used up by items that may never be dropped
    OutboxUnavailable    the disk is full, read-only or failing: nothing new can be kept
    OutboxBusy           (an OutboxUnavailable) another process has the outbox open
    OutboxDiskFull       (an OutboxUnavailable) the disk or the outbox's file size limit is full
    OutboxCorrupt        the file (or one item in it) is damaged; move the file aside, keep it
    OutboxKeyError       the outbox key is missing, malformed, or not the one the file was made with
    ===================  ==========================================================================

`OutboxAlert` is what the outbox and its sender report to the maintenance side (a log line, the
heartbeat's component status, the technician screen) long before work has to be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["OutboxError", "OutboxFull", "OutboxUnavailable", "OutboxBusy", "OutboxDiskFull", "OutboxCorrupt",
           "OutboxKeyError", "OutboxAlert"]


class OutboxError(Exception):
    """Base of every outbox error: the kiosk must not tell the citizen "submitted"."""


class OutboxFull(OutboxError):
    """Every byte of the budget holds reviews, complaints or confirmations, which are never dropped."""


class OutboxUnavailable(OutboxError):
    """The outbox cannot write to its disk (full, read-only, I/O error, locked by another process)."""


class OutboxBusy(OutboxUnavailable):
    """Another process (a second kiosk app, a tool) holds the outbox file: one process owns it at a time."""


class OutboxDiskFull(OutboxUnavailable):
    """The disk (or the file size limit) is full: delivering the backlog is what frees it."""


class OutboxCorrupt(OutboxError):
    """The outbox file or an item in it is damaged: keep the file for recovery, start a fresh one."""


class OutboxKeyError(OutboxError):
    """The outbox key is missing or malformed, or the file was written with another key."""


@dataclass(frozen=True)
class OutboxAlert:
    """A condition the maintenance side should see; `code` is stable, `message` is for technicians."""

    level: Literal["warning", "critical"]
    code: str
    message: str
