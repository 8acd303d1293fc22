"""Start the kiosk: parse the command line, load the site's profile, set up logging, build the app.

    python main.py                        # demo profile: simulated devices, embedded hall backend
    python main.py --config config/bank.toml
    python main.py --windowed             # a development window instead of a locked full screen
    python main.py --screenshot DIR       # render every screen offscreen to PNG files and exit
    python main.py --diagnose             # print the diagnostics, no window; exit 1 when something is wrong
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from kiosk.config import ConfigError, load_secrets, load_settings, resolve_config_path
from kiosk.fonts import FontMissing, find_fonts
from kiosk.i18n import Catalogue
from kiosk.maintenance.logs import configure_logging
from kiosk.maintenance.memory import limit_malloc_arenas, return_free_memory

log = logging.getLogger("kiosk")

EXIT_FAULT = 1
EXIT_CONFIG_ERROR = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Government service hall self-service kiosk")
    parser.add_argument("--config", help="profile file (default: $KIOSK_CONFIG, else config/demo.toml)")
    parser.add_argument("--windowed", action="store_true", help="development window: not full screen, cursor shown")
    parser.add_argument("--screenshot-only", metavar="PATTERNS", default="*",
                        help="with --screenshot: comma-separated name patterns of the states to draw "
                             "(e.g. 'home*,ticket.*'); default all")
    parser.add_argument("--screenshot", metavar="DIR", type=Path,
                        help="render every screen offscreen to PNG files in DIR, then exit")
    parser.add_argument("--diagnose", action="store_true",
                        help="print the maintenance diagnostics without opening a window; exit 1 on a fault")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    limit_malloc_arenas()   # before any thread: the kiosk's memory stays near what it uses (kiosk.maintenance.memory)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings(resolve_config_path(args.config))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.diagnose:
        return diagnose(settings)

    configure_logging(settings.data_dir / "logs", settings.logging.level, settings.logging.max_bytes,
                      settings.logging.backup_count)
    try:
        secrets = load_secrets(settings, warn=log.warning)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR
    log.info("starting with profile %s from %s", settings.profile, settings.source)

    catalogue = Catalogue.load()
    try:
        fonts, font_problem = find_fonts(), ""
    except FontMissing as missing:
        fonts, font_problem = None, catalogue.text("app.font_missing", "en", package=missing.package)

    if args.screenshot:
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")  # no window on the developer's desktop
    from screens.window_setup import configure_kivy, register_fonts

    configure_kivy(windowed=args.windowed or bool(args.screenshot), orientation=settings.ui.orientation,
                   kivy_home=settings.data_dir / "kivy", full_size=bool(args.screenshot))
    if fonts is not None:
        register_fonts(fonts.ui_font)

    from screens.kiosk_app import KioskApp

    from kiosk.hall.connection import connect_hall

    app = KioskApp(settings, catalogue, fonts, font_problem, windowed=args.windowed, secrets=secrets,
                   hall_connector=None if args.screenshot else connect_hall, start_devices=not args.screenshot)
    app.session.on_wipe(lambda: app.worker.run(return_free_memory))   # what a visit freed goes back
    if args.screenshot:
        from screens.screenshots import take_screenshots

        app._run_prepare()  # build and show without entering the event loop; frames are stepped by hand
        app.build_all_screens()
        written = take_screenshots(app, args.screenshot, only=args.screenshot_only.split(","))
        print(f"{len(written)} screenshots in {args.screenshot}")
        app.stop()
        return 0
    app.run()
    return 0


def diagnose(settings) -> int:
    """The technician's SSH view: the maintenance page's lines on stdout. Imports no Kivy."""
    from kiosk.maintenance.diagnostics import Verdict, diagnose_headless, report_text, worst

    try:
        secrets = load_secrets(settings, warn=lambda message: print(f"warning: {message}", file=sys.stderr))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG_ERROR
    lines = diagnose_headless(settings, secrets)
    print(report_text(lines))
    return EXIT_FAULT if worst(lines) is Verdict.FAULT else 0


if __name__ == "__main__":
    sys.exit(main())
