"""Python's cyclic garbage collector held off while a batch builds its many small objects.

Stripping a batch makes hundreds of thousands of tuples and lists (every kept line's
``Paragraph``, each document's result), and each 700 of them start a collection that walks
the young objects, and now and then every object the process holds. The dev pages' 990 text
dumps as one batch, eight calls each way alternating in one process, twice (each order
first once): median 1,070 and 1,039 ms paused, 1,158 and 1,089 ms not. Reference counting
still frees everything the batch drops; what only the collector finds (cycles) waits until
the batch is done.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collection off for the ``with`` block, and back as it was when the last block ends.

    Threads may enter and leave in any order: the first to enter turns it off, the last to
    leave restores the state the first found (a plain disable/enable pair would let one
    thread turn collection back on under another, or leave it off for good)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
