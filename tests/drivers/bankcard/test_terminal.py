"""Card payments through the terminal module: the same rules over the vendor library and the simulator."""

from __future__ import annotations

import pytest

from domain.payment import PaymentStep
from drivers.bankcard import CardStatus, TerminalHung, TerminalUnavailable, open_terminal

ORDER = "GT20261123000042"


def test_an_approved_sale_reports_the_pad_and_masks_the_card(terminal):
    """GIVEN a terminal WHEN a sale runs THEN it asks for the card, the PIN on the pad, and gives the card back;
    the card number is masked to its first 6 and last 4 digits whatever the module returned."""
    terminal, controls, _ = terminal
    events = []
    result = terminal.sale(ORDER, 10000, progress=events.append)
    assert result.status is CardStatus.APPROVED and result.approved
    assert result.card == "622202*********0123"
    assert len(result.reference) == 12 and len(result.auth_code) == 6 and result.trace
    assert result.amount_fen == 10000 and result.response_code == "00"
    steps = [event.step for event in events]
    assert steps == [PaymentStep.INSERT_CARD, PaymentStep.ENTER_PIN, PaymentStep.PROCESSING, PaymentStep.TAKE_CARD]
    assert terminal.query(ORDER).status is CardStatus.APPROVED


def test_a_declined_sale_carries_the_banks_code(terminal):
    terminal, controls, _ = terminal
    controls.outcome("declined", "51")
    result = terminal.sale(ORDER, 10000)
    assert (result.status, result.response_code) == (CardStatus.DECLINED, "51")
    assert terminal.query(ORDER).status is CardStatus.DECLINED


def test_a_cancelled_pin_takes_nothing(terminal):
    terminal, controls, _ = terminal
    controls.outcome("pin_cancelled")
    events = []
    assert terminal.sale(ORDER, 10000, progress=events.append).status is CardStatus.PIN_CANCELLED
    assert events[-1].step is PaymentStep.TAKE_CARD
    assert terminal.query(ORDER).status is CardStatus.NOT_FOUND


def test_a_card_pulled_out_during_the_pin_takes_nothing(terminal):
    terminal, controls, _ = terminal
    controls.outcome("card_removed")
    assert terminal.sale(ORDER, 10000).status is CardStatus.CARD_REMOVED
    assert terminal.query(ORDER).status is CardStatus.NOT_FOUND


def test_no_card_within_the_wait(terminal):
    """GIVEN a citizen who never inserts the card WHEN a sale waits 60 s THEN NO_CARD, with a countdown shown,
    and the slot closed; the fake clock moved, nothing slept."""
    terminal, controls, time = terminal
    controls.outcome("no_card")
    events = []
    assert terminal.sale(ORDER, 10000, progress=events.append).status is CardStatus.NO_CARD
    countdown = [event.seconds_left for event in events if event.step is PaymentStep.INSERT_CARD]
    assert countdown[0] == 60 and countdown[-1] <= 1
    assert time.waited >= 60
    assert "UMS_EjectCard" in controls.calls() or "eject" in controls.calls()


def test_void_and_refund_are_safe_to_repeat(terminal):
    terminal, controls, _ = terminal
    terminal.sale(ORDER, 10000)
    assert terminal.void(ORDER).status is CardStatus.VOIDED
    assert terminal.void(ORDER).status is CardStatus.VOIDED
    assert terminal.refund(ORDER).status is CardStatus.VOIDED      # nothing left to refund
    terminal.sale("GT20261123000043", 5000)
    assert terminal.refund("GT20261123000043").status is CardStatus.REFUNDED
    assert terminal.refund("GT20261123000043").status is CardStatus.REFUNDED
    assert terminal.void("GT20261123000099").status is CardStatus.NOT_FOUND


def test_a_second_sale_for_the_same_order_charges_nothing_more(terminal):
    terminal, controls, _ = terminal
    first = terminal.sale(ORDER, 10000)
    again = terminal.sale(ORDER, 10000)
    assert again.status is CardStatus.APPROVED and again.reference == first.reference


@pytest.mark.parametrize("after_approval", [False, True], ids=["before-the-bank", "answer-lost"])
def test_a_hung_transaction_is_killed_and_query_tells_what_happened(terminal, after_approval):
    """GIVEN a transaction call that never returns WHEN the sale runs THEN TerminalHung (vendor: the child was
    killed); WHEN the library recovers THEN the same terminal, in a fresh process opened again, finds the sale
    if the bank approved it before the hang, and nothing otherwise."""
    terminal, controls, _ = terminal
    controls.hang_transaction(after_approval=after_approval)
    with pytest.raises(TerminalHung) as hung:
        terminal.sale(ORDER, 10000)
    assert hung.value.code == "vendor_timeout"
    controls.recover()
    found = terminal.query(ORDER)
    assert found.status is (CardStatus.APPROVED if after_approval else CardStatus.NOT_FOUND)
    if controls.backend == "vendor":
        assert terminal.link.restarts == 2                   # the killed process, and a fresh one
        assert controls.calls().count("UMS_Init") == 2       # the fresh process opened the module again


def test_the_vendor_library_that_cannot_open_the_module(ums_library, ums_dir):
    (ums_dir / "init_fail").write_text("")
    with open_terminal("vendor", library_path=str(ums_library), timeout_s=5) as terminal:
        with pytest.raises(TerminalUnavailable) as failed:
            terminal.query(ORDER)
    assert failed.value.code == "terminal_unavailable"
