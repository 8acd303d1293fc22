"""Payment values guard themselves: whole fen, valid order ids and payment codes, masked payers."""

from __future__ import annotations

import pytest

from domain.payment import (
    NotPaidReason, Payer, PaymentCode, PaymentMethod, PaymentOutcome, PaymentRequest, PaymentState,
    format_fen, mask_card_number,
)


@pytest.mark.parametrize("number, masked", [
    ("6222021234567890123", "622202*********0123"),
    ("6222 0212 3456 7890", "622202******7890"),
    ("622202******7890", "622202******7890"),
    ("4000123412341", "400012***2341"),
    ("12345678", "12****78"),
    ("", ""),
])
def test_a_card_number_shows_at_most_its_first_6_and_last_4(number, masked):
    assert mask_card_number(number) == masked


@pytest.mark.parametrize("code", ["104567890123456789", "154567890123456789"])
def test_payment_codes_are_18_digits_from_10_to_15(code):
    assert PaymentCode(code).digits == code
    assert code not in repr(PaymentCode(code)) and repr(PaymentCode(code)).endswith("6789)")


@pytest.mark.parametrize("code", ["164567890123456789", "0945678901234567", "13456789012345678", "1345678901234567890",
                                  "13456789012345678X", " 134567890123456789"])
def test_anything_else_is_no_payment_code_and_the_error_masks_it(code):
    with pytest.raises(ValueError) as refused:
        PaymentCode(code)
    assert code.strip() not in str(refused.value)


def test_requests_take_whole_fen_and_the_callers_order_id():
    PaymentRequest("GT20261123000042", 1, "燃气充值", PaymentMethod.WECHAT)
    for amount in (0, -1, 1.5, True, 10_000_01):
        with pytest.raises((TypeError, ValueError)):
            PaymentRequest("GT20261123000042", amount, "燃气充值", PaymentMethod.WECHAT)  # type: ignore[arg-type]
    for order_id in ("short", "GT/2026", "x" * 33):
        with pytest.raises(ValueError):
            PaymentRequest(order_id, 100, "燃气充值", PaymentMethod.WECHAT)


def test_outcomes_round_trip_through_plain_data_masked():
    outcome = PaymentOutcome("GT20261123000042", PaymentMethod.BANKCARD, PaymentState.REVOKED, 10000,
                             transaction_id="000000000001", payer=Payer.card("6222021234567890123"),
                             reason=NotPaidReason.REVERSED, auth_code="007919", details=(("voided", "yes"),))
    data = outcome.to_dict()
    assert "6222021234567890123" not in str(data) and data["payer"]["masked"] == "622202*********0123"
    assert PaymentOutcome.from_dict(data) == outcome
    assert not outcome.paid and outcome.final
    assert PaymentState.SUCCESS.paid and not PaymentState.PENDING.final
    assert format_fen(10005) == "¥100.05"


def test_a_wechat_payer_keeps_only_the_ends_of_the_openid():
    assert Payer.wechat("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").masked == "oUpF****eS6o"
