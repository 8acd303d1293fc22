"""The chosen fonts have a glyph for every string the kiosk can show, checked in the fonts' cmaps."""


import pytest

from domain.demo_citizens import DEMO_CITIZENS
from kiosk.config import PROFILE_DIR, load_settings
from kiosk.fonts import FontMissing, find_fonts
from kiosk.i18n import Catalogue


@pytest.fixture(scope="module")
def fonts():
    return find_fonts()


def test_ui_font_alone_covers_every_catalogue_string(fonts):
    ui_only = type(fonts)(ui_font=fonts.ui_font)
    missing = {text: ui_only.missing_glyphs(text) for text in Catalogue.load().all_texts()}
    assert {text: chars for text, chars in missing.items() if chars} == {}


def test_ui_font_covers_every_site_name_and_notice_in_the_shipped_profiles(fonts):
    ui_only = type(fonts)(ui_font=fonts.ui_font)
    for profile in PROFILE_DIR.glob("*.toml"):
        site = load_settings(profile).site
        texts = [site.name, site.name_en] + [notice.zh for notice in site.notices] + [n.en for n in site.notices]
        for text in texts:
            assert ui_only.missing_glyphs(text) == set(), (profile.name, text)


@pytest.mark.parametrize("rare", ["䶮", "㐀", "𠈌", "𪚥"])
def test_rare_name_characters_are_drawn_by_a_fallback_font(fonts, rare):
    assert fonts.font_for(rare) not in (None, fonts.ui_font)
    assert fonts.missing_glyphs(f"王{rare}") == set()
    assert f"[font={fonts.font_for(rare)}]{rare}[/font]" in fonts.markup(f"王{rare}")


def test_every_demo_name_renders(fonts):
    for citizen in DEMO_CITIZENS:
        assert fonts.missing_glyphs(citizen.name + citizen.english_name) == set(), citizen.key


def test_markup_escapes_brackets_so_a_name_cannot_inject_markup(fonts):
    assert fonts.markup("[b]x&y[/b]") == "&bl;b&br;x&amp;y&bl;/b&br;"


def test_missing_font_names_the_package_to_install(tmp_path):
    with pytest.raises(FontMissing) as missing:
        find_fonts(ui_fonts=((tmp_path / "none.ttc", "fonts-wqy-microhei"),))
    assert missing.value.package == "fonts-wqy-microhei"
    assert "install the Debian package fonts-wqy-microhei" in str(missing.value)


def test_warming_up_reads_the_ui_fonts_character_map_ahead_of_the_first_greeting():
    fonts = find_fonts()
    ui_font = fonts._font(fonts.ui_font)
    assert "code_points" not in vars(ui_font)          # nothing read at start-up on the UI thread
    fonts.warm_up()
    assert "code_points" in vars(ui_font) and ord("张") in ui_font.code_points


def test_every_icon_is_a_glyph_of_the_icon_font_and_its_absence_only_hides_icons(tmp_path):
    """GIVEN Debian's Material Icons font THEN every icon the kiosk names is drawn by it (no boxes); GIVEN no
    icon font THEN the font set still loads, with no icon font (the screens show words only)."""
    from fontTools.ttLib import TTFont

    from kiosk.theme.icons import ICONS

    fonts = find_fonts()
    assert fonts.icon_font is not None, "install fonts-material-design-icons-iconfont (./bootstrap.sh does)"
    with TTFont(fonts.icon_font, lazy=True) as font:
        code_points = font.getBestCmap()
    assert {meaning for meaning, glyph in ICONS.items() if ord(glyph) not in code_points} == set()
    assert find_fonts(icon_fonts=((tmp_path / "none.ttf", "fonts-material-design-icons-iconfont"),)).icon_font is None
