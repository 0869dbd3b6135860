"""A wall-clock limit per document, the last line of defence against pathological input.

Every regular expression is written to run in linear time, but a parser (lxml, trafilatura)
can still meet a page that takes minutes. The limit turns that page into an ``errors`` row
instead of a stalled run. It uses ``SIGALRM``, so it applies in the main thread of a process
(every worker of the local pool, and the CLI itself); elsewhere it is a no-op.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class DocumentTimeout(Exception):
    """A document took longer than its time limit."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block if it runs longer than ``seconds``."""
    if seconds <= 0 or not _can_alarm():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise DocumentTimeout(f"took longer than the limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
