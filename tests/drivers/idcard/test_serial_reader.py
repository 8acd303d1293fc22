"""The real serial driver against the simulator over a real pty: every card, every fault, unplug/replug."""

import logging
import time
from dataclasses import replace

import pytest
import serial

from domain.demo_citizens import DEMO_CITIZENS, demo_citizen
from domain.identity import CardType, Gender
from drivers.idcard import open_reader
from drivers.idcard.cardtext import encode_text_block
from drivers.idcard.errors import (
    STATUS_MEANINGS,
    CardFault,
    CardNotFound,
    CardSelectFailed,
    ChecksumMismatch,
    CommandRejected,
    HostFrameRejected,
    InvalidIdNumber,
    ReaderTimeout,
    ReaderUnavailable,
    SamFault,
    TruncatedFrame,
    status_error,
)
from drivers.idcard.protocol import Command, encode_command, receive_frame
from drivers.idcard.serial_reader import SerialCardReader
from drivers.idcard.simulator import Fault, card_from_citizen


@pytest.mark.parametrize("citizen", DEMO_CITIZENS, ids=lambda c: c.key)
def test_every_demo_card_is_read_field_by_field(simulator, reader, citizen):
    simulator.place_card(citizen)
    identity = reader.read_present_card()
    assert identity.card_type is CardType(citizen.card_type)
    assert identity.id_number == citizen.id_number and identity.id_number_valid
    assert identity.name == citizen.name and identity.english_name == citizen.english_name
    assert identity.gender is Gender(citizen.gender) and identity.birth_date == citizen.birth_date
    assert identity.address == citizen.address
    assert identity.valid_from == citizen.valid_from and identity.valid_until == citizen.valid_until
    assert identity.nationality == citizen.nationality
    assert len(identity.photo_wlt) == 1024 and identity.photo_wlt.tobytes().startswith(b"WLf")


def test_the_rare_character_name_survives_the_wire(simulator, reader):
    simulator.place_card(demo_citizen("rare-name"))
    identity = reader.read_present_card()
    assert identity.name == "王䶮测" and identity.nation == "回"


def test_fingerprint_read_returns_the_templates_or_none_for_older_cards(simulator, reader):
    simulator.place_card(demo_citizen("resident"))
    assert len(reader.read_present_card(fingerprint=True).fingerprint) == 1024
    simulator.place_card(demo_citizen("elder"))   # issued 2012, before fingerprints
    elder = reader.read_present_card(fingerprint=True)
    assert len(elder.fingerprint) == 0 and elder.long_term


def test_the_newest_appended_address_is_read_when_present(simulator, reader):
    simulator.place_card(card_from_citizen(demo_citizen("resident"),
                                           appended_addresses=("陕西省西安市长安区搬迁路7号",)))
    identity = reader.read_present_card()
    assert identity.appended_addresses == ("陕西省西安市长安区搬迁路7号",)
    assert identity.current_address == "陕西省西安市长安区搬迁路7号"


def test_an_empty_reader_finds_no_card(reader):
    assert reader.read_present_card() is None


def test_a_card_left_on_the_reader_is_found_once_and_still_present_until_removed(simulator, reader):
    simulator.place_card(demo_citizen("resident"))
    assert reader.read_present_card() is not None
    assert reader.find_card() is False          # the module will not find a card it already read
    assert reader.card_still_present() is True
    simulator.remove_card()
    assert reader.card_still_present() is False


def test_sam_status_reset_and_id(reader):
    reader.check_sam()
    reader.reset_sam()
    assert reader.sam_id() == "05.01-20101213-0011024553-1234567890"


def test_rf_frame_size_is_checked_here_and_by_the_module(reader):
    reader.set_rf_frame_size(80)
    with pytest.raises(ValueError, match="24..255"):
        reader.set_rf_frame_size(10)


def test_baud_change_moves_both_ends_and_reads_still_work(simulator, reader):
    simulator.place_card(demo_citizen("resident"))
    reader.set_baud(9600)
    assert reader.baud == 9600 and simulator.baud == 9600
    reader.set_baud(115200)
    assert simulator.baud == 115200
    assert reader.read_present_card().id_number == demo_citizen("resident").id_number
    with pytest.raises(ValueError, match="not supported"):
        reader.set_baud(12345)


def replace_card(simulator, key="elder"):
    simulator.remove_card()
    simulator.place_card(demo_citizen(key))


def test_garbage_before_a_reply_is_skipped_and_the_card_read(simulator, reader):
    simulator.place_card(demo_citizen("resident"))
    simulator.inject(Fault.GARBAGE)
    simulator.inject(Fault.GARBAGE, on=Command.FIND_CARD)
    assert reader.read_present_card().id_number == demo_citizen("resident").id_number


@pytest.mark.parametrize("fault, error", [(Fault.BAD_CHECKSUM, ChecksumMismatch),
                                          (Fault.TRUNCATED, TruncatedFrame)])
def test_a_corrupt_reply_raises_its_typed_error_and_the_next_card_is_read(simulator, reader, fault, error):
    simulator.place_card(demo_citizen("resident"))
    simulator.inject(fault)
    with pytest.raises(error):
        reader.read_present_card()
    replace_card(simulator)
    assert reader.read_present_card().id_number == demo_citizen("elder").id_number


def test_a_stalled_reply_times_out_and_the_next_card_is_read(simulator, timeouts):
    with SerialCardReader(simulator.port, timeouts=replace(timeouts, read=0.3)) as reader:
        simulator.place_card(demo_citizen("resident"))
        simulator.inject(Fault.STALL)
        with pytest.raises(ReaderTimeout) as caught:
            reader.read_present_card()
        assert type(caught.value) is ReaderTimeout
        replace_card(simulator)
        assert reader.read_present_card().id_number == demo_citizen("elder").id_number


ERROR_STATUSES = sorted(set(STATUS_MEANINGS) - {0x90, 0x9F, 0x91})
EXPECTED_CLASS = {0x10: HostFrameRejected, 0x11: HostFrameRejected, 0x21: CommandRejected,
                  0x23: CommandRejected, 0x24: CommandRejected, 0x60: SamFault, 0x66: SamFault,
                  0x80: CardNotFound, 0x81: CardSelectFailed}


@pytest.mark.parametrize("sw3", ERROR_STATUSES, ids=lambda code: f"0x{code:02X}")
def test_every_error_status_raises_its_typed_error_and_the_next_card_is_read(simulator, reader, sw3):
    simulator.place_card(demo_citizen("resident"))
    simulator.inject(Fault.STATUS, status=sw3)
    with pytest.raises(EXPECTED_CLASS.get(sw3, CardFault)) as caught:
        reader.read_present_card()
    assert caught.value.sw3 == sw3 and f"SW3=0x{sw3:02X} to READ_BASE" in str(caught.value)
    assert STATUS_MEANINGS[sw3] in str(caught.value)
    replace_card(simulator)
    assert reader.read_present_card().id_number == demo_citizen("elder").id_number


def test_a_select_failure_is_typed(simulator, reader):
    simulator.place_card(demo_citizen("resident"))
    simulator.inject(Fault.STATUS, on=Command.SELECT_CARD, status=0x81)
    with pytest.raises(CardSelectFailed):
        reader.read_present_card()


@pytest.mark.parametrize("fault, sw3", [(Fault.SAM_SELF_TEST, 0x60), (Fault.SAM_NOT_AUTHORISED, 0x66)])
def test_sam_faults_block_every_command_until_cleared(simulator, reader, fault, sw3):
    simulator.inject(fault)
    with pytest.raises(SamFault) as caught:
        reader.check_sam()
    assert caught.value.sw3 == sw3
    simulator.place_card(demo_citizen("resident"))
    with pytest.raises(SamFault):
        reader.read_present_card()
    simulator.clear_faults()
    reader.check_sam()
    assert reader.read_present_card() is not None


def test_unplugged_reader_is_unavailable_and_works_again_after_replug(simulator, reader):
    reader.check_sam()
    simulator.unplug()
    with pytest.raises(ReaderUnavailable, match="unplugged|cannot open"):
        reader.check_sam()
    with pytest.raises(ReaderUnavailable, match="cannot open"):
        reader.open()
    simulator.replug()
    simulator.place_card(demo_citizen("hk-permit"))
    assert reader.read_present_card().pass_number == "H19880808"


def test_a_number_failing_its_check_digit_is_reported_with_the_card_kept(simulator, reader):
    citizen = demo_citizen("resident")
    wrong = citizen.id_number[:17] + ("1" if citizen.id_number[17] != "1" else "2")
    text = encode_text_block(CardType.RESIDENT, dict(name=citizen.name, gender=Gender.MALE, id_number=wrong,
                                                      birth_date=citizen.birth_date, valid_from=citizen.valid_from,
                                                      valid_until=citizen.valid_until))
    simulator.place_card(card_from_citizen(citizen, text_override=text))
    with pytest.raises(InvalidIdNumber, match="check digit") as caught:
        reader.read_present_card()
    assert wrong not in str(caught.value)
    assert caught.value.identity.id_number == wrong and not caught.value.identity.id_number_valid


def test_the_module_answers_unknown_commands_and_bad_values_with_command_error(simulator):
    assert simulator.module.handle(0x55, 0x01, b"")[2] == 0x21
    assert simulator.module.handle(0x61, 0xFF, b"\x05")[2] == 0x21


def test_a_command_frame_corrupted_on_the_way_is_reported_by_the_module(simulator):
    """GIVEN a command whose XOR byte was damaged on the line THEN the module answers 0x10, which the
    driver turns into HostFrameRejected (a wiring/baud problem, not a card problem)."""
    corrupted = bytearray(encode_command(Command.FIND_CARD))
    corrupted[-1] ^= 0x01
    with serial.Serial(simulator.port, timeout=3) as port:
        port.write(bytes(corrupted))
        response = receive_frame(lambda size, timeout: port.read(size), time.monotonic() + 5)
    assert isinstance(status_error(response.sw3), HostFrameRejected) and response.sw3 == 0x10


def test_open_reader_with_sim_url_exposes_the_simulator_and_shuts_it_down(timeouts):
    reader = open_reader("sim://none", timeouts=timeouts)
    try:
        assert reader.read_present_card() is None
        reader.simulator.place_card(demo_citizen("foreign-2023"))
        assert reader.read_present_card().english_name == "DEMO ANNA EXAMPLE"
    finally:
        reader.shutdown()
    assert not reader.simulator.plugged


def test_open_reader_rejects_bad_configuration():
    with pytest.raises(ValueError, match="unknown ID card backend"):
        open_reader("/dev/ttyUSB0", backend="pcsc")
    with pytest.raises(ValueError, match="needs library_path"):
        open_reader("1001", backend="sdtapi")
    with pytest.raises(ValueError, match="needs library_path"):
        open_reader("1001", backend="termb", library_path="")   # the config's "not set"
    with pytest.raises(ValueError, match="out of range"):
        open_reader("77", backend="termb", library_path="libtermb.so")
    with pytest.raises(KeyError, match="no demo citizen 'nobody'"):
        open_reader("sim://nobody")
    with pytest.raises(ValueError, match="not a SAM module speed"):
        SerialCardReader("/dev/ttyUSB0", baud=1234)


def test_no_log_line_carries_an_unmasked_number_or_name(simulator, reader, caplog):
    """GIVEN debug logging WHEN cards are read, fail and are rejected THEN no full value is logged."""
    caplog.set_level(logging.DEBUG)
    citizen = demo_citizen("resident")
    simulator.place_card(citizen)
    reader.read_present_card()
    replace_card(simulator, "resident")
    simulator.inject(Fault.STATUS, status=0x41)
    with pytest.raises(CardFault):
        reader.read_present_card()
    logged = caplog.text
    assert "6101**********" in logged
    assert citizen.id_number not in logged and citizen.name not in logged and citizen.address not in logged
