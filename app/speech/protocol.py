"""The speech worker's wire format: one JSON object per line, each optionally followed by raw
bytes (its ``"bytes"`` field says how many). Requests go to the worker's stdin, replies come
back on a copy of its stdout taken before anything else could print there."""

from __future__ import annotations

import json
from typing import IO, Any

Message = dict[str, Any]


def write_message(stream: IO[bytes], header: Message, payload: bytes = b"") -> None:
    head = json.dumps({**header, "bytes": len(payload)}, separators=(",", ":")).encode()
    stream.write(head + b"\n" + payload)
    stream.flush()


def read_message(stream: IO[bytes]) -> tuple[Message, bytes] | None:
    """The next message, or None at the end of the stream (the other side has gone)."""
    line = stream.readline()
    if not line:
        return None
    header = json.loads(line)
    if not isinstance(header, dict):
        raise ValueError(f"not a message: {line[:80]!r}")
    size = int(header.get("bytes", 0))
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return header, b"".join(chunks)
