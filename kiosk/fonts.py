"""Fonts that really render Chinese: the UI font, fallbacks for rare characters, and coverage checks.

Kivy draws a label with exactly one font and has no fallback, so a character the font lacks becomes a
box. The UI font (WenQuanYi Micro Hei) covers the catalogue and common names; names on ID cards may hold
CJK Extension A/B characters it lacks, which Hanazono Mincho A/B cover. `FontSet.markup` wraps such
characters in Kivy markup that switches font for just those characters. Coverage is read from each
font's cmap with fontTools: it is checked, not trusted to the eye. The icon font (kiosk.theme.icons) is optional:
without it `icon_font` is None and the screens show words without icons.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from fontTools.ttLib import TTFont

from kiosk.theme.icons import ICON_FONT, ICON_FONT_PACKAGE

__all__ = ["FontMissing", "FontSet", "find_fonts", "UI_FONTS", "RARE_CHARACTER_FONTS", "ICON_FONTS"]

# (file, Debian package that provides it), in order of preference.
UI_FONTS = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), "fonts-wqy-microhei"),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), "fonts-wqy-zenhei"),
)
RARE_CHARACTER_FONTS = (
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"), "fonts-hanazono"),
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"), "fonts-hanazono"),
)
ICON_FONTS = ((ICON_FONT, ICON_FONT_PACKAGE),)


class FontMissing(Exception):
    """No usable CJK font: the message names the Debian package to install."""

    def __init__(self, package: str, path: Path) -> None:
        super().__init__(f"CJK font {path} not found: install the Debian package {package} (./bootstrap.sh does)")
        self.package = package


@dataclass(frozen=True, eq=False)
class _Font:
    path: Path

    @cached_property
    def code_points(self) -> frozenset[int]:
        with TTFont(self.path, fontNumber=0, lazy=True) as font:
            return frozenset(font.getBestCmap())


def _needs_no_glyph(character: str) -> bool:
    return character.isspace() or unicodedata.category(character).startswith("C")


@dataclass(frozen=True)
class FontSet:
    ui_font: Path
    fallbacks: tuple[Path, ...] = ()
    icon_font: Path | None = None
    _fonts: dict = field(default_factory=dict, repr=False, compare=False)

    def _font(self, path: Path) -> _Font:
        return self._fonts.setdefault(path, _Font(path))

    def font_for(self, character: str) -> Path | None:
        """The first font (UI font first) that has a glyph for the character."""
        for path in (self.ui_font, *self.fallbacks):
            if ord(character) in self._font(path).code_points:
                return path
        return None

    def missing_glyphs(self, text: str) -> set[str]:
        """Characters that no font of the set can draw."""
        return {ch for ch in set(text) if not _needs_no_glyph(ch) and self.font_for(ch) is None}

    def warm_up(self) -> None:
        """Read the UI font's character map now (a worker at start-up calls this): the first greeting would
        otherwise pay for it, about a tenth of a second, between the card and the name on screen."""
        self._font(self.ui_font).code_points

    def markup(self, text: str) -> str:
        """Kivy markup for `text` (escaped) in which characters the UI font lacks use a fallback font."""
        ui_points = self._font(self.ui_font).code_points
        pieces: list[str] = []
        for character in text:
            escaped = character.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
            if _needs_no_glyph(character) or ord(character) in ui_points:
                pieces.append(escaped)
                continue
            fallback = self.font_for(character)
            pieces.append(f"[font={fallback}]{escaped}[/font]" if fallback else escaped)
        return "".join(pieces)


def find_fonts(ui_fonts=UI_FONTS, rare_fonts=RARE_CHARACTER_FONTS, icon_fonts=ICON_FONTS) -> FontSet:
    """The installed font set; FontMissing if no UI font is there (rare-character and icon fonts are optional)."""
    for path, _package in ui_fonts:
        if path.is_file():
            fallbacks = tuple(p for p, _ in rare_fonts if p.is_file())
            icon_font = next((p for p, _ in icon_fonts if p.is_file()), None)
            return FontSet(ui_font=path, fallbacks=fallbacks, icon_font=icon_font)
    path, package = ui_fonts[0]
    raise FontMissing(package, path)
