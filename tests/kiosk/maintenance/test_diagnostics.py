"""Each diagnostics line against real simulated devices, a live hall, a real outbox file."""

from __future__ import annotations

import socket
from collections import namedtuple
from pathlib import Path

import pytest

from drivers.idcard import open_reader
from drivers.idcard.simulator import Fault
from drivers.printer import PrinterState, open_printer
from kiosk.config import PROFILE_DIR, load_settings
from kiosk.devices.text_input.handwriting import ZinniaRecogniser
from kiosk.devices.text_input.pinyin import Rime
from kiosk.devices.text_input.service import probe_methods
from kiosk.maintenance.diagnostics import (DISK_FAULT_BYTES, Verdict, collect, disk_line, hall_line, network_line, outbox_lines,
                               printer_line, probe_reader, reader_line, report_text, text_input_line, worst)
from kiosk.outbox.store import Outbox, derive_key

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})


@pytest.fixture
def printer():
    device = open_printer("sim://80mm", paper_width_mm=80)
    yield device
    device.close()


@pytest.fixture
def reader():
    device = open_reader("sim://none")
    yield device
    device.shutdown()


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(tmp_path / "outbox.sqlite3", derive_key("diagnostics-test-key-0123456789"))
    yield box
    box.close()


@pytest.mark.parametrize("state, verdict, words", [
    (PrinterState.READY, Verdict.OK, "printer ready"),
    (PrinterState.PAPER_NEAR_END, Verdict.WARNING, "replace the roll soon"),
    (PrinterState.PAPER_OUT, Verdict.FAULT, "load a new roll"),
    (PrinterState.COVER_OPEN, Verdict.FAULT, "close it firmly"),
])
def test_the_printer_line_follows_the_printers_own_status(settings, printer, state, verdict, words) -> None:
    printer.simulator.set_state(state)
    line = printer_line(settings, printer)
    assert (line.state, line.verdict) == (state.value, verdict)
    assert words in line.detail + line.action


def test_a_silent_printer_is_offline_never_ready(settings, printer) -> None:
    printer.simulator.set_silent(True)
    line = printer_line(settings, printer)
    assert (line.state, line.verdict) == ("offline", Verdict.FAULT)


def test_a_profile_without_printer_or_reader_says_so_without_blaming_them(settings) -> None:
    devices = settings.devices.model_copy(update={
        "printer": settings.devices.printer.model_copy(update={"enabled": False}),
        "idcard": settings.devices.idcard.model_copy(update={"enabled": False})})
    bare = settings.model_copy(update={"devices": devices})
    assert printer_line(bare, None).verdict is Verdict.INFO
    assert reader_line(bare, None).verdict is Verdict.INFO


def test_a_working_reader_answers_with_its_sam_module(settings, reader) -> None:
    state, detail = probe_reader(reader)
    assert state == "connected" and detail.startswith("SAM module ")
    assert reader_line(settings, state, detail).verdict is Verdict.OK


def test_an_unplugged_reader_is_a_fault_that_names_the_cable(settings, reader) -> None:
    reader.simulator.unplug()
    state, detail = probe_reader(reader)
    line = reader_line(settings, state, detail)
    assert (line.state, line.verdict) == ("no_reader", Verdict.FAULT)
    assert "cable" in line.action


def test_a_failing_sam_module_is_a_fault_with_what_to_do(settings, reader) -> None:
    reader.simulator.inject(Fault.SAM_SELF_TEST)
    state, detail = probe_reader(reader)
    line = reader_line(settings, state, detail)
    assert (line.state, line.verdict) == ("sam_fault", Verdict.FAULT)
    assert "power-cycle the reader" in line.action


def test_the_running_kiosks_reader_state_comes_from_the_poller(settings) -> None:
    assert reader_line(settings, None).verdict is Verdict.WARNING
    assert reader_line(settings, "no_reader", "port gone").detail == "port gone"


def test_a_reachable_hall_reports_its_round_trip(settings, shared_hall_client) -> None:
    line = hall_line(settings, shared_hall_client)
    assert (line.state, line.verdict) == ("reachable", Verdict.OK)
    assert line.detail.endswith(" ms")


def test_a_slow_hall_is_a_warning(settings, shared_hall_client) -> None:
    ticks = iter([0.0, 3.5])
    line = hall_line(settings, shared_hall_client, timer=lambda: next(ticks))
    assert (line.state, line.verdict) == ("slow", Verdict.WARNING) and "3500 ms" in line.detail


def test_a_hall_that_is_down_is_a_fault(settings) -> None:
    from kiosk.hall.client import HallClient

    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        client = HallClient(f"http://127.0.0.1:{refusing.getsockname()[1]}", "kiosk-test-01", "secret-0123456789abcdef",
                            connect_timeout=1, read_timeout=1, retries=0)
        line = hall_line(settings, client)
        client.close()
    assert (line.state, line.verdict) == ("unreachable", Verdict.FAULT)
    assert "cannot connect to the hall" in line.detail


def test_the_network_line_resolves_and_routes_to_a_remote_hall(settings) -> None:
    remote = settings.model_copy(update={"hall": settings.hall.model_copy(
        update={"mode": "remote", "base_url": "http://localhost:8700"})})
    line = network_line(remote)
    assert (line.state, line.verdict) == ("up", Verdict.OK)
    unknown = settings.model_copy(update={"hall": settings.hall.model_copy(
        update={"mode": "remote", "base_url": "http://no-such-host.invalid"})})
    assert network_line(unknown).state == "no_dns"


@pytest.mark.parametrize("free, state, verdict", [(50 * 2**30, "ok", Verdict.OK), (500 * 2**20, "low", Verdict.WARNING),
                                                  (DISK_FAULT_BYTES - 1, "full", Verdict.FAULT)])
def test_the_disk_line_warns_before_it_is_full(tmp_path: Path, free: int, state: str, verdict: Verdict) -> None:
    line = disk_line(tmp_path, usage=lambda _path: Usage(0, 0, free))
    assert (line.state, line.verdict) == (state, verdict)


def test_the_outbox_lines_count_waiting_and_dead_items(outbox) -> None:
    assert [line.verdict for line in outbox_lines(outbox)] == [Verdict.OK, Verdict.OK]
    item = outbox.enqueue_complaint({"kind": "suggestion", "content": "更多座位"})
    outbox.enqueue_event("printer.paper_out", "error")
    outbox.park_dead(item, "HTTP 422 invalid_request")
    depth, dead = outbox_lines(outbox)
    assert depth.detail.startswith("1 waiting")
    assert (dead.verdict, dead.detail) == (Verdict.WARNING, "1 item(s) the hall refused")


def test_every_line_together_and_the_worst_verdict(settings, printer, outbox, shared_hall_client) -> None:
    printer.simulator.set_state(PrinterState.PAPER_OUT)
    lines = collect(settings, printer=printer, reader_state="connected", client=shared_hall_client,
                    outbox=outbox, uptime_s=3720)
    assert [line.component for line in lines] == ["reader", "printer", "network", "hall", "disk", "outbox", "dead",
                                                  "text_input", "software", "uptime", "profile"]
    assert worst(lines) is Verdict.FAULT
    text = report_text(lines)
    assert "[FAULT  ] printer    paper_out" in text and "1 h 2 min" in text
    assert "[OK     ] text_input both             handwriting (zinnia) and pinyin (librime) work" in text
    assert text.endswith("verdict: something is wrong: see the FAULT lines")


def test_the_input_line_says_which_ways_of_writing_chinese_work() -> None:
    """GIVEN this machine's libraries, or one or both made unloadable WHEN probed THEN the line names what works,
    and what is missing with the Debian packages to install: a warning, since chips and letters remain."""
    assert (text_input_line().state, text_input_line().verdict) == ("both", Verdict.OK)

    def without(handwriting: bool, pinyin: bool):
        def gone_zinnia():
            return ZinniaRecogniser.open(library="libzinnia-gone.so.0")

        def gone_rime():
            return Rime.load(library="librime-gone.so.1")

        return lambda: probe_methods(open_recogniser=ZinniaRecogniser.open if handwriting else gone_zinnia,
                                     load_rime=Rime.load if pinyin else gone_rime)

    line = text_input_line(without(handwriting=False, pinyin=True))
    assert (line.state, line.verdict) == ("pinyin_only", Verdict.WARNING)
    assert "libzinnia0" in line.detail and line.action == "install libzinnia0 tegaki-zinnia-simplified-chinese"
    line = text_input_line(without(handwriting=False, pinyin=False))
    assert (line.state, line.verdict) == ("none", Verdict.WARNING)
    assert "librime1" in line.detail and "rime-data-luna-pinyin" in line.action and "libzinnia0" in line.action
