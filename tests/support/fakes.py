"""Test doubles shared by the tests."""

from __future__ import annotations


class FakeTime:
    """A manual monotonic time source: tests move time forward explicitly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("monotonic time cannot go backwards")
        self.now += seconds
