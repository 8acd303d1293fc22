"""Keeping the kiosk's resident memory near what it uses, for months: glibc's allocator, told two things.

Each thread that allocates gets its own malloc arena (up to eight per core), and memory freed inside an arena
stays with the process. A kiosk has a dozen threads (worker, devices, hall, outbox) whose short bursts leave
arenas half empty. Two arenas serve them as well, and `malloc_trim` hands what is free back to the system: the
app does it when a citizen's session ends (off the UI thread). Measured with every journey used once: 400 →
348 MiB (bench/soak.py). Elsewhere than glibc (musl, macOS) both calls do nothing.

    limit_malloc_arenas()          # first thing in main(), before any thread starts
    worker.run(return_free_memory) # after each visit
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["limit_malloc_arenas", "return_free_memory"]

M_ARENA_MAX = -8    # glibc's malloc.h
ARENAS = 2


@functools.cache
def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas for the whole process; True where glibc took it."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas))


def return_free_memory() -> bool:
    """Give the heap's free pages back to the system; True when glibc returned any."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))
