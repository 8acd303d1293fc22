"""The technician CLI: read, sam, decode and simulate, with JSON output masked unless --reveal."""

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from domain.demo_citizens import demo_citizen
from domain.identity import CardType, Gender
from drivers.idcard.__main__ import main
from drivers.idcard.cardtext import encode_text_block
from drivers.idcard.protocol import encode_response
from drivers.idcard.serial_reader import SerialCardReader
from drivers.idcard.simulator import Simulator, card_from_citizen

REPO = Path(__file__).resolve().parents[3]


def run(*argv: str) -> tuple[int, dict]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, json.loads(out.getvalue())


def test_read_prints_the_card_masked():
    citizen = demo_citizen("resident")
    status, card = run("read", "--port", "sim://resident", "--wait", "5")
    assert status == 0 and card["result"] == "card"
    assert card["id_number"] == "6101**********" + citizen.id_number[-4:] and card["name"] == "张**"
    assert citizen.id_number not in json.dumps(card, ensure_ascii=False)


def test_read_reveals_only_when_asked():
    status, card = run("read", "--port", "sim://elder", "--wait", "5", "--reveal")
    assert status == 0 and card["id_number"] == demo_citizen("elder").id_number
    assert card["valid_until"] == "长期" and len(card["photo_wlt_base64"]) > 1300


def test_read_gives_up_after_waiting_for_a_card():
    status, result = run("read", "--port", "sim://none", "--wait", "0")
    assert status == 1 and result == {"result": "no_card", "waited_s": 0.0}


def test_read_on_a_missing_port_says_what_to_check():
    status, result = run("read", "--port", "/dev/nonexistent-idcard", "--wait", "0")
    assert status == 1 and result["error_type"] == "ReaderUnavailable" and "dialout" in result["error"]


def test_sam_prints_status_and_id():
    status, result = run("sam", "--port", "sim://none", "--reset")
    assert status == 0 and result["sam_id"] == "05.01-20101213-0011024553-1234567890"


def captured_read_frame(key: str) -> bytes:
    card = card_from_citizen(demo_citizen(key))
    return encode_response(0x90, b"\x01\x00\x04\x00" + card.text + card.photo)


def test_decode_reads_a_captured_frame_written_as_hex(tmp_path):
    capture = tmp_path / "read.hex"
    capture.write_text(" ".join(f"{b:02X}" for b in captured_read_frame("hk-permit")))
    status, card = run("decode", str(capture))
    assert status == 0 and card["card_type"] == "hk_macao_taiwan" and card["name"] == "陈**"


def test_decode_reads_a_binary_capture_with_leading_noise(tmp_path):
    capture = tmp_path / "read.bin"
    capture.write_bytes(b"\x00\xFF" + captured_read_frame("foreign-2017"))
    status, card = run("decode", str(capture), "--reveal")
    assert status == 0 and card["english_name"] == "SAMPLE JOHN TEST"


def test_decode_reports_error_frames_with_typed_errors(tmp_path):
    error_frame = tmp_path / "error.bin"
    error_frame.write_bytes(encode_response(0x41, sw1=0x6A, sw2=0x82))
    status, result = run("decode", str(error_frame))
    assert status == 1 and result["error_type"] == "CardFault" and "0x41" in result["error"]
    status, result = run("decode", str(tmp_path / "missing.bin"))
    assert status == 2 and result["error_type"] == "FileNotFoundError"


def wrong_check_digit_card(key: str = "resident"):
    """A demo citizen's card whose number has a wrong GB 11643 check digit (a misread or a forgery)."""
    citizen = demo_citizen(key)
    wrong = citizen.id_number[:17] + ("1" if citizen.id_number[17] != "1" else "2")
    text = encode_text_block(CardType.RESIDENT, dict(name=citizen.name, gender=Gender.MALE, id_number=wrong,
                                                      birth_date=citizen.birth_date, valid_from=citizen.valid_from,
                                                      valid_until=citizen.valid_until))
    return card_from_citizen(citizen, text_override=text), wrong


def test_decode_refuses_a_number_with_a_wrong_check_digit_exactly_as_read_does(tmp_path):
    """GIVEN a card whose number fails its check digit WHEN `read` takes it off the reader and `decode`
    takes the captured reply THEN both refuse it the same way: result invalid_id_number, exit status 1,
    the card's data masked."""
    card, wrong = wrong_check_digit_card()
    with Simulator(baud=115200) as simulator:
        simulator.place_card(card)
        read_status, read = run("read", "--port", simulator.port, "--wait", "5")
    capture = tmp_path / "read.bin"
    capture.write_bytes(encode_response(0x90, b"\x01\x00\x04\x00" + card.text + card.photo))
    decode_status, decoded = run("decode", str(capture))
    assert (read_status, read["result"]) == (1, "invalid_id_number")
    assert (decode_status, decoded) == (read_status, read)
    assert "check digit" in decoded["error"] and decoded["id_number_valid"] is False
    assert wrong not in json.dumps(decoded, ensure_ascii=False)


def test_decode_says_a_blank_text_block_is_not_a_card(tmp_path):
    """GIVEN a well-formed read reply whose text block is nothing but spaces WHEN decoded THEN it is not
    taken for a card with an empty name: a CardDataError, exit status 1."""
    blank = " ".encode("utf-16-le") * 128
    capture = tmp_path / "blank.hex"
    capture.write_text(encode_response(0x90, b"\x01\x00\x04\x00" + blank + bytes(1024)).hex(" "))
    status, result = run("decode", str(capture))
    assert (status, result["result"], result["error_type"]) == (1, "error", "CardDataError")
    assert "blank" in result["error"]


@pytest.mark.parametrize(
    "content, complaint",
    [
        (b"", "is empty"),
        (b"   \n  \t ", "no hex digits"),
        (b"AA AA AA 96 69 00 04 00 00 90 hello", "not hex: 'h' at character 31"),
        (b"AA AA AA 96 69 00 04 00 00 90 9", "odd number of hex digits (21)"),
        (random.Random(467).randbytes(600).replace(b"\xaa", b"\xab"), "no complete response frame"),
    ],
    ids=["empty", "spaces", "not-hex", "odd-digits", "random-bytes"],
)
def test_decode_input_that_is_no_capture_exits_2_as_the_help_says(tmp_path, content, complaint):
    """GIVEN a file that holds no response frame at all WHEN decoded THEN the exit status is 2 (bad
    input, per the CLI's help), with a message that says what is wrong with the file."""
    capture = tmp_path / "capture"
    capture.write_bytes(content)
    status, result = run("decode", str(capture))
    assert (status, result["result"], result["error_type"]) == (2, "error", "UnreadableCapture")
    assert complaint in result["error"]


def test_decode_of_a_frame_too_short_for_its_fields_quotes_only_lengths_the_frame_announces(tmp_path):
    """GIVEN a read reply cut after two bytes of its text block WHEN decoded THEN the error names the
    text and photo lengths the reply announces, and no fingerprint length read out of the name."""
    name = "陈".encode("utf-16-le")
    capture = tmp_path / "short.bin"
    capture.write_bytes(encode_response(0x90, b"\x01\x00\x04\x00" + name))
    status, result = run("decode", str(capture))
    assert (status, result["error_type"]) == (1, "CardDataError")
    assert "announces 256 text and 1024 photo bytes" in result["error"]
    assert str(int.from_bytes(name, "big")) not in result["error"]


def test_the_permit_number_is_masked_to_its_first_and_last_characters(tmp_path):
    """GIVEN an HK/Macao/Taiwan residence permit WHEN read or decoded without --reveal THEN its permit
    number shows only its first and last characters."""
    status, card = run("read", "--port", "sim://hk-permit", "--wait", "5")
    assert status == 0 and card["pass_number"] == "H*******8"          # H19880808
    capture = tmp_path / "read.hex"
    capture.write_text(captured_read_frame("hk-permit").hex())
    assert run("decode", str(capture))[1]["pass_number"] == "H*******8"


def test_simulate_prints_its_port_and_takes_keyboard_commands(timeouts):
    """GIVEN `simulate` in a subprocess WHEN a reader connects to the printed port THEN it reads the
    card, and a card placed from the keyboard is read next."""
    process = subprocess.Popen([sys.executable, "-m", "drivers.idcard", "simulate", "--card", "elder",
                                "--baud", "115200"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, encoding="utf-8")
    try:
        started = json.loads(process.stdout.readline())
        assert started["result"] == "simulating"
        with SerialCardReader(started["port"], timeouts=timeouts) as reader:
            assert reader.read_present_card().name == "李演示"
            process.stdin.write("place rare-name\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline()) == {"result": "ok", "command": "place"}
            assert reader.read_present_card().name == "王䶮测"
            process.stdin.write("fault nonsense\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline())["result"] == "error"
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_usage_errors_exit_with_status_2():
    with pytest.raises(SystemExit) as caught:
        main(["read"], out=io.StringIO())
    assert caught.value.code == 2
