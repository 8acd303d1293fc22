"""The kiosk's icons: one meaning, one glyph of Google's Material Icons font (Debian's
fonts-material-design-icons-iconfont), named here by what it means on the kiosk, never by its picture.

    ICONS["ticket"]          # "\ue638", drawn with ICON_FONT by screens.widgets.common.Icon

An icon always stands beside words (a tile's name, a message): it helps a citizen find and recognise,
it never carries the meaning alone. Without the font the kiosk draws the words only (Icon hides itself).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ICONS", "ICON_FONT", "ICON_FONT_PACKAGE", "SERVICE_ICONS"]

ICON_FONT = Path("/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf")
ICON_FONT_PACKAGE = "fonts-material-design-icons-iconfont"

# meaning → (Material Icons name, code point); the name is the font's own (its codepoints file).
_GLYPHS = {
    "ticket": ("confirmation_number", 0xE638),
    "appointment": ("event_available", 0xE614),
    "one_card": ("badge", 0xEA67),
    "progress": ("fact_check", 0xF0C5),
    "guide": ("menu_book", 0xEA19),
    "review": ("thumb_up", 0xE8DC),
    "complaint": ("feedback", 0xE87F),
    "gas": ("local_fire_department", 0xEF55),
    "card": ("badge", 0xEA67),
    "bank_card": ("credit_card", 0xE870),
    "printer": ("print", 0xE8AD),
    "receipt": ("receipt_long", 0xEF6E),
    "success": ("check_circle", 0xE86C),
    "error": ("error", 0xE000),
    "warning": ("warning", 0xE002),
    "info": ("info", 0xE88E),
    "help": ("help", 0xE887),
    "replay": ("volume_up", 0xE050),
    "call_staff": ("support_agent", 0xF0E2),
    "back": ("arrow_back", 0xE5C4),
    "home": ("home", 0xE88A),
    "close": ("close", 0xE5CD),
    "scroll": ("swipe_vertical", 0xEB51),
    "more_below": ("keyboard_double_arrow_down", 0xEAD0),
    "touch": ("touch_app", 0xE913),
    "phone": ("call", 0xE0B0),
    "clock": ("schedule", 0xE8B5),
    "search": ("search", 0xE8B6),
    "scan": ("qr_code_scanner", 0xF206),
    # 一证通办 record kinds (the hall's `kind`)
    "social_security": ("health_and_safety", 0xE1D5),
    "medical_insurance": ("local_hospital", 0xE548),
    "housing_fund": ("savings", 0xE2EB),
    "driving_licence": ("directions_car", 0xE531),
}

ICONS: dict[str, str] = {meaning: chr(point) for meaning, (_name, point) in _GLYPHS.items()}
SERVICE_ICONS = ("ticket", "appointment", "one_card", "progress", "guide", "review", "complaint", "gas")
