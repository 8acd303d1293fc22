"""Paper widths and printer profiles: what a model can do, chosen by name in config.

A profile says what the layout may rely on: native QR (GS ( k) or a QR image, which cut command, which
GB character set the printer's font covers (anything outside it prints as an image line) and whether it
answers GS r 1 after a job. A site adds its own model in a TOML file:

    [profiles.XP-58IIH]
    native_qr = false
    cut = "none"
    charset = "gbk"
    confirm_job = false

and passes it as `open_printer(..., profiles_file="config/printers.toml", profile="XP-58IIH")`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from drivers.printer.errors import PrinterConfigError

__all__ = ["Paper", "PrinterProfile", "BUILTIN_PROFILES", "paper_for_width", "load_profiles", "find_profile"]

_CUTS = ("full", "partial", "none")
# The Kanji fonts found in Chinese printers: GB2312 (old 58 mm models), GBK (most), GB18030 (2-byte part).
_CHARSETS = ("gb2312", "gbk", "gb18030")


@dataclass(frozen=True)
class Paper:
    """Printable width of a roll at 203 dpi. Font A is 12x24 dots: one column per ASCII character, two per hanzi."""

    width_mm: int
    dots: int

    @property
    def columns(self) -> int:
        return self.dots // 12


_PAPERS = {58: Paper(58, 384), 80: Paper(80, 576)}


def paper_for_width(width_mm: int) -> Paper:
    try:
        return _PAPERS[int(width_mm)]
    except (KeyError, ValueError, TypeError):
        raise PrinterConfigError(f"paper_width_mm is {width_mm!r}; supported rolls are 58 and 80 mm") from None


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    native_qr: bool = True
    cut: str = "partial"
    charset: str = "gbk"
    confirm_job: bool = True
    qr_module_dots: int = 0          # 0: chosen from the paper width
    print_width_dots: int = 0        # 0: the roll's usual width at 203 dpi (384 or 576); 512 for 180 dpi Epsons

    def __post_init__(self) -> None:
        if self.cut not in _CUTS:
            raise PrinterConfigError(f"profile {self.name}: cut is {self.cut!r}, expected one of {_CUTS}")
        if self.charset not in _CHARSETS:
            raise PrinterConfigError(f"profile {self.name}: charset is {self.charset!r}, expected one of {_CHARSETS}")
        if not 0 <= self.qr_module_dots <= 16:
            raise PrinterConfigError(f"profile {self.name}: qr_module_dots must be 0 (automatic) to 16")
        if self.print_width_dots and not 240 <= self.print_width_dots <= 640:
            raise PrinterConfigError(f"profile {self.name}: print_width_dots must be 0 (automatic) or 240..640")

    def paper(self, width_mm: int) -> Paper:
        """The printable area of a `width_mm` roll on this model."""
        paper = paper_for_width(width_mm)
        if self.print_width_dots:
            return Paper(paper.width_mm, min(paper.dots, self.print_width_dots))
        return paper


BUILTIN_PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        # A generic Chinese 80 mm kiosk printer (Xprinter/Gprinter/Rongta class): GBK font, GS ( k, partial cut.
        PrinterProfile("default"),
        # Netum 80 mm (escpos-printer-db NT-80-V-UL): QR and full cut.
        PrinterProfile("NT-80-V-UL", cut="full"),
        # Zjiang 58 mm (escpos-printer-db POS-5890): raster only, no QR, no cutter, GB2312 font, no GS r.
        PrinterProfile("POS-5890", native_qr=False, cut="none", charset="gb2312", confirm_job=False),
    )
}


def load_profiles(path: str | Path) -> dict[str, PrinterProfile]:
    """Read a site's `[profiles.NAME]` tables; unknown keys and bad values are config errors."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PrinterConfigError(f"cannot read printer profiles from {path}: {e}") from None
    allowed = {f.name for f in fields(PrinterProfile)} - {"name"}
    profiles = {}
    for name, table in data.get("profiles", {}).items():
        if not isinstance(table, dict) or set(table) - allowed:
            raise PrinterConfigError(
                f"{path}: profile {name} has unknown keys {sorted(set(table) - allowed)}; allowed: {sorted(allowed)}"
            )
        profiles[name] = PrinterProfile(name, **table)
    return profiles


def _from_escpos_database(name: str) -> PrinterProfile | None:
    """A profile from python-escpos's printer database (escpos-printer-db, 35 models), if it knows `name`.

    The database says nothing about Kanji fonts or GS r, so these get GBK and no job confirmation: a model
    that ignored GS r would otherwise fail every job as unconfirmed.
    """
    from escpos.capabilities import CAPABILITIES

    data = CAPABILITIES["profiles"].get(name)
    if data is None:
        return None
    features = data.get("features", {})
    cut = "partial" if features.get("paperPartCut") else "full" if features.get("paperFullCut") else "none"
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    return PrinterProfile(
        name,
        native_qr=bool(features.get("qrCode")),
        cut=cut,
        confirm_job=False,
        print_width_dots=pixels if isinstance(pixels, int) and 240 <= pixels <= 640 else 0,
    )


def find_profile(name: str, profiles_file: str | Path | None = None) -> PrinterProfile:
    """Built-in profiles first, then the site's file, then python-escpos's printer database."""
    profiles = dict(BUILTIN_PROFILES)
    if profiles_file is not None:
        profiles.update(load_profiles(profiles_file))
    found = profiles.get(name) or _from_escpos_database(name)
    if found is None:
        raise PrinterConfigError(
            f"printer profile {name!r} is unknown; known here: {sorted(profiles)}, "
            "or any model name of python-escpos's printer database"
        )
    return found
