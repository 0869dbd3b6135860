"""The helpers every compiled kernel shares."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from cleaner.compiled import COMMAND_PROCESS, copy8, read_u32, read_u64


@njit
def _reads(data: np.ndarray, at: int) -> tuple[int, int]:
    return read_u64(data, at), read_u32(data, at)


@njit
def _copies(source: np.ndarray, at: int, target: np.ndarray, to: int) -> None:
    copy8(source, at, target, to)


def test_one_load_reads_bytes_as_little_endian_numbers_at_any_offset() -> None:
    data = np.arange(1, 20, dtype=np.uint8)
    for at in range(len(data) - 8):
        assert _reads(data, at) == (int.from_bytes(data[at : at + 8].tobytes(), "little"), int.from_bytes(data[at : at + 4].tobytes(), "little"))
    target = np.zeros(12, dtype=np.uint8)
    _copies(data, 3, target, 1)
    assert target.tolist() == [0, *data[3:11].tolist(), 0, 0, 0]


def test_a_strided_array_is_refused_not_misread() -> None:
    with pytest.raises(TypingError):
        _reads(np.arange(32, dtype=np.uint8)[::2], 0)


PROBE_CHECK = """
import sys
import numpy as np
from cleaner.duplicates import kernel
kernel.fold_shingles(np.arange(8, dtype=np.uint64), np.array([8], dtype=np.int64), 3, 6)
print("scipy.linalg" in sys.modules)
import scipy.linalg
print(float(scipy.linalg.norm(np.array([3.0, 4.0]))))
"""


@pytest.mark.parametrize(("command_process", "probed"), [("1", "False"), ("", "True")])
def test_only_the_command_s_processes_skip_numba_s_blas_probe(command_process: str, probed: str) -> None:
    environment = {**os.environ, COMMAND_PROCESS: command_process}
    done = subprocess.run([sys.executable, "-c", PROBE_CHECK], env=environment, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [probed, "5.0"]
