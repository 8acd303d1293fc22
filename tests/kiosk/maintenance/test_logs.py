"""Whatever a module logs, the log file never holds an identity number, a mobile number or a name."""

import logging

import pytest

from domain.citizen_id import check_digit
from domain.privacy import sensitive_values
from kiosk.maintenance.logs import configure_logging

ID_NUMBER = "61010219480706002" + check_digit("61010219480706002")
OLD_ID_NUMBER = "610102480706002"
MOBILE = "13900000002"
NAME = "李演示"


def remove_kiosk_handlers(level: int) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kiosk_handler", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture
def log_file(tmp_path):
    level = logging.getLogger().level
    path = configure_logging(tmp_path / "logs", "DEBUG", console=False)
    yield path
    remove_kiosk_handlers(level)
    sensitive_values.forget_all()


def read(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_numbers_in_messages_and_arguments_are_masked(log_file):
    log = logging.getLogger("kiosk.test")
    log.info("card read: %s", ID_NUMBER)
    log.warning(f"old card {OLD_ID_NUMBER}, phone {MOBILE}")
    text = read(log_file)
    for secret in (ID_NUMBER, OLD_ID_NUMBER, MOBILE):
        assert secret not in text
    assert "6101**********" + ID_NUMBER[-4:] in text
    assert "139****0002" in text


def test_registered_names_are_masked_even_inside_exception_texts(log_file):
    sensitive_values.register(NAME, "李**")
    log = logging.getLogger("kiosk.test")
    try:
        raise ValueError(f"cannot greet {NAME} ({ID_NUMBER})")
    except ValueError:
        log.exception("greeting failed for %s", NAME)
    text = read(log_file)
    assert NAME not in text and ID_NUMBER not in text
    assert "greeting failed for 李**" in text
    assert "ValueError: cannot greet 李** (6101**********" in text


def test_stack_info_is_masked(log_file):
    # The stack shows this source line, literal number included.
    logging.getLogger("kiosk.test").info("here", stack_info=True); _ = "610102194807060021"  # noqa: E702
    text = read(log_file)
    assert "Stack (most recent call last)" in text
    assert "610102194807060021" not in text and "6101**********0021" in text


def test_log_files_rotate(tmp_path):
    level = logging.getLogger().level
    path = configure_logging(tmp_path / "logs", "INFO", max_bytes=10_000, backup_count=2, console=False)
    log = logging.getLogger("kiosk.rotate")
    try:
        for index in range(400):
            log.info("line %d %s", index, "x" * 60)
        assert (tmp_path / "logs" / "kiosk.log.1").exists()
        assert not (tmp_path / "logs" / "kiosk.log.3").exists()
        assert path.stat().st_size <= 10_000
    finally:
        remove_kiosk_handlers(level)
