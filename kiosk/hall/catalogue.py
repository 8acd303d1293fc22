"""The matter catalogue and service guides (办事指南) on disk, so guides keep working while the hall is down.

Every read goes to the hall first when it is believed reachable; the answer is saved (written to a
temporary file, synced, renamed: a crash never leaves half a file) and returned as `Cached` with
``live=True``. When the hall cannot be reached, or is known to be away (`is_online` says so, which
skips a connect timeout), the saved copy is returned with ``live=False`` and its age, which the
screen shows ("3 小时前更新"). `refresh_all` saves every guide ahead of time (the app runs it at
start and every few hours on a worker thread), so guides never opened before still work offline.

The catalogue is public information: it is stored in the clear. Nothing personal ever goes here.

    catalogue = CatalogueCache(settings.data_dir / "catalogue", client, is_online=lambda: reachability.online)
    guide = catalogue.matter("social.pension_certificate")
    show(guide.value, updated=None if guide.live else describe_age(guide.age_seconds(), "zh", app.catalogue))
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallProtocolError, HallUnavailable
from kiosk.hall.models import Category, Matter, MatterSummary, ServicePackage
from kiosk.i18n import Catalogue

__all__ = ["CatalogueCache", "Cached", "CatalogueUnavailable", "describe_age"]

log = logging.getLogger("kiosk.hall.catalogue")

T = TypeVar("T")
FORMAT_VERSION = 1


class CatalogueUnavailable(HallUnavailable):
    """The hall is unreachable and this part of the catalogue was never saved on this kiosk."""


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    fetched_at: float           # Unix time of the hall's answer
    live: bool                  # True: straight from the hall now; False: the saved copy
    now: float

    def age_seconds(self) -> float:
        return max(0.0, self.now - self.fetched_at)


def describe_age(seconds: float, language: str = "zh", texts: Catalogue | None = None) -> str:
    """How old a saved copy is, in the citizen's words: 刚刚更新, 3 小时前更新, updated 2 days ago.

    The words are the message catalogue's `guide.age.*` (the app passes its own `texts`)."""
    texts = texts or _default_texts()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return texts.text(f"guide.age.{unit}_{'one' if count == 1 else 'many'}", language, count=count)
    return texts.text("guide.age.just_now", language)


@functools.cache
def _default_texts() -> Catalogue:
    return Catalogue.load()


class CatalogueCache:
    def __init__(self, folder: str | os.PathLike[str], client: HallClient, *, clock: Callable[[], float] = time.time,
                 is_online: Callable[[], bool] = lambda: True) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._client = client
        self._clock = clock
        self._is_online = is_online

    def categories(self) -> Cached[tuple[Category, ...]]:
        return self._read("categories", self._client.categories, tuple[Category, ...])

    def matters(self, category: str | None = None, query: str | None = None) -> Cached[tuple[MatterSummary, ...]]:
        """Matters of a category, or matching `query`; offline the saved full list is filtered here."""
        if category is None and query is None:
            return self._read("matters", self._client.matters, tuple[MatterSummary, ...])
        try:
            return self._read(f"matters-{category}-{query}", lambda: self._client.matters(category=category,
                                                                                          query=query),
                              tuple[MatterSummary, ...], save=False)
        except HallUnavailable:
            everything = self._saved("matters", tuple[MatterSummary, ...])
            chosen = tuple(m for m in everything.value if (category is None or m.category == category)
                           and (not query or query in m.name or query in m.department))
            return Cached(chosen, everything.fetched_at, False, everything.now)

    def matter(self, code: str) -> Cached[Matter]:
        """The full service guide of one matter."""
        return self._read(f"matter-{code}", lambda: self._client.matter(code), Matter)

    def packages(self) -> Cached[tuple[ServicePackage, ...]]:
        return self._read("packages", self._client.packages, tuple[ServicePackage, ...])

    def refresh_all(self) -> int:
        """Save categories, the matter list, packages and every guide now; returns how many guides.

        Blocking (one request per matter): run it on a worker thread. What was fetched before a
        failure stays saved; the failure is raised.
        """
        self.categories()
        self.packages()
        summaries = self._require_live(self.matters())
        for summary in summaries:
            self._require_live(self.matter(summary.code))
        return len(summaries)

    def _require_live(self, cached: Cached[T]) -> T:
        if not cached.live:
            raise HallUnavailable("the hall went away during the catalogue refresh; the saved copy is kept")
        return cached.value

    # -- reading through the disk ----------------------------------------------------------------

    def _read(self, name: str, fetch: Callable[[], Any], model: Any, save: bool = True) -> Cached[Any]:
        if self._is_online():
            try:
                value = fetch()
            except (HallUnavailable, HallProtocolError) as error:
                log.info("catalogue %s from the saved copy: %s", name, error)
            else:
                now = self._clock()
                if save:
                    self._save(name, TypeAdapter(model).dump_python(value, mode="json"), now)
                return Cached(value, now, True, now)
        return self._saved(name, model)

    def _saved(self, name: str, model: Any) -> Cached[Any]:
        path = self._path(name)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("format") != FORMAT_VERSION:
                raise ValueError("format")
            value = TypeAdapter(model).validate_python(record["document"])
            return Cached(value, float(record["fetched_at"]), False, self._clock())
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError, ValidationError):
            log.warning("catalogue file %s is damaged or from another version; ignored", path.name)
        raise CatalogueUnavailable(f"the hall is unreachable and the catalogue part '{name}' was never saved on"
                                   " this kiosk: it is saved at the next successful refresh")

    def _save(self, name: str, document: Any, fetched_at: float) -> None:
        path = self._path(name)
        data = json.dumps({"format": FORMAT_VERSION, "fetched_at": fetched_at, "document": document},
                          ensure_ascii=False).encode("utf-8")
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            # A guide that cannot be saved is still shown; only the offline copy is older.
            log.warning("cannot save catalogue file %s: %s", path.name, error.strerror)

    def _path(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        return self.folder / f"{safe}.json"
