"""What the citizen is told when a device fails: a driver's stable error code → a catalogue key.

Drivers only name what happened (`error.code`, see drivers/idcard/errors.py and drivers/printer/errors.py);
the words are the kiosk's own (kiosk/messages). A code is looked up along the error's class hierarchy, so
a more specific error (`library_unavailable`, a kind of `reader_unavailable`) gets the nearest text, and
an error no table names gets the general one.

    card_problem_key(error)    # "card.invalid" for a wrong check digit, "card.unreadable" by default
    print_problem_key(error)   # "printer.paper_out", ..., "printer.failed" by default
"""

from __future__ import annotations

__all__ = ["card_problem_key", "print_problem_key", "CARD_PROBLEMS", "PRINT_PROBLEMS"]

CARD_PROBLEMS = {
    "invalid_id_number": "card.invalid",
    "card_data_error": "card.unrecognised",
    "reader_unavailable": "card.reader_down",
}
PRINT_PROBLEMS = {
    "paper_out": "printer.paper_out",
    "cover_open": "printer.cover_open",
    "offline": "printer.offline",
    "write_failed": "printer.unconfirmed",
    "job_unconfirmed": "printer.unconfirmed",
}


def _nearest(error: BaseException, table: dict[str, str], default: str) -> str:
    for kind in type(error).__mro__:
        key = table.get(vars(kind).get("code", ""))
        if key is not None:
            return key
    return default


def card_problem_key(error: BaseException) -> str:
    """The catalogue key of the plain explanation for a card that could not be used."""
    return _nearest(error, CARD_PROBLEMS, "card.unreadable")


def print_problem_key(error: BaseException) -> str:
    """The catalogue key for a printer error: paper out, cover open, offline, ..."""
    return _nearest(error, PRINT_PROBLEMS, "printer.failed")
