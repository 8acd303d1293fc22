"""The zinnia recogniser through its ctypes binding, with the Tegaki zh_CN model, on recorded strokes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devices.text_input.errors import InputMethodFailed, InputMethodUnavailable
from kiosk.devices.text_input.handwriting import ZinniaRecogniser
from tests.fixtures.text_input import recorded, strokes_of


@pytest.fixture(scope="module")
def recogniser():
    recogniser = ZinniaRecogniser.open()
    yield recogniser
    recogniser.close()


@pytest.mark.parametrize("character", ["十", "人", "大", "工", "上", "日", "不"])
def test_recorded_strokes_are_recognised_first(recogniser, character):
    """GIVEN a character drawn stroke by stroke on a 300×300 pad WHEN classified THEN it is the best guess."""
    guesses = recogniser.recognise(strokes_of(character), width=300, height=300)
    assert guesses[0].character == character
    assert len(guesses) == 10 and guesses[0].score >= guesses[1].score


def test_a_character_close_to_another_is_among_the_candidates_to_tap(recogniser):
    """GIVEN 口, which the model also reads as the enclosure radical 囗 WHEN classified THEN 口 is in the first
    three: the citizen taps it in the candidate row."""
    characters = [guess.character for guess in recogniser.recognise(strokes_of("口"), width=300, height=300)]
    assert "口" in characters[:3]


def test_the_pad_size_is_the_strokes_own_scale(recogniser):
    """GIVEN the same 十 drawn on a pad twice as big WHEN classified with that pad's size THEN still 十."""
    doubled = [[(x * 2, y * 2) for x, y in stroke] for stroke in strokes_of("十")]
    assert recogniser.recognise(doubled, width=600, height=600)[0].character == "十"


def test_no_strokes_no_guesses(recogniser):
    assert recogniser.recognise([], width=300, height=300) == ()
    assert recogniser.recognise([[]], width=300, height=300) == ()


def test_every_recorded_character_is_in_the_fixture():
    assert set(recorded()["characters"]) == {"十", "口", "人", "大", "工", "上", "日", "不"}


def test_missing_library_names_the_package():
    with pytest.raises(InputMethodUnavailable) as raised:
        ZinniaRecogniser.open(library="libzinnia-not-installed.so.0")
    assert raised.value.package == "libzinnia0" and raised.value.method == "handwriting"


def test_missing_model_names_the_package(tmp_path):
    with pytest.raises(InputMethodUnavailable) as raised:
        ZinniaRecogniser.open(model=tmp_path / "handwriting-zh_CN.model")
    assert raised.value.package == "tegaki-zinnia-simplified-chinese"


def test_a_damaged_model_is_a_failure_with_zinnias_reason(tmp_path):
    damaged = tmp_path / "damaged.model"
    damaged.write_bytes(b"not a zinnia model")
    with pytest.raises(InputMethodFailed, match="could not be opened"):
        ZinniaRecogniser.open(model=damaged)


def test_a_closed_recogniser_refuses():
    recogniser = ZinniaRecogniser.open()
    recogniser.close()
    with pytest.raises(InputMethodFailed):
        recogniser.recognise(strokes_of("十"), width=300, height=300)
