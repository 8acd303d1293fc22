"""Printer profiles: built-ins for common models, and a site's own model from a TOML file."""

import pytest

from drivers.printer import PrinterConfigError, open_printer
from drivers.printer.demo import demo_ticket
from drivers.printer.profiles import find_profile, load_profiles


def test_a_site_adds_its_model_in_toml_and_the_printer_follows_it(tmp_path):
    site_file = tmp_path / "printers.toml"
    site_file.write_text('[profiles.XP-58IIH]\nnative_qr = false\ncut = "none"\ncharset = "gb2312"\n')
    printer = open_printer("sim://58mm", profile="XP-58IIH", profiles_file=str(site_file))
    try:
        job = printer.render(demo_ticket())
        assert b"\x1d(k" not in job and b"\x1dV" not in job    # image QR, no cut command
        assert printer.print_document(demo_ticket()).confirmed    # confirm_job keeps its default
    finally:
        printer.close()


@pytest.mark.parametrize(
    "toml, hint",
    [
        ('[profiles.X]\ncutter = "full"\n', "unknown keys"),
        ('[profiles.X]\ncut = "sometimes"\n', "cut is 'sometimes'"),
        ('[profiles.X]\ncharset = "big5"\n', "charset"),
        ("[profiles.X\n", "cannot read"),
    ],
)
def test_bad_site_profiles_are_config_errors(tmp_path, toml, hint):
    site_file = tmp_path / "printers.toml"
    site_file.write_text(toml)
    with pytest.raises(PrinterConfigError, match=hint):
        load_profiles(site_file)


def test_builtin_58mm_zjiang_profile_has_no_qr_and_no_cutter():
    profile = find_profile("POS-5890")
    assert (profile.native_qr, profile.cut, profile.charset) == (False, "none", "gb2312")


def test_models_from_python_escpos_database_are_usable_by_name():
    """TM-T88V is a 180 dpi printer: 512 dots on 80 mm paper, so every line is laid out for 42 columns."""
    profile = find_profile("TM-T88V")
    assert profile.native_qr and profile.cut == "partial" and not profile.confirm_job
    assert profile.paper(80).dots == 512 and profile.paper(80).columns == 42
    printer = open_printer("sim://80mm", profile="TM-T88V")
    try:
        assert printer.paper.dots == 512
        printer.print_document(demo_ticket())
        assert printer.simulator.wait_for_cuts(1, timeout=5)
    finally:
        printer.close()
