"""Masking keeps enough to recognise a value and never enough to reuse it."""

from domain.citizen_id import check_digit, is_valid_id_number
from domain.privacy import (
    SensitiveValues,
    mask_address,
    mask_id_number,
    mask_name,
    mask_pass_number,
    mask_phone,
    redact,
)

ID_NUMBER = "61011319850312004" + check_digit("61011319850312004")


def test_id_number_keeps_region_and_last_four():
    assert mask_id_number(ID_NUMBER) == "6101**********" + ID_NUMBER[-4:]
    assert mask_id_number("610113850312004") == "6101*******2004"


def test_permit_numbers_keep_only_their_first_and_last_characters():
    """A 9- or 11-character permit number is too short for the ID number's first-four-last-four."""
    assert mask_pass_number("H87654321") == "H*******1"
    assert mask_pass_number("M1234567890") == "M*********0"
    assert mask_pass_number("H123") == "****" and mask_pass_number("") == ""


def test_names_keep_only_the_first_character():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_name("SAMPLE JOHN") == "S***** ****"


def test_phone_and_address():
    assert mask_phone("13800001234") == "138****1234"
    assert mask_address("陕西省西安市雁塔区示例路100号") == "陕西省西安市********"


def test_check_digit_follows_gb_11643():
    # The worked example of GB 11643-1999: 11010519491231002X.
    assert check_digit("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("11010519491231002")


def test_redact_finds_numbers_in_free_text():
    text = f"card {ID_NUMBER} read; old 610113850312004; call 13800001234; order 20261122000001234567"
    redacted = redact(text)
    assert ID_NUMBER not in redacted and "610113850312004" not in redacted and "13800001234" not in redacted
    assert mask_id_number(ID_NUMBER) in redacted
    assert "138****1234" in redacted
    assert "20261122000001234567" in redacted  # a longer digit run is not an identity number


def test_redact_masks_registered_names_and_addresses_until_forgotten():
    registry = SensitiveValues()
    registry.register("张测试", "张**")
    registry.register("陕西省西安市雁塔区示例路100号", "陕西省西安市********")
    text = "greeting 张测试 at 陕西省西安市雁塔区示例路100号"
    assert redact(text, registry) == "greeting 张** at 陕西省西安市********"
    registry.forget_all()
    assert redact(text, registry) == text


def test_a_log_line_written_while_the_name_registry_is_busy_does_not_deadlock():
    """GIVEN the registry's lock held by this thread (the garbage collector may run a finaliser that logs in
    the middle of a redaction) WHEN a line is redacted THEN it completes, masked."""
    import threading

    from domain.privacy import SensitiveValues

    registry = SensitiveValues()
    registry.register("张测试", "张**")
    redacted = []

    def nested() -> None:
        with registry._lock:
            redacted.append(redact("张测试 取号", registry))

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    thread.join(10)
    assert redacted == ["张** 取号"]
