"""Finding a matter by what a citizen can type on a kiosk's letter keyboard: pinyin initials ("sbcb" for
社保参保登记), whole pinyin ("shebao"), or a few characters ("社保"), chosen from the candidates that the
letters typed so far offer ("she" → 社, 设, ...), followed by more letters if they like ("社b").

    index = MatterIndex(summaries)        # builds the pinyin once: do it on a worker thread
    index.search("sbcb")                  # (MatterSummary(code="SB001", name="社保参保登记", ...), ...)
    index.candidates("社b")               # ("保", ...): the characters that can come next, commonest first

Candidates come from the catalogue's own matter names, so every one of them leads to a matter: an input
method that knows only this hall's words, and needs no dictionary of its own. Pinyin comes from pypinyin,
phrase-aware (重庆 is chongqing), never from a hand-made table. The index is pure memory: no network, no
disk, so a search between two key presses is a scan of a few hundred strings.

pypinyin's dictionaries cost tens of MiB that a long-running kiosk would keep for good once loaded; the
names are spelled instead in a short-lived child process (`python -m kiosk.journeys.guide_search`, names in
on stdin, spellings out as JSON), once per name for the life of the kiosk, and the memory goes with it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from kiosk.hall.models import MatterSummary

__all__ = ["MatterIndex", "normalise_query", "split_query", "spell_names"]

_SPACE = re.compile(r"\s+")
_TRAILING_LETTERS = re.compile(r"[a-z]*$")


def normalise_query(query: str) -> str:
    """Lower-case, without spaces: what the keyboard typed, whatever case and spacing it came in."""
    return _SPACE.sub("", query).lower()


def split_query(query: str) -> tuple[str, str]:
    """("社", "b") for "社b": the characters chosen so far, and the pinyin letters typed after them."""
    wanted = normalise_query(query)
    letters = _TRAILING_LETTERS.search(wanted).group()
    return wanted[:len(wanted) - len(letters)], letters


Spelling = tuple[tuple[str, ...], tuple[str, ...]]   # (whole syllables, initials), one per character
SPELL_TIMEOUT_S = 60
_spelled: dict[str, Spelling] = {}
_spelling = threading.Lock()


def _syllables(name: str, initials: bool) -> tuple[str, ...]:
    """One lower-case entry per character of `name` (a character without pinyin stands for itself)."""
    # Imported here, in the child process that spells (see spell_names): never in the kiosk itself.
    from pypinyin import Style, lazy_pinyin

    style = Style.FIRST_LETTER if initials else Style.NORMAL
    return tuple(s.lower() for s in lazy_pinyin(name, style=style, errors=lambda text: list(text)))


def spell_names(names: Sequence[str]) -> dict[str, Spelling]:
    """The pinyin of each name, spelled in a child process the first time a name is seen. Blocking (about
    half a second for a new catalogue): call from a worker thread."""
    with _spelling:
        missing = sorted({name for name in names if name not in _spelled})
        if missing:
            result = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(missing), text=True,
                                    capture_output=True, timeout=SPELL_TIMEOUT_S, check=True,
                                    env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))})
            for name, (spelled, initials) in json.loads(result.stdout).items():
                _spelled[name] = (tuple(spelled), tuple(initials))
        return {name: _spelled[name] for name in names}


@dataclass(frozen=True)
class _Entry:
    matter: MatterSummary
    spelled: tuple[str, ...]                # ("she", "bao", "can", ...), one per character of the name
    suffixes: tuple[tuple[str, str], ...]   # from each character on: (initials, whole pinyin), e.g. ("bcbdj", ...)

    @classmethod
    def of(cls, matter: MatterSummary, spelling: Spelling) -> "_Entry":
        spelled, initials = spelling
        suffixes = tuple(("".join(initials[i:]), "".join(spelled[i:])) for i in range(len(spelled) + 1))
        return cls(matter, spelled, suffixes)


class MatterIndex:
    def __init__(self, matters: Iterable[MatterSummary]) -> None:
        matters = tuple(matters)
        spellings = spell_names([matter.name for matter in matters])
        self._entries = tuple(_Entry.of(matter, spellings[matter.name]) for matter in matters)

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str) -> tuple[MatterSummary, ...]:
        """Matching matters, those whose name starts with the query first, otherwise in catalogue order.

        Letters alone are matched against the pinyin (initials or whole syllables) anywhere in the name;
        characters against the name, then the department; characters followed by letters, against the
        name where those letters spell what comes right after the characters. An empty query matches
        nothing: the citizen has not asked yet.
        """
        characters, letters = split_query(query)
        if not characters and not letters:
            return ()
        starts: list[MatterSummary] = []
        contains: list[MatterSummary] = []
        by_department: list[MatterSummary] = []
        for entry in self._entries:
            positions = self._matches(entry, characters, letters)
            if positions:
                (starts if positions[0] == 0 else contains).append(entry.matter)
            elif characters and not letters and characters in entry.matter.department:
                by_department.append(entry.matter)
        return (*starts, *contains, *by_department)

    def candidates(self, query: str, limit: int = 8) -> tuple[str, ...]:
        """The characters that can come next: each follows the chosen characters in some matter name and is
        spelled with the letters typed after them; the commonest first. No letters, no candidates."""
        characters, letters = split_query(query)
        if not letters:
            return ()
        counts: Counter[str] = Counter()
        for entry in self._entries:
            name = entry.matter.name
            for start in self._starts(entry, characters):
                after = start + len(characters)
                if after < len(name) and entry.spelled[after].startswith(letters) and name[after].isalpha():
                    counts[name[after]] += 1
        return tuple(character for character, _count in counts.most_common(limit))

    # --- matching -------------------------------------------------------------------------------------

    @staticmethod
    def _starts(entry: _Entry, characters: str) -> list[int]:
        """Where `characters` occur in the name (every position when there are none)."""
        name = entry.matter.name
        if not characters:
            return list(range(len(name)))
        return [i for i in range(len(name) - len(characters) + 1) if name.startswith(characters, i)]

    def _matches(self, entry: _Entry, characters: str, letters: str) -> list[int]:
        """The positions in the name where the query matches (empty: it does not)."""
        whole_initials, whole_spelled = entry.suffixes[0]
        if characters not in entry.matter.name or (letters not in whole_initials and letters not in whole_spelled):
            return []   # the common case, decided without looking at every position
        found = []
        for start in self._starts(entry, characters):
            initials, spelled = entry.suffixes[start + len(characters)]
            if not letters or initials.startswith(letters) or spelled.startswith(letters):
                found.append(start)
        return found


if __name__ == "__main__":   # the child process of spell_names: names (JSON) in, spellings (JSON) out
    json.dump({name: (_syllables(name, initials=False), _syllables(name, initials=True))
               for name in json.load(sys.stdin)}, sys.stdout, ensure_ascii=False)
