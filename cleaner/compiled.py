"""numba's compiler set up once for every kernel of cleaner (compiled on first use, cached on
disk), and the helpers the kernels share: UTF-8 decoding, and reads and copies of 4 or 8 bytes
of a byte array as one machine load (numba has no unaligned load of its own).

numba is a wheel from the package index (no compiler on the user's machine). A kernel is
compiled once per machine and numba version and loaded from :func:`cache_folder` after; the
modules that hold kernels import this one only when their stage runs, so a command that needs
none (``cleaner --help``, a small ``strip_text``) does not pay numba's 0.15 s import.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from cleaner.once import user_cache_folder

COMMAND_PROCESS = "_CLEANER_COMMAND_PROCESS"
"""Set (to ``1``) by the ``cleaner`` command for its own process and the workers it starts
(:func:`cleaner.__main__.main`): processes that run no numba code but cleaner's."""


def _load_numba_without_blas_probe() -> None:
    """Load numba's array support telling it that scipy has no BLAS.

    On loading it, numba imports ``scipy.linalg.cython_blas`` to learn whether ``np.dot`` and
    the like can compile. scipy 1.17 then imports ``scipy.linalg`` and, through its array-API
    layer, ``numpy.f2py``: 0.10-0.13 s of every run's 2.7 s on 100,000 paragraphs, on the path
    to the first batch's signatures (``-X importtime``). No kernel of cleaner uses linear
    algebra, so a process that runs no other numba code skips the probe. ``scipy.linalg``
    itself still imports normally afterwards; only numba's linear algebra stays unavailable in
    that process. A library caller's process is left as it is.
    """
    if "numba.np.arraymath" in sys.modules or "scipy.linalg.cython_blas" in sys.modules:
        return
    sys.modules["scipy.linalg.cython_blas"] = None  # type: ignore[assignment]
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg.cython_blas"]


FULL_WIDTH_VECTORS = "-prefer-256-bit"
"""The LLVM tuning flag that :func:`_prefer_full_width_vectors` turns off."""


def _prefer_full_width_vectors() -> None:
    """Let LLVM vectorise with the machine's widest registers (512 bits with AVX-512).

    LLVM's tuning for recent Intel server processors asks for 256-bit vectors, to avoid the
    clock slowdown that 512-bit instructions caused on older ones. MinHash's inner loop
    (a 64-bit multiply, add and minimum for every shingle and permutation) then runs 4 lanes at
    a time. With 8 lanes (an Emerald Rapids virtual machine, 2 cores), the signature kernel from
    the word hashes on (``benchmarks/dedup.py``'s measurement, five alternating pairs of fresh
    processes) ran 1.14-1.70x as fast in four pairs and 0.93x in one; the 1M-paragraph run's map
    stage went 13.2-13.6 -> 11.9-12.3 s (two runs each, alternating), the same bytes in every
    table. Without AVX-512 the flag changes nothing. numba keys its on-disk cache by these
    features, so the kernels compiled this way are cached apart. Like the BLAS probe, this is
    done in the ``cleaner`` command's own processes only, and a ``NUMBA_CPU_FEATURES`` the user
    set wins.
    """
    if numba.config.CPU_FEATURES is not None:
        return
    from numba.core.codegen import get_host_cpu_features

    features = get_host_cpu_features()
    if features:
        numba.config.CPU_FEATURES = f"{features},{FULL_WIDTH_VECTORS}"


if os.environ.get(COMMAND_PROCESS) == "1":
    _load_numba_without_blas_probe()
    _prefer_full_width_vectors()


def cache_folder() -> str:
    """Where the compiled kernels are kept: cleaner's folder in the user's cache
    (``$XDG_CACHE_HOME`` or ``~/.cache``), unless ``NUMBA_CACHE_DIR`` names another."""
    return numba.config.CACHE_DIR or str(user_cache_folder() / "numba")


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


def _contiguous_bytes(array_type: Any) -> bool:
    """Whether a numba type is a C-contiguous array of bytes, the only kind the loads take."""
    return isinstance(array_type, types.Array) and array_type.dtype == types.uint8 and array_type.layout == "C"


def _unaligned_load(bits: int) -> Any:
    """An intrinsic that reads ``bits // 8`` bytes of a ``uint8`` array from an index, in the
    machine's order, as one load: numba reads an array byte by byte, and LLVM cannot merge
    those reads (numba's negative-index wrap sits between them), so a word's XXH3 took 157
    byte loads."""

    @intrinsic
    def load(typing_context: Any, data: Any, index: Any) -> Any:
        if not _contiguous_bytes(data):
            return None  # the pointer arithmetic below ignores strides

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            array = context.make_array(signature.args[0])(context, builder, args[0])
            pointer = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(bits).as_pointer())
            value = builder.load(pointer, align=1)
            return builder.zext(value, ir.IntType(64)) if bits < 64 else value

        return types.uint64(data, index), codegen

    return load


_load_u64 = _unaligned_load(64)
_load_u32 = _unaligned_load(32)


LITTLE_ENDIAN = sys.byteorder == "little"


@njit(inline="always")
def read_u64(data: Any, at: int) -> np.uint64:
    """The 8 bytes ``data[at:at + 8]`` as a little-endian ``uint64``, in one load."""
    if LITTLE_ENDIAN:
        return _load_u64(data, at)
    value = np.uint64(0)
    for k in range(7, -1, -1):
        value = (value << np.uint64(8)) | np.uint64(data[at + k])
    return value


@njit(inline="always")
def read_u32(data: Any, at: int) -> np.uint64:
    """The 4 bytes ``data[at:at + 4]`` as a little-endian number, in one load."""
    if LITTLE_ENDIAN:
        return _load_u32(data, at)
    return np.uint64(data[at]) | (np.uint64(data[at + 1]) << np.uint64(8)) | (np.uint64(data[at + 2]) << np.uint64(16)) | (np.uint64(data[at + 3]) << np.uint64(24))


@intrinsic
def _copy8(typing_context: Any, source: Any, at: Any, target: Any, to: Any) -> Any:
    if not (_contiguous_bytes(source) and _contiguous_bytes(target)):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        word = ir.IntType(64).as_pointer()
        read = context.make_array(signature.args[0])(context, builder, args[0])
        written = context.make_array(signature.args[2])(context, builder, args[2])
        value = builder.load(builder.bitcast(builder.gep(read.data, [args[1]]), word), align=1)
        builder.store(value, builder.bitcast(builder.gep(written.data, [args[3]]), word), align=1)
        return context.get_dummy_value()

    return types.none(source, at, target, to), codegen


@njit(inline="always")
def copy8(source: Any, at: int, target: Any, to: int) -> None:
    """``target[to:to + 8] = source[at:at + 8]`` as one load and one store (both in bounds:
    the caller checks)."""
    _copy8(source, at, target, to)
