"""The technician CLI: read, sam, decode and simulate, with JSON output masked unless --reveal."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.idcard.__main__ import main
from drivers.idcard.protocol import encode_response
from drivers.idcard.serial_reader import SerialCardReader
from drivers.idcard.simulator import card_from_citizen
from kiosk.demo_citizens import demo_citizen

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


def test_decode_reports_error_frames_and_junk_with_typed_errors(tmp_path):
    error_frame = tmp_path / "error.bin"
    error_frame.write_bytes(encode_response(0x41, sw1=0x6A, sw2=0x82))
    status, result = run("decode", str(error_frame))
    assert status == 1 and result["error_type"] == "CardFault" and "0x41" in result["error"]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x01\x02\x03")
    status, result = run("decode", str(junk))
    assert status == 1 and result["error_type"] == "CardDataError"
    status, result = run("decode", str(tmp_path / "missing.bin"))
    assert status == 2 and result["error_type"] == "FileNotFoundError"


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
