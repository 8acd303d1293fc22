"""Who may import whom is a rule the code states and the suite checks: the import-linter contracts in
setup.cfg (domain at the bottom; drivers and the reference servers on it; the kiosk core above them;
screens on top, reaching devices and servers only through the core), and a kiosk/ small enough to read."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(config_filename='setup.cfg', no_cache=True, no_logo=True))"],
                          cwd=root, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_are_declared_and_kept():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    contracts = [section for section in config.sections() if section.startswith("importlinter:contract:")]
    assert {"importlinter:contract:layers", "importlinter:contract:screens-reach-devices-through-kiosk"} \
        <= set(contracts)
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_a_driver_that_imports_the_kiosk_breaks_the_contract(tmp_path):
    """The check can fail: a copy of the tree where a driver reaches up into kiosk/ is refused."""
    for name in ("setup.cfg", "domain", "drivers", "hall_server", "gas_server", "payment_gateway", "kiosk", "screens"):
        source = ROOT / name
        (shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
         if source.is_dir() else shutil.copy(source, tmp_path / name))
    (tmp_path / "drivers" / "upward.py").write_text("from kiosk.config import Settings\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0 and "drivers.upward -> kiosk.config" in result.stdout


def test_kiosk_has_at_most_fifteen_modules_at_its_top_level():
    top = [p.name for p in (ROOT / "kiosk").iterdir()
           if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))]
    assert len(top) <= 15, sorted(top)
