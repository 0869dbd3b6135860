"""numba's compiler set up once for every kernel of cleaner (compiled on first use, cached on
disk), and the helpers the kernels share.

numba is a wheel from the package index (no compiler on the user's machine). A kernel is
compiled once per machine and numba version and loaded from :func:`cache_folder` after; the
modules that hold kernels import this one only when their stage runs, so a command that needs
none (``cleaner --help``, a small ``strip_text``) does not pay numba's 0.15 s import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from numba import njit


def cache_folder() -> str:
    """Where the compiled kernels are kept: cleaner's folder in the user's cache
    (``$XDG_CACHE_HOME`` or ``~/.cache``), unless ``NUMBA_CACHE_DIR`` names another."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return numba.config.CACHE_DIR or os.path.join(base, "cleaner", "numba")


def compiled(function: Callable[..., Any]) -> Any:
    """``njit(cache=True, nogil=True)``, cached in :func:`cache_folder`, not beside the installed
    package: ``pip uninstall`` does not remove numba's files there, and the ``cleaner/`` folder
    they keep in site-packages then hides an editable install from scripts run elsewhere (seen).
    Where that folder cannot be written, numba falls back to the package's ``__pycache__`` and
    then its own user cache."""
    chosen = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = cache_folder()
    try:
        return njit(cache=True, nogil=True)(function)
    finally:
        numba.config.CACHE_DIR = chosen


@njit(inline="always")
def code_point(data: Any, index: int) -> tuple[int, int]:
    """``(code point, width in bytes)`` of the UTF-8 character starting at ``data[index]``
    (valid UTF-8, as Arrow holds it): the decoding step of the word scans."""
    lead = data[index]
    if lead < 0x80:
        return np.int64(lead), 1
    if lead < 0xE0:
        return (np.int64(lead & 0x1F) << 6) | np.int64(data[index + 1] & 0x3F), 2
    if lead < 0xF0:
        return (np.int64(lead & 0x0F) << 12) | (np.int64(data[index + 1] & 0x3F) << 6) | np.int64(data[index + 2] & 0x3F), 3
    return (
        (np.int64(lead & 0x07) << 18) | (np.int64(data[index + 1] & 0x3F) << 12)
        | (np.int64(data[index + 2] & 0x3F) << 6) | np.int64(data[index + 3] & 0x3F)
    ), 4
