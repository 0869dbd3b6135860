"""Tables that a process builds once, however many threads ask for them first."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Once(Generic[T]):
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._built: list[T] = []
        functools.update_wrapper(self, build)

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._built.append(self._build())
        return self._built[0]

    def cache_clear(self) -> None:
        """Build again on the next call (tests that swap a bundled file)."""
        with self._lock:
            self._built.clear()


def once(build: Callable[[], T]) -> _Once[T]:
    """``build()``, computed on the first call and kept for the process.

    ``functools.lru_cache`` does not hold other threads back while the first call runs. The
    local engine's two map threads start together, so each built the word table and the NFKC
    screen (0.1 s a build) for itself; with this, the second thread waits for the first.
    """
    return _Once(build)
