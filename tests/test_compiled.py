"""The helpers every compiled kernel shares."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
from pathlib import Path
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


WIDTH_CHECK = """
import numba
import numpy as np
from cleaner.duplicates import kernel
from cleaner.duplicates.signatures import permutations
a, b = permutations(128, 1)
shingles = np.random.default_rng(7).integers(0, 2**63, 5_000, dtype=np.uint64)
counts = np.array([0, 1, 3, 4, 5, 17, 970, 4000], dtype=np.int64)
keys = kernel.minhash_band_keys(shingles, counts, a, b, 42, 3)
print(str(numba.config.CPU_FEATURES).endswith("-prefer-256-bit"), hex(int(np.bitwise_xor.reduce(keys.ravel()))))
"""


def test_the_command_s_processes_vectorise_at_full_width_with_the_same_keys(tmp_path: Path) -> None:
    runs = {}
    for command_process in ("1", ""):
        environment = {key: value for key, value in os.environ.items() if key != "NUMBA_CPU_FEATURES"}
        environment.update({COMMAND_PROCESS: command_process, "NUMBA_CACHE_DIR": str(tmp_path / command_process)})
        done = subprocess.run([sys.executable, "-c", WIDTH_CHECK], env=environment, capture_output=True, text=True, check=True)
        runs[command_process] = done.stdout.split()
    assert runs["1"][0] == "True" and runs[""][0] == "False"
    assert runs["1"][1] == runs[""][1]


def test_a_user_s_numba_cpu_features_win_in_the_command_s_processes() -> None:
    environment = {**os.environ, COMMAND_PROCESS: "1", "NUMBA_CPU_FEATURES": "+sse2"}
    check = "import numba, cleaner.compiled; print(numba.config.CPU_FEATURES)"
    done = subprocess.run([sys.executable, "-c", check], env=environment, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "+sse2"
