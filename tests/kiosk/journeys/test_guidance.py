"""kiosk.journeys.guidance: the machine models the help picture draws, the staff-call event, opening times in words."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

import pytest

from kiosk.config import UiSettings
from kiosk.journeys.guidance import MACHINE_MODELS, machine_model, opening_words, staff_call
from kiosk.i18n import Catalogue

MONDAY_8PM = datetime(2026, 11, 23, 20, 0)


@pytest.fixture(scope="module")
def catalogue():
    return Catalogue.load()


def test_every_model_the_profile_may_name_has_its_parts_inside_its_body():
    """GIVEN the models a profile may name THEN each exists, and its screen, reader and slot lie in the body."""
    assert set(get_args(UiSettings.model_fields["machine_model"].annotation)) == set(MACHINE_MODELS)
    for model in MACHINE_MODELS.values():
        left, bottom, width, height = model.body
        for part in (model.screen, model.reader, model.slot):
            assert left <= part[0] and part[0] + part[2] <= left + width
            assert bottom <= part[1] and part[1] + part[3] <= bottom + height


def test_an_unknown_model_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match="upright"):
        machine_model("kiosk-9000")


def test_a_staff_call_is_a_warning_that_names_the_screen_and_nobody():
    assert staff_call("complaint") == ("citizen.call_staff", "warning",
                                       "a citizen asks for help on the complaint screen")


@pytest.mark.parametrize(("opening", "zh", "en"), [
    (datetime(2026, 11, 23, 21, 30), "今天 21:30", "today at 21:30"),
    (datetime(2026, 11, 24, 9, 0), "明天（星期二）09:00", "tomorrow (Tuesday) at 09:00"),
    (datetime(2026, 11, 28, 9, 0), "11月28日（星期六）09:00", "Saturday, 28 November at 09:00"),
])
def test_the_next_opening_is_said_as_a_citizen_says_it(catalogue, opening, zh, en):
    """GIVEN Monday 20:00 WHEN the kiosk opens later today, tomorrow or on another day THEN the words say so."""
    assert opening_words(MONDAY_8PM, opening, "zh", catalogue) == zh
    assert opening_words(MONDAY_8PM, opening, "en", catalogue) == en


def test_no_opening_known_says_nothing(catalogue):
    assert opening_words(MONDAY_8PM, None, "zh", catalogue) == ""
