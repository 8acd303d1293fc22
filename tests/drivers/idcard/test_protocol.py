"""The GA/T 467 frame codec: frames from the reference notes, resynchronisation, checksums, deadlines."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.idcard.errors import ChecksumMismatch, FrameError, IdCardError, ReaderTimeout, TruncatedFrame
from drivers.idcard.protocol import (
    BAUD_RATES,
    Command,
    FrameDecoder,
    Response,
    encode_command,
    encode_response,
    receive_frame,
    wire_time,
)

# Full command frames as printed in the reference notes (§2.1).
REFERENCE_COMMANDS = {
    Command.RESET_SAM: "AA AA AA 96 69 00 03 10 FF EC",
    Command.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    Command.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    Command.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    Command.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    Command.READ_BASE: "AA AA AA 96 69 00 03 30 01 32",
    Command.READ_APPENDED_ADDRESS: "AA AA AA 96 69 00 03 30 03 30",
    Command.READ_WITH_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
}


@pytest.mark.parametrize("command", list(REFERENCE_COMMANDS))
def test_command_frames_match_the_reference(command):
    assert encode_command(command) == bytes.fromhex(REFERENCE_COMMANDS[command])


@pytest.mark.parametrize("baud, tail", [(115200, "60 00 63"), (57600, "60 01 62"), (38400, "60 02 61"),
                                        (19200, "60 03 60"), (9600, "60 04 67")])
def test_baud_change_frames_match_the_reference(baud, tail):
    frame = encode_command(Command.SET_BAUD, para=BAUD_RATES[baud])
    assert frame == bytes.fromhex("AA AA AA 96 69 00 03 " + tail)


def test_rf_frame_size_command_carries_its_data_byte():
    assert encode_command(Command.SET_RF_FRAME_SIZE, bytes([0x50])) == bytes.fromhex("AAAAAA9669000461FF50CA")


def decode_all(data: bytes, decoder: FrameDecoder | None = None) -> list[Response]:
    decoder = decoder or FrameDecoder()
    decoder.feed(data)
    frames = []
    while (response := decoder.next_response()) is not None:
        frames.append(response)
    return frames


def test_an_error_reply_of_eleven_bytes_decodes_to_its_status():
    """GIVEN the 11-byte "no card" reply WHEN decoded THEN SW3 is 0x80 and there is no data."""
    frame = bytes.fromhex("AAAAAA9669000400008084")
    assert decode_all(frame) == [Response(0, 0, 0x80, b"")]
    assert encode_response(0x80) == frame


def test_sam_id_reply_header_matches_the_reference_constant():
    frame = encode_response(0x90, bytes(range(16)))
    assert frame.hex().upper().startswith("AAAAAA96690014000090")
    assert decode_all(frame)[0].data == bytes(range(16))


def test_length_is_big_endian_for_the_1295_byte_read_reply():
    frame = encode_response(0x90, bytes(1284))
    assert len(frame) == 1295
    assert frame[5:7] == b"\x05\x08"


def test_garbage_before_a_frame_is_skipped():
    """GIVEN noise containing partial preambles before a reply WHEN decoded THEN the reply comes out whole."""
    reply = encode_response(0x9F, bytes(4))
    noise = bytes.fromhex("13 37 AA AA 96 00 FF AA AA AA 96 68 55 AA")
    assert decode_all(noise + reply) == [Response(0, 0, 0x9F, bytes(4))]


def test_a_frame_split_into_single_bytes_is_reassembled():
    decoder = FrameDecoder()
    reply = b"\xAA\x00" + encode_response(0x90, b"\x01\x02\x03")
    results = []
    for byte in reply:
        decoder.feed(bytes([byte]))
        results.extend(filter(None, [decoder.next_response()]))
    assert results == [Response(0, 0, 0x90, b"\x01\x02\x03")]


def test_a_false_preamble_with_an_impossible_length_is_resynchronised():
    """GIVEN a preamble followed by a length of 0xFFFF THEN the decoder does not wait for 64 KiB."""
    reply = encode_response(0x90)
    assert decode_all(bytes.fromhex("AAAAAA9669FFFF") + reply) == [Response(0, 0, 0x90, b"")]


def test_bad_checksum_is_reported_on_error_frames_too_and_the_stream_stays_in_step():
    broken = bytearray(encode_response(0x41, sw1=0x6A, sw2=0x82))
    broken[-1] ^= 0xFF
    decoder = FrameDecoder()
    decoder.feed(bytes(broken) + encode_response(0x90))
    with pytest.raises(ChecksumMismatch, match="XOR"):
        decoder.next_response()
    assert decoder.next_response() == Response(0, 0, 0x90, b"")


def test_a_body_without_status_bytes_is_a_frame_error():
    decoder = FrameDecoder(min_length=3)
    decoder.feed(bytes.fromhex("AAAAAA9669000300 00 03".replace(" ", "")))
    with pytest.raises(FrameError, match="no status bytes"):
        decoder.next_response()


def chunks(data: bytes, size: int):
    """A `read` over bytes already received, returning at most `size` at a time."""
    buffer = bytearray(data)

    def read(wanted: int, timeout: float) -> bytes:
        piece = bytes(buffer[: min(wanted, size)])
        del buffer[: len(piece)]
        return piece

    return read


def test_receive_frame_reads_exactly_one_frame_in_small_pieces():
    reply = encode_response(0x90, bytes(range(200)))
    assert receive_frame(chunks(b"\x00\x01" + reply, 7), time.monotonic() + 5).data == bytes(range(200))


def test_receive_frame_reports_a_truncated_frame_at_the_deadline():
    half = encode_response(0x90, bytes(100))[:50]
    with pytest.raises(TruncatedFrame, match="stopped after 50 bytes"):
        receive_frame(chunks(half, 64), time.monotonic() + 0.05)


def test_receive_frame_reports_silence_as_a_timeout():
    with pytest.raises(ReaderTimeout) as caught:
        receive_frame(chunks(b"", 64), time.monotonic() + 0.05)
    assert type(caught.value) is ReaderTimeout


def test_wire_time_counts_ten_bits_per_byte():
    assert wire_time(1295, 115200) == pytest.approx(0.1124, abs=1e-4)


VALID_FRAMES = st.builds(
    lambda sw3, data: encode_response(sw3, data),
    st.integers(0, 255),
    st.binary(max_size=300),
)


def mutate(frame: bytes, positions: list[int], values: list[int]) -> bytes:
    mutable = bytearray(frame)
    for position, value in zip(positions, values):
        if mutable:
            mutable[position % len(mutable)] = value
    return bytes(mutable)


STREAMS = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda a, f, b: a + f + b, st.binary(max_size=40), VALID_FRAMES, st.binary(max_size=40)),
    st.builds(mutate, VALID_FRAMES, st.lists(st.integers(0, 400), max_size=4),
              st.lists(st.integers(0, 255), max_size=4)),
    st.builds(lambda f, n: f[:n], VALID_FRAMES, st.integers(0, 320)),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(stream=STREAMS, piece=st.integers(1, 64))
def test_random_and_mutated_streams_only_ever_raise_the_drivers_typed_errors(stream, piece):
    """Property: whatever arrives, receive_frame returns a frame that was really sent, or raises one
    of the driver's IdCardErrors; never another exception (a hang is caught by pytest-timeout)."""
    try:
        response = receive_frame(chunks(stream, piece), time.monotonic() + 0.01)
    except IdCardError:
        pass
    else:
        assert isinstance(response, Response)
        assert encode_response(response.sw3, response.data, sw1=response.sw1, sw2=response.sw2) in stream
