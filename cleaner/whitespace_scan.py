"""The compiled check behind :func:`cleaner.normalize.needs_collapsing` for large batches.

Whether a row needs its whitespace collapsed was five Polars scans (a class of ASCII
whitespace, two spaces, a space at either end) and a sixth, a regex of the non-ASCII
whitespace, over the rows with a non-ASCII character: 36 ms for the 181,000 lines (10 MB) of
the dev pages' text dumps. One pass over the lines' UTF-8 bytes decides every condition at
once, eight bytes at a time where they are printable ASCII. The characters are those of
:data:`cleaner.normalize.WHITESPACE` (Python's ``str.split()``), spelled here as their UTF-8
bytes; tests compare both ways on every code point.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from cleaner.compiled import compiled, read_u64

_HIGH_BITS = uint64(0x8080808080808080)
_LOW_BITS = uint64(0x7F7F7F7F7F7F7F7F)
_SPACES = uint64(0x2020202020202020)
_TO_PRINTABLE = uint64(0x6060606060606060)
"""Added to a byte below 0x80, sets its high bit exactly when the byte is 0x20 or more."""


@compiled
def uncollapsed_rows(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """For each row ``data[offsets[i]:offsets[i + 1]]``: whether it has whitespace other than
    single spaces between other characters."""
    n = offsets.shape[0] - 1
    found = np.zeros(n, dtype=np.bool_)
    for row in range(n):
        start, end = offsets[row], offsets[row + 1]
        if end > start and data[end - 1] == 0x20:
            found[row] = True
            continue
        previous_space = True  # a space first in the row counts as a second space
        index = start
        while index < end and not found[row]:
            if index + 8 <= end:
                word = read_u64(data, index)
                if word & _HIGH_BITS == 0 and (word + _TO_PRINTABLE) & _HIGH_BITS == _HIGH_BITS:
                    not_space = word ^ _SPACES
                    spaces = ~(((not_space & _LOW_BITS) + _LOW_BITS) | not_space | _LOW_BITS)  # 0x80 in each space
                    carried = uint64(0x80) if previous_space else uint64(0)
                    found[row] = spaces & ((spaces << uint64(8)) | carried) != 0
                    previous_space = spaces >> uint64(63) != 0
                    index += 8
                    continue
            stop = min(index + 8, end)
            for at in range(index, stop):
                byte = data[at]
                if (byte == 0x20 and previous_space) or 0x09 <= byte <= 0x0D or 0x1C <= byte <= 0x1F:
                    found[row] = True
                    break
                if byte >= 0xC2 and _non_ascii_space(data, at, end):
                    found[row] = True
                    break
                previous_space = byte == 0x20
            index = stop
    return found


@njit(inline="always")
def _non_ascii_space(data: np.ndarray, index: int, end: int) -> bool:
    """Whether a whitespace character of beyond ASCII starts at ``data[index]``: U+0085, U+00A0,
    U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F or U+3000."""
    lead = data[index]
    second = data[index + 1] if index + 1 < end else 0
    if lead == 0xC2:
        return second == 0x85 or second == 0xA0
    if index + 2 >= end:
        return False
    third = data[index + 2]
    if lead == 0xE1:
        return second == 0x9A and third == 0x80
    if lead == 0xE2:
        if second == 0x80:
            return third <= 0x8A or third == 0xA8 or third == 0xA9 or third == 0xAF
        return second == 0x81 and third == 0x9F
    if lead == 0xE3:
        return second == 0x80 and third == 0x80
    return False
