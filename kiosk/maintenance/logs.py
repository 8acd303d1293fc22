"""Logging for an unattended kiosk: rotating files under the data directory plus the console.

Every handler carries `MaskingFilter`, which redacts identity numbers, mobile numbers and the current
session's registered names and addresses from the message, its arguments, exception texts and stack
information, so no personal data reaches a log file whatever a module passes to the logger.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from domain.privacy import redact

__all__ = ["MaskingFilter", "configure_logging", "LOG_FORMAT"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFilter(logging.Filter):
    """Rewrites each record in place with personal data masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # The formatter would render exc_info again from the live exception: keep only the masked text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(log_dir: Path, level: str = "INFO", max_bytes: int = 5_000_000,
                      backup_count: int = 5, console: bool = True) -> Path:
    """Install the kiosk's handlers on the root logger; returns the log file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "kiosk.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk_handler", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
    ]
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler._kiosk_handler = True  # type: ignore[attr-defined]
        handler.addFilter(MaskingFilter())
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    return log_file
