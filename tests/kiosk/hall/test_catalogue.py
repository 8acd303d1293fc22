"""办事指南 offline: guides read through a disk cache, served with their age when the hall is down."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kiosk.hall.catalogue import CatalogueCache, CatalogueUnavailable, describe_age
from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallUnavailable
from kiosk.i18n import Catalogue


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_000_000.0

    def __call__(self) -> float:
        return self.now


# A port bound but never listening: connecting to it is refused at once, and no other process can
# start listening on it while the socket is held (unlike a guessed "free" port).
_REFUSING = socket.socket()
_REFUSING.bind(("127.0.0.1", 0))
REFUSING_URL = f"http://127.0.0.1:{_REFUSING.getsockname()[1]}"


def hall_away() -> HallClient:
    return HallClient(REFUSING_URL, "kiosk-test-01", b"x" * 16, retries=0, connect_timeout=1.0)


def test_a_guide_read_online_is_served_offline_with_its_age(shared_hall_client, tmp_path: Path) -> None:
    clock = Clock()
    online = CatalogueCache(tmp_path, shared_hall_client, clock=clock)
    code = online.matters().value[0].code
    fresh = online.matter(code)
    assert fresh.live and fresh.age_seconds() == 0
    clock.now += 3 * 3600 + 120
    with hall_away() as client:
        saved = CatalogueCache(tmp_path, client, clock=clock).matter(code)
    assert saved.value == fresh.value and not saved.live
    assert saved.age_seconds() == 3 * 3600 + 120
    assert describe_age(saved.age_seconds(), "zh") == "3 小时前更新"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []     # no half-written files


def test_refresh_all_saves_every_guide_ahead_of_time(shared_hall_client, tmp_path: Path) -> None:
    count = CatalogueCache(tmp_path, shared_hall_client).refresh_all()
    expected = shared_hall_client.matters()
    assert count == len(expected) > 0
    with hall_away() as client:
        offline = CatalogueCache(tmp_path, client)
        assert {offline.matter(m.code).value.code for m in expected} == {m.code for m in expected}
        assert offline.categories().value == shared_hall_client.categories()
        assert offline.packages().value == shared_hall_client.packages()


def test_offline_searches_filter_the_saved_list(shared_hall_client, tmp_path: Path) -> None:
    CatalogueCache(tmp_path, shared_hall_client).refresh_all()
    everything = shared_hall_client.matters()
    category = everything[0].category
    word = everything[0].name[:2]
    with hall_away() as client:
        offline = CatalogueCache(tmp_path, client)
        by_category = offline.matters(category=category)
        by_word = offline.matters(query=word)
    assert not by_category.live
    assert by_category.value == tuple(m for m in everything if m.category == category)
    assert everything[0] in by_word.value and all(word in m.name or word in m.department for m in by_word.value)


def test_known_offline_means_no_connection_attempt(shared_hall_server, shared_hall_client, tmp_path: Path) -> None:
    CatalogueCache(tmp_path, shared_hall_client).categories()
    requests_seen: list[str] = []
    with shared_hall_server.client() as client:
        client.session.hooks["response"].append(lambda r, *a, **k: requests_seen.append(r.request.path_url))
        cached = CatalogueCache(tmp_path, client, is_online=lambda: False).categories()
    assert not cached.live and requests_seen == []


def test_a_guide_never_saved_is_a_clear_error_offline(tmp_path: Path) -> None:
    with hall_away() as client:
        with pytest.raises(CatalogueUnavailable, match="never saved") as error:
            CatalogueCache(tmp_path, client).matter("social.pension")
    assert isinstance(error.value, HallUnavailable)       # screens handle it like any unreachable hall


def test_a_damaged_saved_file_is_ignored_not_fatal(shared_hall_client, tmp_path: Path) -> None:
    CatalogueCache(tmp_path, shared_hall_client).categories()
    (tmp_path / "categories.json").write_text('{"format": 1, "fetched_at": 1, "document": [{"code"', "utf-8")
    with hall_away() as client:
        with pytest.raises(CatalogueUnavailable):
            CatalogueCache(tmp_path, client).categories()
    assert CatalogueCache(tmp_path, shared_hall_client).categories().live       # and repaired when online


def test_ages_read_naturally() -> None:
    assert describe_age(30) == "刚刚更新"
    assert describe_age(59 * 60) == "59 分钟前更新"
    assert describe_age(2 * 86400 + 5) == "2 天前更新"
    assert describe_age(3600, "en") == "updated 1 hour ago"
    assert describe_age(7200, "en") == "updated 2 hours ago"
    assert describe_age(10, "en") == "updated just now"
    assert describe_age(60, "en") == "updated 1 minute ago"


def test_age_words_come_from_the_message_catalogue() -> None:
    texts = Catalogue({**{key: {"zh": f"{key}:{{count}}", "en": "x"} for key in (
        "guide.age.minute_one", "guide.age.minute_many", "guide.age.hour_one", "guide.age.hour_many",
        "guide.age.day_one", "guide.age.day_many")}, "guide.age.just_now": {"zh": "此刻", "en": "now"}})
    assert describe_age(3 * 3600, "zh", texts) == "guide.age.hour_many:3"
    assert describe_age(1, "en", texts) == "now"
