"""Synthesized audio kept for reuse, keyed by (voice, rate, pitch, text), bounded by bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict

from app.speech.service import Audio
from app.speech.voices import VoiceSettings

DEFAULT_CACHE_BYTES = 32 * 1024 * 1024  # ~12 minutes of speech at 22 kHz, 16 bit: ~2 cases

CacheKey = tuple[str, int, int, str]


def cache_key(voice: VoiceSettings, text: str) -> CacheKey:
    return (voice.voice, voice.rate, voice.pitch, text)


class AudioCache:
    """Least recently used goes first once the total passes `max_bytes`. Thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[CacheKey, Audio] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: CacheKey) -> Audio | None:
        with self._lock:
            audio = self._items.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return audio

    def put(self, key: CacheKey, audio: Audio) -> None:
        if audio.nbytes > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old.nbytes
            self._items[key] = audio
            self.nbytes += audio.nbytes
            while self.nbytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self.nbytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0
