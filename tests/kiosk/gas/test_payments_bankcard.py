"""Bank cards through the kiosk's payments: the same outcomes as WeChat, over the vendor library (in its child
process, killed when it hangs) and the simulator. The PIN is only ever "enter it on the pad"."""

from __future__ import annotations

import pytest

from domain.payment import NotPaidReason, PaymentMethod, PaymentRequest, PaymentState, PaymentStep
from drivers.bankcard import MisPosTerminal, open_terminal
from drivers.bankcard.simulator import Outcome, SimulatedTerminal
from kiosk.gas.payments import PaymentMethodUnavailable, PaymentUnresolved
from kiosk.gas.payments.bankcard import BankCardBackend

ORDER = "GT20261123000042"


class Waits:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds


class Counter:
    """The kiosk's bank card backend, and the terminal's controls for either backend."""

    def __init__(self, backend_name: str, library=None, folder=None) -> None:
        waits = Waits()
        self.folder = folder
        if backend_name == "vendor":
            terminal = open_terminal("vendor", library_path=str(library), timeout_s=0.5, transaction_timeout_s=0.5,
                                     clock=waits.clock, wait=waits.wait)
            self.simulator = None
        else:
            self.simulator = SimulatedTerminal()
            terminal = MisPosTerminal(self.simulator, clock=waits.clock, wait=waits.wait)
        self.terminal = terminal
        self.backend = BankCardBackend(terminal)
        self.events: list = []

    def next(self, outcome: str, code: str = "51") -> None:
        if self.simulator is not None:
            self.simulator.script(Outcome(outcome), response_code=code)
        elif outcome in ("hang", "hang_approved"):
            (self.folder / "hang").write_text("UMS_TransCard:sale after once" if outcome == "hang_approved"
                                              else "UMS_TransCard:sale once")
        else:
            (self.folder / "outcome").write_text(f"{outcome} {code}" if outcome == "declined" else outcome)

    def recover(self) -> None:
        if self.folder is not None:
            (self.folder / "hang").unlink(missing_ok=True)

    def pay(self, order_id: str = ORDER, amount: int = 10000):
        request = PaymentRequest(order_id, amount, "燃气充值", PaymentMethod.BANKCARD)
        return self.backend.pay(request, progress=self.events.append)


@pytest.fixture(params=["vendor", "simulator"])
def counter(request, ums_library, ums_dir):
    built = Counter(request.param, ums_library, ums_dir)
    yield built
    built.backend.close()


def test_approved_with_the_pin_on_the_pad(counter):
    outcome = counter.pay()
    assert (outcome.state, outcome.paid, outcome.amount_fen) == (PaymentState.SUCCESS, True, 10000)
    assert outcome.payer.masked == "622202*********0123" and len(outcome.transaction_id) == 12
    assert len(outcome.auth_code) == 6 and outcome.trace
    steps = [event.step for event in counter.events]
    assert steps == [PaymentStep.INSERT_CARD, PaymentStep.ENTER_PIN, PaymentStep.PROCESSING, PaymentStep.TAKE_CARD]
    assert counter.events[1].seconds_left == 60     # the pad's own prompt: the touchscreen only says where
    assert "6222021234567890123" not in str(outcome.to_dict())


@pytest.mark.parametrize("outcome, reason", [
    ("declined", NotPaidReason.DECLINED),
    ("pin_cancelled", NotPaidReason.PIN_CANCELLED),
    ("card_removed", NotPaidReason.CARD_REMOVED),
    ("no_card", NotPaidReason.NO_CARD),
])
def test_not_paid(counter, outcome, reason):
    counter.next(outcome)
    result = counter.pay()
    assert (result.state, result.reason, result.paid) == (PaymentState.CLOSED, reason, False)
    if outcome == "declined":
        assert result.response_code == "51"


def test_a_hung_library_is_killed_and_nothing_found_means_nothing_taken(counter):
    """GIVEN the terminal's transaction call hanging WHEN the kiosk pays THEN the library's process is killed, a
    fresh one asks the terminal, which holds nothing for the order: CLOSED, reason terminal_fault."""
    counter.next("hang")
    outcome = counter.pay()
    if counter.simulator is None:
        assert counter.terminal.link.restarts == 2
    assert (outcome.state, outcome.reason) == (PaymentState.CLOSED, NotPaidReason.TERMINAL_FAULT)


def test_a_sale_approved_before_the_library_hung_stands(counter):
    counter.next("hang_approved")
    outcome = counter.pay()
    assert outcome.state is PaymentState.SUCCESS and outcome.transaction_id
    counter.recover()
    assert counter.backend.query(ORDER).paid


def test_paying_an_order_again_never_charges_twice(counter):
    first = counter.pay()
    again = counter.pay()
    assert again.transaction_id == first.transaction_id and again.paid


def test_reverse_voids_and_refund_refunds_safely_again(counter):
    counter.pay()
    assert counter.backend.reverse(ORDER).state is PaymentState.REVOKED
    assert counter.backend.reverse(ORDER).state is PaymentState.REVOKED
    counter.pay("GT20261123000043")
    assert counter.backend.refund("GT20261123000043").state is PaymentState.REFUNDED
    assert counter.backend.refund("GT20261123000043").state is PaymentState.REFUNDED
    assert counter.backend.query("GT20261123000099") is None
    assert counter.backend.reverse("GT20261123000099").state is PaymentState.CLOSED


def test_a_terminal_that_cannot_be_opened_takes_nothing(ums_library, ums_dir):
    (ums_dir / "init_fail").write_text("")
    counter = Counter("vendor", ums_library, ums_dir)
    with pytest.raises(PaymentMethodUnavailable):
        counter.pay()


def test_a_terminal_that_never_answers_leaves_the_payment_unresolved(ums_library, ums_dir):
    counter = Counter("vendor", ums_library, ums_dir)
    counter.pay()
    (ums_dir / "hang").write_text("UMS_TransCard")
    with pytest.raises(PaymentUnresolved) as unresolved:
        counter.backend.reverse(ORDER)
    assert unresolved.value.cause == "terminal_hung"
    counter.recover()
    assert counter.backend.reverse(ORDER).state is PaymentState.REVOKED
