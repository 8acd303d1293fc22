"""What can go wrong with the on-screen Chinese input, as types a technician can act on.

| Error                   | When                                                            | What the kiosk does            |
|-------------------------|-----------------------------------------------------------------|--------------------------------|
| `InputMethodUnavailable`| the library or its data is not installed (names the package)    | offers the input that remains  |
| `InputMethodFailed`     | the library is there but refused (model unreadable, deploy fail)| the same, and logs the detail  |

Neither carries what the citizen wrote: the text is personal data.
"""

from __future__ import annotations

__all__ = ["TextInputError", "InputMethodUnavailable", "InputMethodFailed"]


class TextInputError(Exception):
    """Base of the Chinese input's errors; `method` is "handwriting" or "pinyin"."""

    def __init__(self, method: str, message: str) -> None:
        super().__init__(f"{method}: {message}")
        self.method = method


class InputMethodUnavailable(TextInputError):
    """The shared library or its data is missing: `package` is the Debian package that provides it."""

    def __init__(self, method: str, missing: str, package: str) -> None:
        super().__init__(method, f"{missing} not found: install the Debian package {package}")
        self.missing = missing
        self.package = package


class InputMethodFailed(TextInputError):
    """The library is installed but could not do its work (a damaged model, a failed deploy)."""
