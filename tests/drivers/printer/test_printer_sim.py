"""Jobs against the simulator over a real pty and loopback TCP: each printer state refuses or warns."""

import pytest

from drivers.printer import (
    PrinterCoverOpen,
    PrinterCutterError,
    PrinterJobUnconfirmed,
    PrinterOffline,
    PrinterPaperOut,
    PrinterState,
    open_printer,
)
from drivers.printer.blocks import TextLine
from drivers.printer.demo import DEMO_REVIEW_URL, demo_ticket
from drivers.printer.escpos_reader import blocks_from_bytes, printed_text

STATUS_QUERY = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_a_ticket_reaches_the_printer_as_the_rendered_bytes_and_is_confirmed(any_sim_printer, decode_qr):
    """GIVEN a ready printer WHEN a ticket is printed THEN the printer received status query, job, GS r 1,
    the job decodes back to the ticket's Chinese text, and its drawing carries a scannable review URL."""
    ticket = demo_ticket()
    result = any_sim_printer.print_document(ticket)
    job = any_sim_printer.render(ticket)
    received = any_sim_printer.simulator.received()
    assert received == STATUS_QUERY + job + b"\x1dr\x01"
    assert result.confirmed and result.bytes_sent == len(job) + 3
    assert result.maintenance_alert is None
    lines = printed_text(received).splitlines()
    assert "演示市政务服务中心" in lines and "A023" in lines and "扫码评价本次服务" in lines
    assert decode_qr(any_sim_printer.simulator.preview()) == [DEMO_REVIEW_URL]


def test_paper_near_end_prints_and_raises_a_maintenance_alert(sim_printer):
    sim_printer.simulator.set_state(PrinterState.PAPER_NEAR_END)
    result = sim_printer.print_document(demo_ticket())
    assert result.paper_near_end and result.confirmed
    assert "纸卷" in result.maintenance_alert
    assert sim_printer.simulator.wait_for_cuts(1, timeout=5)


@pytest.mark.parametrize(
    "state, error",
    [
        (PrinterState.PAPER_OUT, PrinterPaperOut),
        (PrinterState.COVER_OPEN, PrinterCoverOpen),
        (PrinterState.OFFLINE, PrinterOffline),
        (PrinterState.CUTTER_ERROR, PrinterCutterError),
    ],
)
def test_a_printer_that_cannot_print_refuses_the_job_and_nothing_is_sent(any_sim_printer, state, error):
    """GIVEN paper out / cover open / offline / cutter error WHEN printing THEN a typed error, and the
    printer received only the status query (the ticket can be reprinted later)."""
    any_sim_printer.simulator.set_state(state)
    with pytest.raises(error) as refused:
        any_sim_printer.print_document(demo_ticket())
    assert refused.value.status.state is state
    assert refused.value.code == state.value  # the kiosk words it; the driver only names it
    assert any_sim_printer.simulator.received() == STATUS_QUERY
    any_sim_printer.simulator.set_state(PrinterState.READY)
    assert any_sim_printer.print_document(demo_ticket()).confirmed     # the reprint works


@pytest.mark.timeout(10)
def test_a_printer_that_never_answers_fails_fast_with_a_typed_error(any_sim_printer):
    any_sim_printer.status_timeout = 0.3
    any_sim_printer.simulator.set_silent(True)
    with pytest.raises(PrinterOffline, match="did not answer the status query"):
        any_sim_printer.print_document(demo_ticket())
    assert any_sim_printer.status().state is PrinterState.OFFLINE


@pytest.mark.timeout(10)
def test_a_slow_printer_whose_answer_misses_the_deadline_is_offline_and_its_late_answer_is_discarded(sim_printer):
    sim = sim_printer.simulator
    sim_printer.status_timeout, normal_timeout = 0.3, sim_printer.status_timeout
    sim.set_answer_delay(1.5)
    assert sim_printer.status().state is PrinterState.OFFLINE
    sim_printer.status_timeout = normal_timeout
    sim.set_answer_delay(0)
    sim.set_state(PrinterState.PAPER_NEAR_END)
    assert sim.wait_for_late_answers(timeout=5)   # the stale READY answers are now in the port's buffer
    assert sim_printer.status().state is PrinterState.PAPER_NEAR_END


def test_a_job_the_printer_never_confirms_is_reported_for_reprint(sim_printer):
    sim_printer.simulator.set_answers_paper_sensor(False)
    sim_printer.confirm_timeout = 0.2
    with pytest.raises(PrinterJobUnconfirmed, match="reprint"):
        sim_printer.print_document(demo_ticket())
    assert sim_printer.simulator.wait_for_cuts(1, timeout=5)   # the bytes did go out


def test_paper_running_out_during_a_job_is_reported_as_paper_out_for_reprint(sim_printer):
    """GIVEN a roll that ends half-way through the ticket WHEN printing THEN the job was sent, GS r 1 is not
    answered (a stopped printer does not process it) and the error says paper out, job incomplete."""
    sim_printer.confirm_timeout = 0.3
    sim_printer.simulator.run_out_of_paper_after(len(STATUS_QUERY) + 100)
    with pytest.raises(PrinterPaperOut, match="incomplete") as stopped:
        sim_printer.print_document(demo_ticket())
    assert stopped.value.status.state is PrinterState.PAPER_OUT


def test_a_profile_without_confirmation_does_not_send_gs_r():
    printer = open_printer("sim://58mm", profile="POS-5890")
    try:
        result = printer.print_document(demo_ticket())
        assert not result.confirmed
        job = printer.render(demo_ticket())
        assert printer.simulator.wait_for_bytes(len(STATUS_QUERY) + len(job), timeout=5)
        assert printer.simulator.received() == STATUS_QUERY + job
        assert b"\x1d(k" not in job   # no native QR on this model: the QR is an image
    finally:
        printer.close()


def test_simulator_saves_what_it_received_as_bin_and_png(sim_printer, tmp_path, decode_qr):
    from PIL import Image

    sim_printer.print_document(demo_ticket())
    binary, png = sim_printer.simulator.save(tmp_path / "ticket")
    assert binary.read_bytes() == sim_printer.simulator.received()
    assert decode_qr(Image.open(png)) == [DEMO_REVIEW_URL]


def test_status_polls_between_jobs_do_not_leak_into_the_printed_page(sim_printer):
    sim_printer.status()
    sim_printer.print_document(demo_ticket())
    sim_printer.status()
    texts = [b.text for b in blocks_from_bytes(sim_printer.simulator.received()) if isinstance(b, TextLine)]
    assert texts == [b.text for b in blocks_from_bytes(sim_printer.render(demo_ticket())) if isinstance(b, TextLine)]
