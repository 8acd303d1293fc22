"""Loads the .kv layout that sits next to a screen's or widget's module, once."""

from pathlib import Path

from kivy.lang import Builder

__all__ = ["load_kv_beside"]


def load_kv_beside(module_file: str) -> None:
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)
