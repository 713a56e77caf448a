"""A busy machine on demand: N processes that each keep a core busy, for the GUI benchmarks.

`busy(n)` starts them and stops them when the block ends; each also ends by itself after
`limit` seconds (through `timeout`), so a benchmark that dies leaves nothing running for long.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def busy(n: int, limit: float = 600.0) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    spin = [sys.executable, "-c", "while True: pass"]
    cmd = ["timeout", f"{limit:g}", *spin] if shutil.which("timeout") else spin
    try:
        for _ in range(n):
            procs.append(subprocess.Popen(cmd))
        yield procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
