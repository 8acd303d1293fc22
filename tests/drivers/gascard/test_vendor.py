"""The vendor-library backend: a maker's library through ctypes in a child process, killed when it hangs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from domain.gas_card import GasPurchase, GasQuantity
from drivers.gascard import NoCard, PscLastAttempt, VendorLibraryError, VendorLibraryHung, open_reader
from drivers.gascard.emulator import demo_card

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The fake maker's library, built with the C compiler bootstrap.sh installs (pyscard needs it too)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "no C compiler: run ./bootstrap.sh"
    built = tmp_path_factory.mktemp("vendor") / "libfakegas4442.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", str(built), str(HERE / "fake_vendor.c")], check=True)
    return built


@pytest.fixture
def card_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FAKE_GASCARD_DIR", str(tmp_path))
    return tmp_path


def put_card(card_dir: Path, name: str = "volume", tries: int = 3) -> None:
    card = demo_card(name)
    (card_dir / "card").write_bytes(bytes(card.memory) + card.psc + bytes([tries]))  # type: ignore[attr-defined]


def test_read_and_write_through_the_library(library, card_dir):
    put_card(card_dir)
    with open_reader("vendor", library_path=str(library), timeout_s=10) as reader:
        assert reader.read().purchase_count == 3
        written = reader.write(GasPurchase(4, GasQuantity.volume(200)))
        assert written.purchase_count == 4 and reader.read() == written
    assert (card_dir / "card").read_bytes()[259] == 3


def test_the_last_psc_try_is_kept_with_the_library_too(library, card_dir):
    put_card(card_dir, tries=1)
    with open_reader("vendor", library_path=str(library), timeout_s=10) as reader:
        with pytest.raises(PscLastAttempt):
            reader.write(GasPurchase(4, GasQuantity.volume(200)))


def test_an_empty_reader(library, card_dir):
    with open_reader("vendor", library_path=str(library), timeout_s=10) as reader:
        with pytest.raises(NoCard):
            reader.read()


def test_a_hung_library_is_killed_and_the_next_call_starts_it_again(library, card_dir):
    """GIVEN a library whose read never returns WHEN the card is read THEN VendorLibraryHung after the timeout;
    WHEN the library recovers THEN the same reader reads through a fresh child process."""
    put_card(card_dir)
    (card_dir / "hang").write_text("srd_4442")
    with open_reader("vendor", library_path=str(library), timeout_s=1.0) as reader:
        with pytest.raises(VendorLibraryHung) as hung:
            reader.read()
        assert hung.value.code == "vendor_timeout"
        (card_dir / "hang").unlink()
        assert reader.read().purchase_count == 3


def test_a_library_that_cannot_be_loaded(card_dir, tmp_path):
    with open_reader("vendor", library_path=str(tmp_path / "missing.so"), timeout_s=10) as reader:
        with pytest.raises(VendorLibraryError) as failed:
            reader.read()
    assert "cannot load the vendor library" in str(failed.value)
