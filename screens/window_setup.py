"""Kivy start-up settings for a kiosk: full screen, borderless, no way out, no cursor, no debug tools.

Must run before anything imports `kivy.core.window`: Kivy reads these when it creates the window.
`windowed=True` is the developer's switch (a resizable window with a cursor); a citizen never gets it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["antialiasing_samples", "configure_kivy", "register_fonts", "WINDOW_SIZES"]

# Full-size screens of the machines we target, and half-size windows for development.
WINDOW_SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
# Kivy's default: smooth edges on drawn shapes (text is a texture and is drawn the same either way).
GPU_SAMPLES = 2


def antialiasing_samples(dri: Path = Path("/dev/dri")) -> int:
    """Multisampling where a GPU draws; none where Mesa's llvmpipe draws in software (no render node): its
    multisampled surfaces are the kiosk's own memory, about 80 MiB at 1080×1920, and slow every frame."""
    return GPU_SAMPLES if any(dri.glob("renderD*")) else 0


def configure_kivy(*, windowed: bool, orientation: str, kivy_home: Path | None = None,
                   full_size: bool = False) -> None:
    """`full_size`: for screenshots, a window that holds either orientation at full size: an offscreen
    GL surface does not always grow after it is created, so it starts square and shrinks to each shape."""
    os.environ["KIVY_NO_ARGS"] = "1"           # our own argparse owns the command line
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy logs go through the masking log handlers
    if kivy_home is not None and "KIVY_HOME" not in os.environ:
        kivy_home.mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = str(kivy_home)  # no user-level config.ini can load the inspector

    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    # Citizens type on the journeys' own keypads; the only text fields are the technician's (notice text,
    # on-site settings), and a kiosk has no keyboard: they get Kivy's docked on-screen keyboard.
    Config.set("kivy", "keyboard_mode", "systemanddock")
    # "disable_multitouch": a right click must not leave red multitouch-emulation dots on the screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for module in Config.options("modules"):
        Config.remove_option("modules", module)  # no inspector, monitor, or touchring
    Config.set("graphics", "multisamples", str(antialiasing_samples()))
    width, height = WINDOW_SIZES[orientation]
    if windowed:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "show_cursor", "1")
        side = max(max(size) for size in WINDOW_SIZES.values())
        Config.set("graphics", "width", str(side if full_size else width // 2))
        Config.set("graphics", "height", str(side if full_size else height // 2))
    else:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))


def register_fonts(ui_font: Path) -> None:
    """Make the CJK font every widget's default: Kivy's own Roboto has no Chinese glyphs (boxes)."""
    from kivy.core.text import LabelBase

    LabelBase.register(name="Roboto", fn_regular=str(ui_font), fn_bold=str(ui_font))
