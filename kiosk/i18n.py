"""The message catalogue: every visible string, in Chinese (first) and English, looked up by key.

    catalogue = Catalogue.load()
    catalogue.text("idle.countdown", "zh", seconds=7)   # '7秒后返回首页'

One catalogue kept in several files, `kiosk/messages/*.toml` (one per area: the shell, each journey),
merged at load; a key defined twice is an error. A missing key or language is a `KeyError` at once,
so a screen cannot show an empty label unnoticed.
"""

from __future__ import annotations

import calendar
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Iterator

__all__ = ["LANGUAGES", "Catalogue", "format_date", "in_language"]

LANGUAGES = ("zh", "en")
CATALOGUE_DIR = Path(__file__).with_name("messages")


class Catalogue:
    def __init__(self, entries: dict[str, dict[str, str]]) -> None:
        for key, texts in entries.items():
            missing = [language for language in LANGUAGES if not texts.get(language)]
            if missing:
                raise ValueError(f"message {key!r} has no text for {', '.join(missing)}")
        self._entries = entries

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> "Catalogue":
        entries: dict[str, dict[str, str]] = {}
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as file:
                tree = tomllib.load(file)
            for key, texts in _flatten(tree):
                if key in entries:
                    raise ValueError(f"{path.name}: message {key!r} is already defined in another file")
                entries[key] = texts
        return cls(entries)

    def text(self, key: str, language: str, **values: object) -> str:
        template = self._entries[key][language]
        return template.format(**values) if values else template

    def keys(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def all_texts(self) -> Iterator[str]:
        """Every string in every language, for font coverage checks."""
        for texts in self._entries.values():
            yield from texts.values()


def _flatten(tree: dict, prefix: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            yield key, value
        elif isinstance(value, dict):
            yield from _flatten(value, f"{key}.")
        else:
            raise ValueError(f"message {key!r} must be a table of {'/'.join(LANGUAGES)} texts")


def format_date(moment: datetime, language: str, catalogue: Catalogue) -> str:
    weekday = catalogue.text(f"weekday.{moment.weekday()}", language)
    return catalogue.text(
        "attract.date", language, year=moment.year, month=moment.month, day=moment.day,
        weekday=weekday, month_name=calendar.month_name[moment.month],
    )


def in_language(chinese: str, english: str, language: str) -> str:
    """A name from the hall in the language shown: its English name in English where the hall gave one (the
    API's optional name_en or title_en), else the Chinese name."""
    return english if language == "en" and english else chinese
