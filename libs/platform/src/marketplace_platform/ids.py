"""Time-ordered identifiers (UUID version 7, RFC 9562).

Python 3.11 has no ``uuid.uuid7``; this is the layout from the RFC: 48 bits of Unix
milliseconds, the version, 74 random bits. Sorting v7 ids sorts them by creation time, which
keeps B-tree inserts at the right edge of the index and gives cursor pagination for free.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> uuid.UUID:
    """A new UUIDv7; monotonic within this process even inside one millisecond."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            # Same (or a backwards) millisecond: bump a 12-bit counter in rand_a so that ids
            # made in a burst still sort in the order they were made.
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = 0
        counter = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)
