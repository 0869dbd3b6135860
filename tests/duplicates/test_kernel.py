"""The compiled map kernel: the same bits as the definitions, and compiled once per machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates import kernel
from cleaner.duplicates.banding import band_keys
from cleaner.duplicates.signatures import (
    SignatureParams,
    fold_hashes,
    minhash_signatures,
    permutations,
    shingle_hash,
    shingle_hashes,
    shingles_of,
    token_hash,
)
from cleaner.normalize import normalize_text

WORDS = st.lists(st.sampled_from(["red", "fox", "ran", "far", "away", "now", "über", "1,000"]), max_size=14)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6), st.integers(1, 5), st.integers(1, 8))
def test_folded_shingles_are_the_hashes_of_the_shingle_bytes(paragraphs: list[list[str]], width: int, min_words: int) -> None:
    lengths = np.array([len(words) for words in paragraphs], dtype=np.int64)
    word_hashes = np.array([token_hash(w) for words in paragraphs for w in words], dtype=np.uint64)
    flat, counts = kernel.fold_shingles(word_hashes, lengths, width, min_words)
    expected: list[int] = []
    for words, count in zip(paragraphs, counts):
        if len(words) < min_words:
            assert count == 0
            continue
        windows = [words[i : i + width] for i in range(max(len(words) - width + 1, 1))]
        assert count == len(windows)
        expected.extend(shingle_hash(" ".join(window).encode("utf-8")) for window in windows)
    assert flat.tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=12), min_size=1, max_size=5), st.sampled_from([(16, 1), (42, 3), (8, 16)]))
def test_band_keys_fold_each_band_of_the_datasketch_signature(shingle_lists: list[list[int]], banding: tuple[int, int]) -> None:
    bands, rows = banding
    params = SignatureParams(bands=bands, rows=rows)
    shingles = pl.Series("shingles", shingle_lists, dtype=pl.List(pl.UInt64))
    keys = band_keys(shingles, params)
    signatures = minhash_signatures(shingles, params)
    for row, hashes in enumerate(shingle_lists):
        if not hashes:
            continue
        reference = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine64", hashfunc=int)
        reference.update_batch(hashes)
        assert np.array_equal(signatures[row], reference.hashvalues)
        expected = [fold_hashes([band, *reference.hashvalues[band * rows : (band + 1) * rows].tolist()]) for band in range(bands)]
        assert keys[row].tolist() == expected


def test_signature_of_a_paragraph_does_not_depend_on_its_batch() -> None:
    params = SignatureParams()
    texts = [normalize_text(t) for t in ["One two three four five six seven.", "Short.", "Eight nine ten eleven twelve thirteen fourteen."]]
    together = band_keys(shingle_hashes(pl.Series(texts), params), params)
    for row, text in enumerate(texts):
        if shingles_of(text, params):
            assert np.array_equal(band_keys(shingle_hashes(pl.Series([text]), params), params)[0], together[row])


def test_a_permutation_family_of_another_size_works() -> None:
    a, b = permutations(64, 7)
    hashes = np.array([1, 2, 3, 2**63], dtype=np.uint64)
    signature = kernel.minhash(hashes, np.array([4], dtype=np.int64), a, b)[0]
    reference = MinHash(num_perm=64, seed=7, scheme="affine64", hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(signature, reference.hashvalues)


CALL_KERNEL = """
import json, numpy as np
from cleaner.duplicates import kernel
flat, counts = kernel.fold_shingles(np.arange(9, dtype=np.uint64), np.array([9], dtype=np.int64), 3, 6)
a = np.ones(8, dtype=np.uint64)
kernel.minhash_band_keys(flat, counts, a, a, 2, 4)
print(json.dumps({name: sum(getattr(kernel, name).stats.cache_hits.values()) for name in ("fold_shingles", "minhash_band_keys")}))
"""


def test_the_kernel_is_compiled_once_and_then_loaded_from_the_cache(tmp_path: Path) -> None:
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def cache_hits() -> dict[str, int]:
        done = subprocess.run([sys.executable, "-c", CALL_KERNEL], env=environment, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    assert cache_hits() == {"fold_shingles": 0, "minhash_band_keys": 0}
    assert any(tmp_path.rglob("*.nbi"))
    assert cache_hits() == {"fold_shingles": 1, "minhash_band_keys": 1}
