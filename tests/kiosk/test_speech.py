"""Spoken prompts come from the real espeak-ng, in Mandarin or English, written to WAV files here."""

import wave

import pytest

from kiosk.speech import Speaker


def spoken_files(directory):
    return sorted(directory.glob("prompt-*.wav"))


@pytest.fixture
def speaker(tmp_path):
    speaker = Speaker(output_dir=tmp_path)
    yield speaker
    speaker.close()


def test_a_mandarin_prompt_becomes_real_audio(speaker, tmp_path):
    assert speaker.enabled
    speaker.say("请将身份证放在感应区", "zh")
    assert speaker.wait_until_quiet()
    [spoken] = spoken_files(tmp_path)
    with wave.open(str(spoken)) as audio:
        assert audio.getnframes() / audio.getframerate() > 1.0  # ten syllables take more than a second


def test_english_and_chinese_use_different_voices(speaker, tmp_path):
    speaker.say("请取走号票", "zh")
    assert speaker.wait_until_quiet()
    chinese = spoken_files(tmp_path)[-1].read_bytes()
    english_speaker = Speaker(output_dir=tmp_path / "en")
    (tmp_path / "en").mkdir()
    english_speaker.say("Please take your ticket", "en")
    assert english_speaker.wait_until_quiet()
    english_speaker.close()
    assert spoken_files(tmp_path / "en")[-1].read_bytes() != chinese


def test_switched_off_or_missing_engine_stays_silent(tmp_path, caplog):
    Speaker(enabled=False, output_dir=tmp_path).say("请取走号票", "zh")
    missing = Speaker(command="no-such-tts-engine", output_dir=tmp_path)
    missing.say("请取走号票", "zh")
    assert not missing.enabled
    assert spoken_files(tmp_path) == []
    assert "espeak-ng" in caplog.text
