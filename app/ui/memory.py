"""Keeping the app's resident memory flat over many encounters (glibc's allocator, Linux).

Each attempt builds an SP, a speech recognizer and a score on worker threads, then drops
them. glibc gives every thread that allocates its own heap (up to 8 per core), and memory
freed in one is reused only by the threads using that heap and is rarely handed back to the
system, so resident memory kept climbing long after the objects were gone. Two heaps serve
the app's few threads, and once an attempt's garbage is collected the free pages are
returned. Elsewhere (macOS, Windows, musl) both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any

M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2


@cache
def _glibc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    # glibc has both; musl has neither
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_heaps() -> None:
    """At most ARENAS allocator heaps, set before the app starts its threads."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, ARENAS)


def return_free_memory() -> None:
    """Hand the allocator's free pages back to the system. It walks the heaps (a few ms);
    ctypes lets go of Python's lock meanwhile, so call it on a worker."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
