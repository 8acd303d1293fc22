"""The message catalogue: both languages for every key, one definition per key across its files."""

import pytest

from kiosk.i18n import LANGUAGES, Catalogue


def test_every_message_has_chinese_and_english():
    catalogue = Catalogue.load()
    for key in catalogue.keys():
        for language in LANGUAGES:
            assert catalogue.text(key, language).strip(), (key, language)


def test_placeholders_match_between_languages():
    import string

    catalogue = Catalogue.load()
    for key in catalogue.keys():
        fields = [{name for _, name, _, _ in string.Formatter().parse(catalogue.text(key, language)) if name}
                  for language in LANGUAGES]
        assert fields[0] == fields[1] or key == "attract.date", key


def test_a_key_defined_in_two_files_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('[x]\ny = { zh = "一", en = "one" }\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[x]\ny = { zh = "二", en = "two" }\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.toml: message 'x\.y' is already defined"):
        Catalogue.load(tmp_path)


def test_a_message_without_english_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('[x]\ny = { zh = "一" }\n', encoding="utf-8")
    with pytest.raises(ValueError):
        Catalogue.load(tmp_path)


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        Catalogue.load().text("no.such.key", "zh")
