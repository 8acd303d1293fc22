"""Both themes meet the accessibility floor: text size, touch-target size and contrast."""

import pytest

from kiosk.theme import ELDER, STANDARD, contrast_ratio


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", [STANDARD, ELDER], ids=lambda theme: theme.name)
def test_every_text_colour_pair_has_contrast_of_at_least_4_5(theme):
    for pair, (foreground, background) in theme.text_pairs().items():
        assert contrast_ratio(foreground, background) >= 4.5, pair


@pytest.mark.parametrize("theme", [STANDARD, ELDER], ids=lambda theme: theme.name)
def test_control_edges_have_contrast_of_at_least_3(theme):
    """An input box's frame and a scroll bar show where they are (WCAG 1.4.11, non-text contrast)."""
    for pair, (edge, background) in theme.non_text_pairs().items():
        assert contrast_ratio(edge, background) >= 3, pair


@pytest.mark.parametrize("theme", [STANDARD, ELDER], ids=lambda theme: theme.name)
def test_no_text_below_18_dp(theme):
    assert min(theme.text_dp, theme.small_text_dp, theme.title_dp, theme.tile_title_dp) >= 18


def test_elder_mode_is_larger_everywhere():
    for field in ("text_dp", "small_text_dp", "title_dp", "tile_title_dp", "huge_dp", "target_dp", "tile_height_dp"):
        assert getattr(ELDER, field) > getattr(STANDARD, field), field
    assert ELDER.target_dp >= 60
    assert ELDER.tiles_per_row_landscape <= STANDARD.tiles_per_row_landscape
