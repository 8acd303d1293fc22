"""`python -m drivers.printer`: what a technician runs, as a real process against the simulator."""

import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
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


def test_a_preview_that_cannot_be_written_exits_2_with_the_reason(tmp_path):
    """GIVEN an output path in a folder that does not exist WHEN previewing THEN exit status 2 (bad
    settings or arguments, per the help) and the path named, not a traceback."""
    done = _run("preview", "--demo", str(tmp_path / "no-such-folder" / "ticket.png"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr and "no-such-folder" in done.stderr and "Traceback" not in done.stderr


def test_save_with_a_printer_that_is_not_simulated_exits_2():
    """GIVEN --save, which records what a simulated printer received, WHEN the printer is a real port
    THEN it is a bad argument (status 2) before anything is sent, not silently ignored."""
    done = _run("status", "--printer", "serial:///dev/ttyNOSUCHPORT", "--save", "out/ticket")
    assert done.returncode == 2
    assert "--save" in done.stderr and "sim://" in done.stderr


def test_save_where_its_files_cannot_be_written_exits_2_before_printing(tmp_path):
    """GIVEN --save under a path whose "folder" is a file WHEN printing on the simulator THEN status 2
    with the reason, and no ticket printed only to end in a traceback."""
    (tmp_path / "a-file").write_text("")
    done = _run("ticket", "--demo", "--printer", "sim://80mm", "--save", str(tmp_path / "a-file" / "ticket"))
    assert done.returncode == 2
    assert "cannot create the folder" in done.stderr and "printed" not in done.stdout


class _NotAPrinter(socketserver.BaseRequestHandler):
    """A TCP service that is no printer: it takes the status queries and answers `server.answer`."""

    def handle(self) -> None:
        self.request.recv(64)
        self.request.sendall(self.server.answer)
        self.request.recv(64)   # holds the connection until the client goes


@pytest.fixture(params=[b"HTTP/1.1 400 Bad Request\r\n\r\n", b""], ids=["answers-http", "answers-nothing"])
def not_a_printer(request):
    """A real listener on loopback, e.g. a web server at the address configured for the printer."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _NotAPrinter)
    server.daemon_threads = True
    server.answer = request.param
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    server.server_close()
    thread.join()


def test_status_of_a_tcp_device_that_is_no_printer_advises_what_applies_to_tcp(not_a_printer):
    """GIVEN tcp://HOST:PORT pointing at a service that is not a printer WHEN the technician asks for
    the status THEN the printer is offline (status 3) and the advice is about the host, the port and
    the raw ESC/POS port 9100, never the serial baud rate or cable."""
    host, port = not_a_printer
    done = _run("status", "--printer", f"tcp://{host}:{port}")
    assert done.returncode == 3
    assert done.stdout.startswith("offline: ")
    assert f"{host}:{port}" in done.stdout and "raw ESC/POS port" in done.stdout and "9100" in done.stdout
    assert "baud" not in done.stdout and "cable" not in done.stdout
