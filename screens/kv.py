"""Loads the .kv layout that sits next to a screen's or widget's module, once; and changes a property that
every .kv rule watches safely."""

import gc
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kivy.lang import Builder

__all__ = ["load_kv_beside", "whole_app_change"]


def load_kv_beside(module_file: str) -> None:
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


@contextmanager
def whole_app_change() -> Iterator[None]:
    """Change a property that every kv rule watches (language, theme) with no garbage collection meanwhile.

    Widgets a journey dropped die only when the cyclic collector runs; if it runs in the middle of the
    change's dispatch, Kivy still calls the dead widget's rule and raises ReferenceError (seen once in a
    full test run: the elder-mode button would crash the app). Not collecting during the dispatch closes
    that window; an uncollected widget is still whole, so updating it does no harm.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
