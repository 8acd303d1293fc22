"""The 办事指南 journey: browse the matters by category or find one by pinyin initials or in characters, read its guide
(conditions, the complete material list, fees, time limit, where, 一证通办 and 跨区通办), print the material
list; 一件事一次办 packages too. Everything is read through the catalogue cache, so it works offline
from the copy saved on this kiosk, and the view says how old that copy is.

    journey = GuideJourney(guides=app.hall.catalogue, worker=worker, devices=devices, site=SiteLines(...),
                           texts=app.catalogue, on_change=screen.show, page_size=6)
    journey.begin()                 # LOADING, then BROWSE (categories), or UNAVAILABLE
    journey.open_category("social") # MATTERS, paged
    journey.open_search(); journey.type_query("sbcb")   # SEARCH, matches as the citizen types
    journey.type_query("she")       # ... and the characters "she" can stand for: view.candidates == ("社", ...)
    journey.choose_input("pinyin")  # or "handwriting", "letters": how the search text is typed (the query stays)
    journey.open_matter("SB001")    # OPENING, then MATTER (or back to the list with a problem)
    journey.print_materials()       # PRINTING, then MATTER with printed=True (or a printer problem)
    journey.back()                  # the step before; False when there is none (the screen goes home)

Nothing here is personal: a guide is public information. Every cache and printer call runs on the
worker; answers come back through its `deliver`, so `on_change` is always called on the UI thread.
"""

from __future__ import annotations

import enum
import functools
import logging
import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from domain.clock import WallClock
from domain.printouts import Material, MaterialList, SiteLines
from kiosk.background import BackgroundWorker
from kiosk.devices.problems import print_problem_key
from kiosk.hall.catalogue import Cached, CatalogueUnavailable
from kiosk.hall.errors import HallError
from kiosk.hall.models import Category, Matter, MatterSummary, ServicePackage
from kiosk.i18n import Catalogue
from kiosk.journeys.base import Journey
from kiosk.journeys.guide_search import MatterIndex
from kiosk.journeys.needs import Guides, Printing

__all__ = ["GuideStep", "GuideView", "GuideJourney", "INPUT_METHODS", "time_limit_text", "copies_text"]

log = logging.getLogger(__name__)

PRINT_LANGUAGE = "zh"   # printouts are in Chinese, like every slip the hall prints


class GuideStep(enum.Enum):
    LOADING = "loading"          # reading categories, matters and packages
    BROWSE = "browse"            # the categories, with the way to search and to packages
    MATTERS = "matters"          # the matters of one category
    SEARCH = "search"            # the keyboard or pad (INPUT_METHODS) and what matches so far
    PACKAGES = "packages"        # 一件事一次办
    PACKAGE = "package"          # what one package bundles
    OPENING = "opening"          # reading one matter's guide
    MATTER = "matter"            # the guide itself
    PRINTING = "printing"        # its material list is printing
    UNAVAILABLE = "unavailable"  # nothing can be read: the hall is away and nothing was saved here

# How the search text is typed: the letter keyboard (pinyin initials, characters from the hall's own names), or
# handwriting and pinyin (kiosk.devices.text_input), which write any character. The screen offers what works here.
INPUT_METHODS = ("letters", "handwriting", "pinyin")

LIST_STEPS = (GuideStep.BROWSE, GuideStep.MATTERS, GuideStep.SEARCH, GuideStep.PACKAGES, GuideStep.PACKAGE)


@dataclass(frozen=True)
class GuideView:
    step: GuideStep
    listing: tuple = ()                 # what the list step pages through (categories, matters, packages)
    page: int = 0
    page_size: int = 6
    category: Category | None = None
    query: str = ""
    candidates: tuple[str, ...] = ()    # characters the letters typed last can stand for (search)
    input_method: str = "letters"       # one of INPUT_METHODS (search)
    package: ServicePackage | None = None
    matter: Matter | None = None
    saved_age_s: float | None = None    # None: straight from the hall; else the age of the saved copy shown
    printed: bool = False
    problem: str = ""                   # catalogue key of the plain sentence explaining what went wrong

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.listing) / self.page_size))

    @property
    def page_items(self) -> tuple:
        start = self.page * self.page_size
        return self.listing[start:start + self.page_size]

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.page_count


@dataclass(frozen=True)
class _Catalogue:
    categories: tuple[Category, ...]
    matters: tuple[MatterSummary, ...]
    packages: tuple[ServicePackage, ...]
    index: MatterIndex
    saved_age_s: float | None


@functools.lru_cache(maxsize=1)
def _index_of(matters: tuple[MatterSummary, ...]) -> MatterIndex:
    """The pinyin index, built once per catalogue (about 0.4 ms a matter) rather than at every visit."""
    return MatterIndex(matters)


def _saved_age(*parts: Cached[Any]) -> float | None:
    """The oldest saved copy among `parts`, or None when every part came straight from the hall."""
    ages = [part.age_seconds() for part in parts if not part.live]
    return max(ages) if ages else None


def copies_text(texts: Catalogue, language: str, material: Any) -> str:
    """How many copies of a hall material, and whether originals: 原件 1 份, 复印件 2 份."""
    key = "guide.material_original" if material.original else "guide.material_copy"
    return texts.text(key, language, copies=material.copies)


def time_limit_text(texts: Catalogue, language: str, matter: Matter) -> str:
    """The legal and the promised time limit; a promise of 0 days means done on the spot (即办件)."""
    if matter.promised_days == 0:
        return texts.text("guide.time_limit_same_day", language, legal=matter.legal_days)
    return texts.text("guide.time_limit_days", language, legal=matter.legal_days, promised=matter.promised_days)


class GuideJourney(Journey[GuideView]):
    def __init__(self, *, guides: Guides | None, worker: BackgroundWorker, devices: Printing | None, site: SiteLines, texts: Catalogue,
                 on_change: Callable[[GuideView], None], page_size: int = 6,
                 clock: WallClock) -> None:
        super().__init__(GuideView(GuideStep.LOADING, page_size=page_size), on_change)
        self._guides = guides       # kiosk.hall.catalogue.CatalogueCache, or None before the hall is set up
        self._worker = worker
        self._devices = devices
        self._site = site
        self._texts = texts
        self._page_size = page_size
        self._clock = clock
        self._catalogue: _Catalogue | None = None
        self._history: list[GuideView] = []

    def _go(self, view: GuideView) -> None:
        """Move on to a new step, remembering where the citizen was for `back`."""
        if self.view.step in LIST_STEPS:
            self._history.append(replace(self.view, problem="", printed=False))
        self._show(view)

    def _list(self, step: GuideStep, listing: tuple, **fields: Any) -> GuideView:
        age = self._catalogue.saved_age_s if self._catalogue else None
        return GuideView(step, listing=listing, page_size=self._page_size, saved_age_s=age, **fields)

    # --- loading ------------------------------------------------------------------------------------

    def begin(self) -> None:
        self._show(GuideView(GuideStep.LOADING, page_size=self._page_size))
        if self._guides is None:
            self._show(GuideView(GuideStep.UNAVAILABLE, problem="guide.hall_down"))
            return
        guides = self._guides

        def load() -> _Catalogue:
            categories, matters, packages = guides.categories(), guides.matters(), guides.packages()
            return _Catalogue(tuple(categories.value), tuple(matters.value), tuple(packages.value),
                              _index_of(tuple(matters.value)), _saved_age(categories, matters, packages))

        self._worker.run(load, on_result=self._loaded, on_error=self._load_failed)

    def _loaded(self, catalogue: _Catalogue) -> None:
        self._catalogue = catalogue
        self._show(self._list(GuideStep.BROWSE, catalogue.categories))

    def _load_failed(self, error: BaseException) -> None:
        log.warning("service guides could not be loaded: %s: %s", type(error).__name__, error)
        self._show(GuideView(GuideStep.UNAVAILABLE, problem=_problem_key(error)))

    # --- browsing -----------------------------------------------------------------------------------

    def open_category(self, code: str) -> None:
        if self.view.step is not GuideStep.BROWSE or self._catalogue is None:
            return
        category = next((c for c in self._catalogue.categories if c.code == code), None)
        if category is None:
            return
        matters = tuple(m for m in self._catalogue.matters if m.category == code)
        self._go(self._list(GuideStep.MATTERS, matters, category=category))

    def open_search(self) -> None:
        if self.view.step is GuideStep.BROWSE and self._catalogue is not None:
            self._go(self._list(GuideStep.SEARCH, ()))

    def type_query(self, query: str) -> None:
        """The keyboard's text so far: the matches replace the list at once (an in-memory scan)."""
        if self.view.step is not GuideStep.SEARCH or self._catalogue is None:
            return
        index = self._catalogue.index
        self._show(self._list(GuideStep.SEARCH, index.search(query), query=query, candidates=index.candidates(query),
                              input_method=self.view.input_method))

    def choose_input(self, method: str) -> None:
        """Type the search text another way; what is typed so far stays, and so do its matches."""
        if method not in INPUT_METHODS:
            raise ValueError(f"unknown input method {method!r}; known: {', '.join(INPUT_METHODS)}")
        if self.view.step is GuideStep.SEARCH and method != self.view.input_method:
            self._show(replace(self.view, input_method=method, problem=""))

    def open_packages(self) -> None:
        if self.view.step is GuideStep.BROWSE and self._catalogue is not None:
            self._go(self._list(GuideStep.PACKAGES, self._catalogue.packages))

    def open_package(self, code: str) -> None:
        if self.view.step is not GuideStep.PACKAGES or self._catalogue is None:
            return
        package = next((p for p in self._catalogue.packages if p.code == code), None)
        if package is not None:
            self._go(self._list(GuideStep.PACKAGE, package.matters, package=package))

    def next_page(self) -> None:
        if self.view.step in LIST_STEPS and self.view.has_next:
            self._show(replace(self.view, page=self.view.page + 1, problem=""))

    def previous_page(self) -> None:
        if self.view.step in LIST_STEPS and self.view.has_previous:
            self._show(replace(self.view, page=self.view.page - 1, problem=""))

    def set_page_size(self, page_size: int) -> None:
        """Elder mode shows fewer items a page: keep the first item on screen on the new page."""
        if page_size < 1 or page_size == self._page_size:
            return
        self._page_size = page_size
        self._history = [_repaged(view, page_size) for view in self._history]
        self._show(_repaged(self.view, page_size))

    def back(self) -> bool:
        """Return to the step before; False when there is none (the screen then goes home). While a guide
        opens or prints, the citizen stays where they are until it is done."""
        if self.view.step in (GuideStep.OPENING, GuideStep.PRINTING):
            return True
        if not self._history:
            return False
        self._show(self._history.pop())
        return True

    # --- one matter's guide ---------------------------------------------------------------------------

    def open_matter(self, code: str) -> None:
        if self.view.step not in LIST_STEPS or self._guides is None:
            return
        guides = self._guides
        self._go(replace(self.view, step=GuideStep.OPENING, problem=""))
        self._worker.run(lambda: guides.matter(code), on_result=self._matter_read, on_error=self._matter_failed)

    def _matter_read(self, cached: Cached[Matter]) -> None:
        self._show(GuideView(GuideStep.MATTER, page_size=self._page_size, matter=cached.value,
                             saved_age_s=_saved_age(cached)))

    def _matter_failed(self, error: BaseException) -> None:
        log.warning("service guide could not be read: %s: %s", type(error).__name__, error)
        if self._history:
            self._show(replace(self._history.pop(), problem="guide.not_saved"
                               if isinstance(error, HallError) else "guide.failed"))
        else:
            self._show(GuideView(GuideStep.UNAVAILABLE, problem=_problem_key(error)))

    def print_materials(self) -> None:
        if self.view.step is not GuideStep.MATTER or self.view.matter is None:
            return
        document = self.printout(self.view.matter)
        self._show(replace(self.view, step=GuideStep.PRINTING, printed=False, problem=""))
        self._devices.print(document, on_result=self._printed, on_error=self._print_failed)

    def printout(self, matter: Matter) -> MaterialList:
        """The 一次性告知 slip: every material, then where, fees, time limit and the 通办 marks."""
        text = self._texts.text
        zh = PRINT_LANGUAGE
        notes = [text("guide.slip.where", zh, location=matter.location),
                 text("guide.slip.fees", zh, fees=matter.fees),
                 text("guide.slip.time_limit", zh, time_limit=time_limit_text(self._texts, zh, matter))]
        if matter.one_id:
            notes.append(text("guide.slip.one_id", zh))
        if matter.cross_region:
            notes.append(text("guide.slip.cross_region", zh))
        notes.append(text("guide.slip.bring_all", zh))
        materials = tuple(Material(name=m.name, copies=copies_text(self._texts, zh, m), note=m.note)
                          for m in matter.materials)
        return MaterialList(matter=matter.name, materials=materials, notes=tuple(notes), printed_at=self._clock.now(),
                            site=self._site)

    def _printed(self, result: Any) -> None:
        if getattr(result, "maintenance_alert", None):
            log.warning("printer: %s", result.maintenance_alert)
        self._show(replace(self.view, step=GuideStep.MATTER, printed=True, problem=""))

    def _print_failed(self, error: BaseException) -> None:
        log.warning("material list not printed: %s", type(error).__name__)
        self._show(replace(self.view, step=GuideStep.MATTER, printed=False, problem=print_problem_key(error)))


def _repaged(view: GuideView, page_size: int) -> GuideView:
    first = view.page * view.page_size
    return replace(view, page_size=page_size, page=first // page_size)


def _problem_key(error: BaseException) -> str:
    if isinstance(error, CatalogueUnavailable):
        return "guide.not_saved"
    return "guide.hall_down" if isinstance(error, HallError) else "guide.failed"
