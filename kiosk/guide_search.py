"""Finding a matter by what a citizen can type on a kiosk's letter keyboard: pinyin initials ("sbcb" for
社保参保登记), whole pinyin ("shebao"), or — from anywhere that has them — a few characters ("社保").

    index = MatterIndex(summaries)        # builds the pinyin once: do it on a worker thread
    index.search("sbcb")                  # (MatterSummary(code="SB001", name="社保参保登记", ...), ...)

Pinyin comes from pypinyin, phrase-aware (重庆 is chongqing), never from a hand-made table. The index is
pure memory: no network, no disk, so a search between two key presses is a scan of a few hundred strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from pypinyin import Style, lazy_pinyin

from kiosk.hall_models import MatterSummary

__all__ = ["MatterIndex", "normalise_query"]

_NOT_A_LETTER = re.compile(r"[^a-z]")
_SPACE = re.compile(r"\s+")


def normalise_query(query: str) -> str:
    """Lower-case, without spaces: what the keyboard typed, whatever case and spacing it came in."""
    return _SPACE.sub("", query).lower()


@dataclass(frozen=True)
class _Entry:
    matter: MatterSummary
    initials: str      # "sbcbdj"
    spelled: str       # "shebaocanbaodengji"


def _letters(syllables: list[str]) -> str:
    return "".join(_NOT_A_LETTER.sub("", syllable.lower()) for syllable in syllables)


class MatterIndex:
    def __init__(self, matters: Iterable[MatterSummary]) -> None:
        self._entries = tuple(
            _Entry(matter, _letters(lazy_pinyin(matter.name, style=Style.FIRST_LETTER)),
                   _letters(lazy_pinyin(matter.name)))
            for matter in matters
        )

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str) -> tuple[MatterSummary, ...]:
        """Matching matters, those whose name starts with the query first, otherwise in catalogue order.

        Letters are matched against the pinyin (initials or whole syllables); anything else against the
        name, then the department. An empty query matches nothing: the citizen has not asked yet.
        """
        wanted = normalise_query(query)
        if not wanted:
            return ()
        starts: list[MatterSummary] = []
        contains: list[MatterSummary] = []
        by_department: list[MatterSummary] = []
        pinyin = wanted.isascii() and wanted.isalpha()
        for entry in self._entries:
            if pinyin:
                fields = (entry.initials, entry.spelled)
            else:
                fields = (entry.matter.name,)
            if any(field.startswith(wanted) for field in fields):
                starts.append(entry.matter)
            elif any(wanted in field for field in fields):
                contains.append(entry.matter)
            elif not pinyin and wanted in entry.matter.department:
                by_department.append(entry.matter)
        return (*starts, *contains, *by_department)
