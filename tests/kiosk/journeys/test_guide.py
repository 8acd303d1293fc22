"""办事指南 without Kivy: the journey reads the live reference hall over loopback HTTP through the catalogue
cache on a real folder, prints on the printer simulator over a real pseudo-terminal, and works offline from
the saved copy when the hall cannot be reached."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from domain.clock import SiteClock
from domain.printouts import SiteLines
from drivers.printer import PrinterState
from drivers.printer.escpos_reader import printed_text
from kiosk.hall.catalogue import CatalogueCache
from kiosk.hall.client import HallClient
from kiosk.hall.models import MatterSummary
from kiosk.i18n import Catalogue
from kiosk.journeys.guide import GuideJourney, GuideStep
from kiosk.journeys.guide_search import MatterIndex
from tests.fixtures.clock import MACHINE_ZONES, TRICKY_INSTANTS
from tests.kiosk.conftest import Clock

TEXTS = Catalogue.load()

# A port bound but never listening: every connection is refused at once (the hall is away).
_REFUSING = socket.socket()
_REFUSING.bind(("127.0.0.1", 0))
REFUSING_URL = f"http://127.0.0.1:{_REFUSING.getsockname()[1]}"


@pytest.fixture
def clock():
    return Clock(1_795_000_000.0)


def start(guides, worker, views, devices=None, page_size=6):  # noqa: F811
    journey = GuideJourney(guides=guides, worker=worker, devices=devices, site=SiteLines(footer=("咨询电话：12345",)),
                           texts=TEXTS, on_change=views, page_size=page_size, clock=SiteClock())
    journey.begin()
    return journey


@pytest.fixture
def online(shared_hall_client, tmp_path, clock):
    return CatalogueCache(tmp_path / "catalogue", shared_hall_client, clock=clock)


@pytest.fixture
def journey(online, worker, views, devices):  # noqa: F811
    journey = start(online, worker, views, devices)
    assert views.until(GuideStep.BROWSE).saved_age_s is None
    return journey


def names(listing) -> list[str]:
    return [item.name for item in listing]


# --- finding a matter ---------------------------------------------------------------------------------------

def summary(code: str, name: str, department: str = "示例部门") -> MatterSummary:
    return MatterSummary(code=code, name=name, category="social", department=department, one_id=True,
                         cross_region=False, appointable=False, queue="social")


def test_pinyin_initials_whole_pinyin_and_characters_all_find_a_matter():
    index = MatterIndex([summary("YB001", "医疗费用零星报销"), summary("SB001", "社保参保登记"),
                         summary("JJ001", "换领机动车驾驶证", department="车辆管理所"), summary("SW001", "代开发票")])
    assert names(index.search("sbcb")) == ["社保参保登记"]
    assert names(index.search("SheBao")) == ["社保参保登记"]
    assert names(index.search("社保")) == ["社保参保登记"]
    assert names(index.search("jsz")) == ["换领机动车驾驶证"]          # inside the name, not only its start
    assert names(index.search("车辆管理")) == ["换领机动车驾驶证"]      # characters also find the department
    assert names(index.search("d")) == ["代开发票", "社保参保登记", "换领机动车驾驶证"]  # names starting with it first
    assert index.search("") == () and index.search("  ") == ()
    assert index.search("qqqq") == ()


def test_letters_offer_the_characters_they_spell_and_a_chosen_character_narrows_the_search():
    index = MatterIndex([summary("SB001", "社保参保登记"), summary("SB002", "社保卡补换"),
                         summary("YB002", "新生儿参保登记"), summary("MZ001", "老龄补贴年审")])
    assert index.candidates("she") == ("社", "生", "审")                # 社 in two names: the commonest first
    assert index.candidates("sheng") == ("生",)
    assert index.candidates("社b") == ("保",)                           # what can follow 社, spelled b...
    assert index.candidates("社保k") == ("卡",)
    assert index.candidates("社") == () and index.candidates("") == ()  # no letters, nothing to offer
    assert names(index.search("社b")) == ["社保参保登记", "社保卡补换"]
    assert names(index.search("社保k")) == ["社保卡补换"]
    assert names(index.search("参保d")) == ["社保参保登记", "新生儿参保登记"]
    assert index.search("社x") == ()


def test_a_phrase_is_spelled_as_a_phrase_not_character_by_character():
    index = MatterIndex([summary("X1", "重庆户籍迁入登记")])
    assert names(index.search("cqhj")) == ["重庆户籍迁入登记"]      # 重庆 is chóngqìng, not zhòngqìng


def test_the_kiosk_never_loads_the_pinyin_dictionaries_itself():
    """GIVEN a fresh kiosk process WHEN it builds a search index THEN the names were spelled in a child
    process: pypinyin's tens of MiB never stay in the long-running kiosk."""
    import subprocess
    import sys

    code = ("import sys; from kiosk.journeys.guide_search import MatterIndex; "
            "from kiosk.hall.models import MatterSummary; "
            "index = MatterIndex([MatterSummary(code='SB001', name='社保参保登记', category='social', "
            "department='x', one_id=True, cross_region=False, appointable=False, queue='social')]); "
            "print(len(index.search('sbcb')), 'pypinyin' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["1", "False"], result.stderr[-2000:]


# --- browsing ---------------------------------------------------------------------------------------------

def test_categories_lead_to_their_matters_and_back(journey, views, shared_hall_client):
    categories = shared_hall_client.categories()
    assert journey.view.listing == categories
    journey.open_category("social")
    view = views.until(GuideStep.MATTERS)
    assert view.category.name == next(c.name for c in categories if c.code == "social")
    assert "社保参保登记" in names(view.listing)
    assert all(m.category == "social" for m in view.listing)

    assert journey.back() and journey.view.step is GuideStep.BROWSE
    assert not journey.back()   # the first step: the screen goes home


def test_search_shows_matches_as_the_citizen_types(journey, views):
    journey.open_search()
    assert views.until(GuideStep.SEARCH).listing == ()
    journey.type_query("s")
    assert len(journey.view.listing) > 1 and "社保参保登记" in names(journey.view.listing)
    journey.type_query("sbcb")
    assert names(journey.view.listing) == ["社保参保登记"]
    journey.type_query("zzzz")
    assert journey.view.listing == () and journey.view.query == "zzzz" and journey.view.candidates == ()
    journey.type_query("gong")
    assert journey.view.candidates == ("公",)
    journey.type_query("公积金t")
    assert names(journey.view.listing) == ["公积金提取"] and journey.view.candidates == ("提",)



def test_the_search_text_is_typed_another_way_without_losing_what_is_typed(journey, views):
    """GIVEN "gjj" typed on the letter keyboard WHEN the citizen switches to pinyin, then writes characters by hand
    THEN the query and its matches stay, each new text finds by characters, and back from a guide returns to
    the method the citizen was using."""
    journey.open_search()
    assert views.until(GuideStep.SEARCH).input_method == "letters"
    journey.type_query("gjj")
    journey.choose_input("pinyin")
    assert journey.view.input_method == "pinyin" and journey.view.query == "gjj"
    assert names(journey.view.listing) == ["公积金提取"]
    journey.type_query("不动产")                   # written in pinyin: characters find the matter by its name
    assert names(journey.view.listing) == ["不动产登记"] and journey.view.input_method == "pinyin"
    journey.choose_input("handwriting")
    journey.type_query("不")
    assert names(journey.view.listing) == ["不动产登记"]
    journey.open_matter("BDC001")
    views.until(GuideStep.MATTER)
    journey.back()
    assert journey.view.step is GuideStep.SEARCH and journey.view.input_method == "handwriting"
    with pytest.raises(ValueError):
        journey.choose_input("voice")
    journey.back()
    journey.choose_input("pinyin")                  # outside the search there is nothing to type
    assert journey.view.step is GuideStep.BROWSE and journey.view.input_method == "letters"

def test_a_matters_guide_has_everything_a_citizen_needs(journey, views):
    journey.open_search()
    journey.type_query("hljdc")
    journey.open_matter(journey.view.page_items[0].code)
    assert views.until(GuideStep.OPENING)
    view = views.until(GuideStep.MATTER)
    matter = view.matter
    assert matter.name == "换领机动车驾驶证" and matter.conditions and matter.fees == "工本费10元"
    assert [m.name for m in matter.materials][:2] == ["居民身份证", "机动车驾驶证"]
    assert matter.one_id and matter.cross_region and matter.location
    assert view.saved_age_s is None

    assert journey.back() and journey.view.step is GuideStep.SEARCH and journey.view.query == "hljdc"


@pytest.mark.parametrize("machine_zone", MACHINE_ZONES)
def test_the_material_list_is_printed_with_every_material_where_to_go_and_the_site_time(
        journey, views, devices, frozen_clock, machine_zone):
    """GIVEN the last evening of 2026 in UTC, already New Year's Day at the site, on a machine in any zone
    WHEN the material list is printed THEN it carries the site's time."""
    instant = TRICKY_INSTANTS["year-end"]
    frozen_clock(instant, machine_zone=machine_zone)
    journey.open_category("social")
    views.until(GuideStep.MATTERS)
    journey.open_matter("SB001")
    views.until(GuideStep.MATTER)
    journey.print_materials()
    assert views.until(GuideStep.PRINTING)
    view = views.until(GuideStep.MATTER)
    assert view.printed and not view.problem

    paper = printed_text(devices.demo_printer.received())
    for line in ("办事材料清单", "社保参保登记", "1. 居民身份证", "原件 1 份", "2. 劳动合同或就业证明",
                 "复印件 1 份", "灵活就业人员免交", "办理地点：一楼A区 1-4号窗口", "收费：不收费",
                 "办理时限：法定 10 个工作日，材料齐全当场办结", "本事项支持一证通办", "本事项支持跨区通办",
                 "打印时间：2027-01-01 00:30", "咨询电话：12345"):
        assert line in paper, line


def test_paper_out_keeps_the_guide_on_screen_with_the_reason(journey, views, devices):
    journey.open_category("social")
    journey.open_matter("SB001")
    views.until(GuideStep.MATTER)
    devices.demo_printer.set_state(PrinterState.PAPER_OUT)
    journey.print_materials()
    view = views.until(GuideStep.MATTER)
    assert not view.printed and view.problem == "printer.paper_out" and view.matter.code == "SB001"

    devices.demo_printer.set_state(PrinterState.READY)
    journey.print_materials()
    assert views.until(GuideStep.MATTER).printed


def test_packages_list_their_matters_and_open_each_guide(journey, views, shared_hall_client):
    journey.open_packages()
    view = views.until(GuideStep.PACKAGES)
    assert view.listing == shared_hall_client.packages()
    journey.open_package("PKG-BIRTH")
    view = views.until(GuideStep.PACKAGE)
    assert view.package.name == "新生儿出生一件事" and [m.code for m in view.listing] == ["YB002", "SB001"]
    journey.open_matter("YB002")
    assert views.until(GuideStep.MATTER).matter.name == "新生儿参保登记"
    assert journey.back() and journey.view.step is GuideStep.PACKAGE
    assert journey.back() and journey.view.step is GuideStep.PACKAGES
    assert journey.back() and journey.view.step is GuideStep.BROWSE


# --- fewer items a page -------------------------------------------------------------------------------------

def test_lists_are_paged_and_elder_mode_shows_fewer_a_page(online, worker, views):  # noqa: F811
    journey = start(online, worker, views, page_size=3)
    view = views.until(GuideStep.BROWSE)
    categories = view.listing
    assert len(categories) == 8 and view.page_count == 3 and view.page_items == categories[:3]
    assert not view.has_previous
    journey.next_page()
    journey.next_page()
    assert journey.view.page_items == categories[6:] and not journey.view.has_next
    journey.next_page()
    assert journey.view.page == 2                           # no page past the last

    journey.set_page_size(4)    # leaving elder mode: the first item shown stays on screen
    assert journey.view.page == 1 and journey.view.page_items == categories[4:]
    journey.previous_page()
    assert journey.view.page_items == categories[:4]


# --- offline ----------------------------------------------------------------------------------------------

@pytest.fixture
def hall_away():
    with HallClient(REFUSING_URL, "kiosk-test-01", b"x" * 16, retries=0, connect_timeout=1.0) as client:
        yield client


def test_offline_the_saved_copy_is_browsed_searched_and_printed_with_its_age(
        online, hall_away, worker, views, devices, clock, tmp_path: Path):  # noqa: F811
    online.refresh_all()
    clock.now += 3 * 3600 + 5
    journey = start(CatalogueCache(tmp_path / "catalogue", hall_away, clock=clock), worker, views, devices)
    view = views.until(GuideStep.BROWSE)
    assert view.saved_age_s == 3 * 3600 + 5
    journey.open_search()
    journey.type_query("gjj")
    assert names(journey.view.listing) == ["公积金提取"] and journey.view.saved_age_s == 3 * 3600 + 5
    journey.open_matter(journey.view.listing[0].code)
    view = views.until(GuideStep.MATTER)
    assert view.matter.name == "公积金提取" and view.saved_age_s == 3 * 3600 + 5
    journey.print_materials()
    assert views.until(GuideStep.MATTER).printed
    assert "公积金提取" in printed_text(devices.demo_printer.received())


def test_offline_a_guide_never_saved_is_explained_on_the_list(online, hall_away, worker, views, tmp_path):  # noqa: F811
    online.categories(), online.matters(), online.packages()         # the lists, but no guide, were saved
    journey = start(CatalogueCache(tmp_path / "catalogue", hall_away), worker, views)
    views.until(GuideStep.BROWSE)
    journey.open_category("social")
    journey.open_matter("SB001")
    views.until(GuideStep.OPENING)
    view = views.until(GuideStep.MATTERS)
    assert view.problem == "guide.not_saved" and view.category.code == "social"


def test_offline_with_nothing_saved_says_so(hall_away, worker, views, tmp_path):  # noqa: F811
    start(CatalogueCache(tmp_path / "empty", hall_away), worker, views)
    assert views.until(GuideStep.UNAVAILABLE).problem == "guide.not_saved"


def test_before_the_hall_is_set_up_the_guide_says_so(worker, views):  # noqa: F811
    start(None, worker, views)
    assert views.until(GuideStep.UNAVAILABLE).problem == "guide.hall_down"
