"""The kiosks a hall accepts, from a file: one `ID:SECRET` a line, readable by the server's user only.

    kiosk-01:Zq0Yv...32 random characters...
    # a comment; blank lines are fine

A secret on a command line is visible to every user of the machine (`ps`), so the server takes them only from
here. The file must not be readable by group or others (like ssh's keys) and every secret has at least
MIN_SECRET_LENGTH characters: `python -c 'import secrets; print(secrets.token_urlsafe(32))'` makes one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Mapping

__all__ = ["MIN_SECRET_LENGTH", "read_kiosks_file", "write_kiosks_file"]

MIN_SECRET_LENGTH = 16


def read_kiosks_file(path: str) -> dict[str, bytes]:
    """Kiosk id -> secret from `path`; ValueError names the line (never the secret) of a bad entry."""
    mode = os.stat(path).st_mode
    if stat.S_IMODE(mode) & 0o077:
        raise ValueError(f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}): chmod 600 it")
    kiosks: dict[str, bytes] = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kiosk_id, sep, secret = line.partition(":")
            kiosk_id, secret = kiosk_id.strip(), secret.strip()
            if not sep or not kiosk_id or not secret:
                raise ValueError(f"{path} line {number}: expected ID:SECRET")
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(f"{path} line {number}: the secret of {kiosk_id} is shorter than"
                                 f" {MIN_SECRET_LENGTH} characters")
            if kiosk_id in kiosks:
                raise ValueError(f"{path} line {number}: {kiosk_id} is listed twice")
            kiosks[kiosk_id] = secret.encode("utf-8")
    if not kiosks:
        raise ValueError(f"{path} lists no kiosk")
    return kiosks


def write_kiosks_file(path: str | os.PathLike[str], kiosks: Mapping[str, str]) -> Path:
    """Write `kiosks` (id -> secret) to a new file of mode 0600 (for set-up scripts, benches and tests)."""
    target = Path(path)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.writelines(f"{kiosk_id}:{secret}\n" for kiosk_id, secret in kiosks.items())
    os.chmod(target, 0o600)
    return target
