"""glibc's allocator, told to keep few arenas and to hand back what a visit freed (on this machine's glibc)."""

from kiosk.maintenance.memory import limit_malloc_arenas, return_free_memory


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_glibc_takes_the_arena_limit():
    assert limit_malloc_arenas() is True


def test_memory_freed_inside_the_heap_goes_back_to_the_system():
    """GIVEN 40 MiB of kilobyte blocks freed beneath one still in use (the heap cannot shrink from its top)
    WHEN the free memory is returned THEN the resident set falls by most of it."""
    blocks = [bytearray(1024) for _ in range(40 * 1024)]
    pinned = bytearray(1024)
    del blocks
    before = rss_kib()
    assert return_free_memory() is True
    assert before - rss_kib() > 20 * 1024
    assert len(pinned) == 1024
