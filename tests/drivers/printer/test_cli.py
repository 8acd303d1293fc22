"""`python -m drivers.printer`: what a technician runs, as a real process against the simulator."""

import subprocess
import sys
from pathlib import Path

from PIL import Image

from drivers.printer.demo import DEMO_REVIEW_URL
from drivers.printer.escpos_reader import printed_text

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drivers.printer", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_status_of_the_simulated_printer_is_ready():
    done = _run("status", "--printer", "sim://80mm")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ready: printer ready"


def test_demo_ticket_prints_and_the_simulator_output_decodes(tmp_path, decode_qr):
    done = _run("ticket", "--demo", "--printer", "sim://58mm", "--save", str(tmp_path / "ticket"))
    assert done.returncode == 0, done.stderr
    assert "confirmed" in done.stdout
    assert "A023" in printed_text((tmp_path / "ticket.bin").read_bytes()).splitlines()
    assert decode_qr(Image.open(tmp_path / "ticket.png")) == [DEMO_REVIEW_URL]


def test_test_page_prints(tmp_path):
    done = _run("test-page", "--printer", "sim://80mm?transport=tcp", "--save", str(tmp_path / "page"))
    assert done.returncode == 0, done.stderr
    assert "打印机测试页" in printed_text((tmp_path / "page.bin").read_bytes())


def test_preview_writes_a_png_without_a_printer(tmp_path, decode_qr):
    out = tmp_path / "preview.png"
    done = _run("preview", "--demo", str(out), "--paper", "58")
    assert done.returncode == 0, done.stderr
    assert Image.open(out).width == 384 + 2 * 24
    assert decode_qr(Image.open(out)) == [DEMO_REVIEW_URL]


def test_bad_printer_url_exits_2_with_the_reason():
    done = _run("status", "--printer", "lpt://1")
    assert done.returncode == 2
    assert "scheme must be" in done.stderr


def test_unreachable_printer_exits_3():
    done = _run("status", "--printer", "serial:///dev/ttyNOSUCHPORT")
    assert done.returncode == 3
    assert "offline" in done.stdout
