"""numba's compiler set up once for every kernel of cleaner: compiled on first use, cached on disk.

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
