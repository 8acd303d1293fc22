"""Documents as data: bad input is refused with a clear error before it can reach a printer."""

from datetime import datetime

import pytest

from domain.printouts import InvalidPrintout, PaymentReceipt, QueueTicket, ReceiptLine, SiteLines, format_fen

from drivers.printer.demo import demo_receipt, demo_ticket


def _ticket(**changes) -> QueueTicket:
    fields = dict(hall_name="演示大厅", queue_name="综合窗口", number="A001", people_ahead=0,
                  estimated_wait_minutes=None, issued_at=datetime(2026, 11, 23, 9, 0))
    fields.update(changes)
    return QueueTicket(**fields)


def test_control_characters_are_refused_because_they_would_be_printer_commands():
    with pytest.raises(InvalidPrintout, match=r"U\+001B"):
        _ticket(hall_name="演示\x1b@大厅")
    with pytest.raises(InvalidPrintout, match="header"):
        SiteLines(header=("欢迎\x1dV\x00",))


def test_review_url_must_be_short_printable_ascii():
    with pytest.raises(InvalidPrintout, match="ASCII"):
        _ticket(review_url="http://127.0.0.1:8700/r/评价")
    with pytest.raises(InvalidPrintout, match="shorter"):
        _ticket(review_url="http://127.0.0.1:8700/r/" + "x" * 80)
    assert _ticket(review_url="http://127.0.0.1:8700/r/abc").review_url.endswith("/abc")


def test_negative_counts_and_amounts_are_refused():
    with pytest.raises(InvalidPrintout, match="people_ahead"):
        _ticket(people_ahead=-1)
    with pytest.raises(InvalidPrintout, match="sum"):
        PaymentReceipt(**{**demo_receipt().__dict__, "lines": (ReceiptLine("燃气费", 500),), "total_fen": 600})


def test_names_and_numbers_stay_out_of_repr_so_they_cannot_reach_a_log():
    ticket = demo_ticket(holder_name="测试张三")
    receipt = demo_receipt()
    assert "测试张三" not in repr(ticket)
    assert receipt.account_number not in repr(receipt)


def test_money_is_printed_with_the_full_width_yuan_sign():
    assert format_fen(10000) == "￥100.00"
    assert format_fen(5) == "￥0.05"
    assert format_fen(-1250) == "-￥12.50"
