"""Chinese text input on the touchscreen, without Kivy: handwriting (zinnia, kiosk.devices.text_input.handwriting) and
pinyin (librime, kiosk.devices.text_input.pinyin), each a small ctypes binding behind an interface that raises a typed
error (kiosk.devices.text_input.errors) when its library or data is missing, run on one thread of their own
(kiosk.devices.text_input.service). What a citizen writes is personal data: it is never logged, and the journeys
register it with domain.privacy's SensitiveValues and send it only through the sealed outbox.
"""

from domain.privacy import sensitive_values

__all__ = ["keep_private", "masked_text"]


def masked_text(text: str) -> str:
    """What a log line shows instead of a citizen's own words: only how long they were."""
    return f"«{len(text)} 字»"


def keep_private(text: str) -> str:
    """Register `text` with the log filter for this session (domain.privacy.redact masks it wherever it would
    appear), and return it."""
    sensitive_values.register(text, masked_text(text))
    return text
