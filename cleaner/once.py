"""Tables that a process builds once, however many threads ask for them first, and those that
a machine builds once and keeps in the user's cache."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

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


def user_cache_folder() -> Path:
    """cleaner's folder in the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``): what a
    machine computes once and every later run reads (compiled kernels, character tables)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


def cached_bits(name: str, length: int, build: Callable[[], np.ndarray]) -> np.ndarray:
    """``build()``, a boolean array of ``length``, kept as packed bits in
    :func:`user_cache_folder` under ``name`` (which must name everything the result depends
    on) and read from there when present and whole. A cache that cannot be read or written
    costs only the build: the result never depends on it."""
    path = user_cache_folder() / "tables" / f"{name}.npy"
    try:
        return np.unpackbits(np.load(path, allow_pickle=False), count=length).astype(np.bool_)
    except (OSError, ValueError):
        pass
    built = build()
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as stream:
            np.save(stream, np.packbits(built), allow_pickle=False)
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return built
