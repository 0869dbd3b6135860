"""The compiled part of the map stage: word hashes to shingle hashes, MinHash and band keys.

These loops are the map stage's arithmetic, compiled by numba (a wheel from the package index,
no compiler on the user's machine). Per paragraph, each shingle is mixed once and then runs
through all permutations while the signature stays in the CPU cache; band keys are folded from
the signature before the next paragraph, so no ``(paragraphs, permutations)`` matrix is ever
built. Measured on the dedup benchmark's 100,000 paragraphs (one thread): shingles, MinHash and
band keys from the word hashes took 0.67 s as NumPy array operations (150,000 paragraphs per
second) and take 0.16-0.18 s here (570,000-624,000); with the word hashing in front
(polars-hash), ``python benchmarks/dedup.py`` prints the kernel's rate from the tokens, on one
core: 396,000-414,000 over three runs.

The functions are compiled once and cached on disk (:func:`cleaner.compiled.cache_folder`). A cold
compile took 1.2-1.4 s, once per machine and numba version; loading from the cache costs each
process 0.5 s, numba's own start included (``benchmarks/dedup.py`` prints both).

Everything is wrapping 64-bit unsigned arithmetic, bit for bit the definitions in
``signatures`` (``fold_hashes``, ``fmix64``, datasketch's ``affine64``); the tests compare the
results with datasketch and with the pure-Python definitions.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from cleaner.compiled import compiled
from cleaner.duplicates.signatures import FMIX, FOLD_MULTIPLIER, FOLD_SEED

_SHIFT, _M1, _M2 = (uint64(constant) for constant in FMIX)
_FOLD_MULTIPLIER = uint64(FOLD_MULTIPLIER)
_FOLD_SEED = uint64(FOLD_SEED)
_MAX = uint64(0xFFFFFFFFFFFFFFFF)


@njit(inline="always")
def _fmix64(value: np.uint64) -> np.uint64:
    value ^= value >> _SHIFT
    value *= _M1
    value ^= value >> _SHIFT
    value *= _M2
    return value ^ (value >> _SHIFT)


@njit(inline="always")
def _fold(value: np.uint64, item: np.uint64) -> np.uint64:
    return _fmix64((value ^ item) * _FOLD_MULTIPLIER)


@njit(inline="always")
def _lower_signature(signature: np.ndarray, shingles: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """MinHash: each shingle, mixed once, lowers every permutation's minimum (``a * h + b``
    modulo 2**64, datasketch's ``affine64``)."""
    for shingle in shingles:
        mixed = _fmix64(shingle)
        for p in range(a.shape[0]):
            signature[p] = min(signature[p], a[p] * mixed + b[p])


@compiled
def separate_marks(token_hashes: np.ndarray, is_mark: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each paragraph's token hashes into its word hashes, its word count, and whether
    each word starts a sentence (the first of its paragraph, or the first after a mark)."""
    n = counts.shape[0]
    words = np.empty(token_hashes.shape[0] - is_mark.sum(), dtype=np.uint64)
    lengths = np.zeros(n, dtype=np.int64)
    sentence_start = np.empty(words.shape[0], dtype=np.bool_)
    start = 0
    word = 0
    for row in range(n):
        starts = True
        first_word = word
        for token in range(start, start + counts[row]):
            if is_mark[token]:
                starts = True
            else:
                words[word] = token_hashes[token]
                sentence_start[word] = starts
                starts = False
                word += 1
        start += counts[row]
        lengths[row] = word - first_word
    return words, lengths, sentence_start


@compiled
def fold_shingles(word_hashes: np.ndarray, lengths: np.ndarray, shingle_words: int, min_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of every paragraph, flat, and their count per paragraph.

    A paragraph of ``min_words`` words or more has one shingle per window of ``shingle_words``
    words (one of all its words if it is shorter than a window); a shorter paragraph has none.
    """
    n = lengths.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    total = 0
    for row in range(n):
        if lengths[row] >= min_words:
            counts[row] = max(lengths[row] - shingle_words + 1, 1)
            total += counts[row]
    out = np.empty(total, dtype=np.uint64)
    start = 0
    written = 0
    for row in range(n):
        length = lengths[row]
        width = min(length, shingle_words)
        for window in range(counts[row]):
            value = _FOLD_SEED
            for k in range(width):
                value = _fold(value, word_hashes[start + window + k])
            out[written] = value
            written += 1
        start += length
    return out, counts


@compiled
def minhash_band_keys(
    shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray, bands: int, rows: int
) -> np.ndarray:
    """``(paragraphs, bands)`` band keys of the MinHash signatures of each paragraph's shingles.

    A paragraph without shingles gets the keys of a signature of all ones (the maximum), as
    the NumPy definition did; the caller drops them.
    """
    n = counts.shape[0]
    num_perm = a.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    signature = np.empty(num_perm, dtype=np.uint64)
    start = 0
    for row in range(n):
        signature[:] = _MAX
        _lower_signature(signature, shingles[start : start + counts[row]], a, b)
        start += counts[row]
        for band in range(bands):
            value = _fold(_FOLD_SEED, uint64(band))
            for k in range(band * rows, (band + 1) * rows):
                value = _fold(value, signature[k])
            keys[row, band] = value
    return keys


@compiled
def minhash(shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(paragraphs, permutations)`` MinHash signatures; rows without shingles hold the maximum."""
    n = counts.shape[0]
    signatures = np.full((n, a.shape[0]), _MAX, dtype=np.uint64)
    start = 0
    for row in range(n):
        _lower_signature(signatures[row], shingles[start : start + counts[row]], a, b)
        start += counts[row]
    return signatures

