"""Visual theme values that every screen reads: text sizes, touch-target sizes, colours.

Two themes: standard and elder mode (长辈版: larger text and targets, higher contrast). Sizes are in dp
(density-independent pixels). The accessibility floor is checked by `contrast_ratio` (WCAG 2.x) in the tests:
text at least 18 dp, elder-mode targets at least 60x60 dp, every text/background pair at least 4.5:1, and
what shows where a control is without being text (an input box's frame, a button's fill or frame, a scroll
bar) at least 3:1 against the background and the surface (WCAG 1.4.11, non-text contrast), and every line at
least 1.3 times its text's height (MIIT's 《移动互联网应用（APP）适老化通用设计规范》 asks for 1.3 or more).

Services come in colour-coded categories, as on the 政务一体机 citizens know (each colour also carries its
words and an icon, never the meaning alone):

| Category | Services | Standard | Elder |
|---|---|---|---|
| queue | 取号, 预约签到 | blue | dark blue |
| records | 一证通办, 办件查询 | teal | dark teal |
| information | 办事指南 | green | dark green |
| feedback | 好差评, 投诉建议 | purple | dark purple |
| payment | 燃气缴费 | amber brown | dark brown |
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Theme", "STANDARD", "ELDER", "theme_for", "contrast_ratio", "hex_to_rgba", "LINE_HEIGHT",
           "SERVICE_CATEGORIES"]

Colour = str  # "#RRGGBB"
LINE_HEIGHT = 1.3   # every label's, as a multiple of its text's height
SERVICE_CATEGORIES = {
    "ticket": "queue", "appointment": "queue",
    "one_card": "records", "progress": "records",
    "guide": "information",
    "review": "feedback", "complaint": "feedback",
    "gas": "payment",
}


@dataclass(frozen=True)
class Theme:
    name: str
    text_dp: int            # body text
    small_text_dp: int      # secondary lines (never below 18 dp)
    title_dp: int
    tile_title_dp: int
    huge_dp: int            # queue numbers, the countdown
    target_dp: int          # minimum edge of anything touchable
    tile_height_dp: int     # a choice tile (a queue, a complaint kind); the home tiles share the whole screen
    tiles_per_row_portrait: int
    tiles_per_row_landscape: int
    spacing_dp: int
    background: Colour
    surface: Colour
    text: Colour
    muted_text: Colour
    primary: Colour
    on_primary: Colour
    secondary: Colour
    on_secondary: Colour
    bar: Colour
    on_bar: Colour
    edge: Colour            # an input box's frame and a scroll bar: where a control is, not text
    warning: Colour = "#FFD34D"     # the offline banner: something is limited, here is what still works
    on_warning: Colour = "#1B1F24"
    alert: Colour = "#A4001C"       # something is broken that a technician must fix; a destructive action
    on_alert: Colour = "#FFFFFF"
    success: Colour = "#1B6B2F"     # the icon beside 成功 messages (text stays in `text`)
    # A colour per service category (SERVICE_CATEGORIES), each with on_primary text on it.
    categories: tuple[tuple[str, Colour], ...] = ()

    def category_colour(self, service: str) -> Colour:
        """The fill of a service's tile: its category's colour, the primary colour for an uncategorised one."""
        return dict(self.categories).get(SERVICE_CATEGORIES.get(service, ""), self.primary)

    def text_pairs(self) -> dict[str, tuple[Colour, Colour]]:
        """Every (text, background) combination the screens use, for the contrast check."""
        return {
            "text on background": (self.text, self.background),
            "muted text on background": (self.muted_text, self.background),
            "text on surface": (self.text, self.surface),
            "muted text on surface": (self.muted_text, self.surface),
            "on primary": (self.on_primary, self.primary),
            "on secondary": (self.on_secondary, self.secondary),
            "on bar": (self.on_bar, self.bar),
            "on warning": (self.on_warning, self.warning),
            "on alert": (self.on_alert, self.alert),
            "alert on surface": (self.alert, self.surface),
            "success on background": (self.success, self.background),
            **{f"on {name} tile": (self.on_primary, colour) for name, colour in self.categories},
        }

    def non_text_pairs(self) -> dict[str, tuple[Colour, Colour]]:
        """Every (control edge, background) combination the screens use, for the 3:1 check."""
        return {
            "edge on background": (self.edge, self.background),
            "edge on surface": (self.edge, self.surface),
            "secondary button's frame on background": (self.on_secondary, self.background),
            "secondary button on the bar": (self.secondary, self.bar),
            **{f"{name} tile on background": (colour, self.background) for name, colour in self.categories},
        }


STANDARD = Theme(
    name="standard", text_dp=30, small_text_dp=24, title_dp=44, tile_title_dp=48, huge_dp=140,
    target_dp=88, tile_height_dp=240, tiles_per_row_portrait=2, tiles_per_row_landscape=4, spacing_dp=18,
    background="#F2F5F9", surface="#FFFFFF", text="#1B1F24", muted_text="#4A5260",
    primary="#0B57A4", on_primary="#FFFFFF", secondary="#E6EEF7", on_secondary="#0B3D73",
    bar="#0B3D73", on_bar="#FFFFFF", edge="#4A5260",
    categories=(("queue", "#0B57A4"), ("records", "#00695C"), ("information", "#2E6B30"),
                ("feedback", "#6A1B9A"), ("payment", "#A84300")),
)

ELDER = Theme(
    name="elder", text_dp=40, small_text_dp=32, title_dp=56, tile_title_dp=62, huge_dp=170,
    target_dp=112, tile_height_dp=300, tiles_per_row_portrait=2, tiles_per_row_landscape=4, spacing_dp=24,
    background="#FFFFFF", surface="#FFFFFF", text="#000000", muted_text="#2B2B2B",
    primary="#003A80", on_primary="#FFFFFF", secondary="#FFF4CC", on_secondary="#000000",
    bar="#002B5E", on_bar="#FFFFFF", edge="#2B2B2B", warning="#FFD000", on_warning="#000000", success="#0F5223",
    categories=(("queue", "#003A80"), ("records", "#004D40"), ("information", "#1B5E20"),
                ("feedback", "#4A148C"), ("payment", "#7A2E00")),
)


def theme_for(elder_mode: bool) -> Theme:
    return ELDER if elder_mode else STANDARD


def hex_to_rgba(colour: Colour, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255, alpha)


def _relative_luminance(colour: Colour) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue, _ = hex_to_rgba(colour)
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(foreground: Colour, background: Colour) -> float:
    """WCAG 2.x contrast ratio, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
