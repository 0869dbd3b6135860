"""Signatures stage: shingles of each paragraph and their MinHash, computed a batch at a time.

Shingles are word n-grams of the normalised text (``normalize.py``). Each word is hashed once
with xxh3-64 (per batch, over the batch's vocabulary), and an n-gram's hash folds its words'
hashes with a fixed mixing step, so no shingle string is ever built. ``shingle_hash`` is the
same function on a shingle's UTF-8 bytes (words separated by single spaces): give it to
``datasketch.MinHash(hashfunc=shingle_hash, scheme="affine64")`` and the signatures are equal
bit for bit (a test shows it).

The permutation family is datasketch's ``affine64``: the 64-bit hash is pre-mixed with the
MurmurHash3 finaliser (xor-shift-multiply on all 64 bits), then ``a * h + b`` modulo 2^64 with
odd ``a``. The field notes measured correlated bands with multiply-add-shift on 32-bit folded
hashes; a mixing family on the full 64 bits did not show them.

Short paragraphs are handled deliberately: fewer than ``min_words`` words get no signature
(only exact duplicates are found for them), so two-word headings never collide; text written
without spaces (one long "word", e.g. Chinese or Japanese) is shingled by characters instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import xxhash

from cleaner.normalize import words as python_words
from cleaner.normalize import words_expr

SCHEME = "affine64"
_FOLD_SEED = np.uint64(0x243F6A8885A308D3)
_FOLD_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_PARAGRAPHS_PER_CHUNK = 4096
_PERMUTATIONS_PER_CHUNK = 32


@dataclass(frozen=True)
class SignatureParams:
    """Everything that defines a signature; persisted with any saved signature."""

    num_perm: int = 128
    seed: int = 1
    shingle_words: int = 3
    char_ngram: int = 5
    min_words: int = 6
    scheme: str = SCHEME
    hash: str = "xxh3_64 per word, folded (cleaner.signatures.shingle_hash)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping arithmetic is intended)."""
    shift, m1, m2 = _FMIX
    values = values ^ (values >> shift)
    values = values * m1
    values = values ^ (values >> shift)
    values = values * m2
    return values ^ (values >> shift)


def token_hash(word: str) -> int:
    """64-bit hash of one word."""
    return xxhash.xxh3_64_intdigest(word.encode("utf-8"))


def fold_hashes(hashes: list[int]) -> int:
    """Combine word hashes into a shingle hash (order-sensitive)."""
    value = np.array([_FOLD_SEED], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for item in hashes:
            value = fmix64((value ^ np.uint64(item)) * _FOLD_MULTIPLIER)
    return int(value[0])


def shingle_hash(shingle: bytes) -> int:
    """A shingle's hash from its bytes: the ``hashfunc`` that makes datasketch agree with cleaner."""
    return fold_hashes([token_hash(word) for word in shingle.decode("utf-8").split(" ")])


def shingles_of(normalized: str, params: SignatureParams) -> list[bytes]:
    """The shingles of one normalised paragraph as bytes (for datasketch and for tests)."""
    tokens = _tokens(python_words(normalized), params)
    n = params.shingle_words
    if not tokens:
        return []
    if len(tokens) <= n:
        return [" ".join(tokens).encode("utf-8")]
    return [" ".join(tokens[i : i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)]


def _tokens(paragraph_words: list[str], params: SignatureParams) -> list[str]:
    """Words, or character n-grams for text without spaces; empty when too short to compare."""
    if len(paragraph_words) <= 2 and sum(len(w) for w in paragraph_words) >= 4 * params.char_ngram:
        letters = "".join(paragraph_words)
        k = params.char_ngram
        grams = [letters[i : i + k] for i in range(len(letters) - k + 1)]
        return grams if len(grams) >= params.min_words else []
    return paragraph_words if len(paragraph_words) >= params.min_words else []


def shingle_hashes(normalized: pl.Series, params: SignatureParams, word_lists: pl.Series | None = None) -> pl.Series:
    """Shingle hashes of each normalised paragraph, as a ``list[u64]`` Series (vectorised).

    ``word_lists`` (the words of ``normalized``) can be passed when already computed.
    """
    if word_lists is None:
        word_lists = normalized.to_frame("n").select(words_expr(pl.col("n")).alias("w"))["w"]
    lengths = word_lists.list.len().to_numpy().astype(np.int64)
    flat = word_lists.explode().drop_nulls()
    vocabulary = flat.unique(maintain_order=True)
    vocab_hashes = np.fromiter((token_hash(w) for w in vocabulary.to_list()), dtype=np.uint64, count=len(vocabulary))
    index = flat.to_frame("w").join(
        vocabulary.to_frame("w").with_row_index("i"), on="w", how="left", maintain_order="left"
    )["i"].to_numpy()
    values, counts = _ngram_hashes(vocab_hashes[index], lengths, params)
    special: dict[int, np.ndarray] = {}
    char_rows = np.flatnonzero((lengths <= 2) & (normalized.str.len_chars().fill_null(0).to_numpy() >= 4 * params.char_ngram))
    for row in char_rows:
        tokens = _tokens(word_lists[int(row)].to_list(), params)
        hashes = np.array([token_hash(t) for t in tokens], dtype=np.uint64)
        special[int(row)] = _fold_windows(hashes, params) if tokens else np.empty(0, dtype=np.uint64)
    if special:
        rows = np.split(values, np.cumsum(counts)[:-1]) if len(counts) else []
        for row, hashes in special.items():
            rows[row] = hashes
            counts[row] = len(hashes)
        values = np.concatenate(rows) if rows else values
    return lists_from_flat("shingles", counts, values)


def lists_from_flat(name: str, counts: np.ndarray, values: np.ndarray) -> pl.Series:
    """A ``list[u64]`` Series from flat values and a count per row, without a Python loop."""
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    array = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values, pa.uint64()))
    return pl.Series(name, pl.from_arrow(array)).cast(pl.List(pl.UInt64))


def _fold_windows(word_hashes: np.ndarray, params: SignatureParams) -> np.ndarray:
    """Hashes of all n-gram windows of one paragraph's word hashes (one window if it is shorter)."""
    n = min(params.shingle_words, len(word_hashes))
    count = len(word_hashes) - n + 1
    value = np.full(count, _FOLD_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            value = fmix64((value ^ word_hashes[k : k + count]) * _FOLD_MULTIPLIER)
    return value


def _ngram_hashes(word_hashes: np.ndarray, lengths: np.ndarray, params: SignatureParams) -> tuple[np.ndarray, np.ndarray]:
    """Flat n-gram hashes of the whole batch and their count per paragraph (vectorised).

    A paragraph with at least ``min_words`` words but no more than ``shingle_words`` has one
    shingle of all its words; a shorter one has none.
    """
    n = params.shingle_words
    eligible = lengths >= params.min_words
    windows = np.where(eligible, np.maximum(lengths - n + 1, 1), 0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    starts = np.repeat(offsets[:-1], windows) + (np.arange(windows.sum()) - np.repeat(np.cumsum(windows) - windows, windows))
    width = np.minimum(lengths, n)
    value = np.full(len(starts), _FOLD_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        if (width[eligible] == n).all():
            for k in range(n):
                value ^= word_hashes[starts + k]
                value *= _FOLD_MULTIPLIER
                value = fmix64(value)
        else:
            window_width = np.repeat(width, windows)
            for k in range(n):
                active = window_width > k
                value[active] = fmix64((value[active] ^ word_hashes[starts[active] + k]) * _FOLD_MULTIPLIER)
    return value, windows.astype(np.int64)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own ``affine64`` permutation parameters ``(a, b)`` for this seed."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME, hashfunc=shingle_hash).permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def minhash_signatures(shingles: pl.Series, params: SignatureParams) -> np.ndarray:
    """MinHash signatures, ``(rows, num_perm)`` uint64; rows without shingles hold the maximum."""
    a, b = permutations(params.num_perm, params.seed)
    lengths = shingles.list.len().to_numpy().astype(np.int64)
    flat = shingles.explode().drop_nulls().to_numpy().astype(np.uint64, copy=False)
    mixed = fmix64(flat) if len(flat) else flat
    signatures = np.full((len(lengths), params.num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    nonempty = np.flatnonzero(lengths > 0)
    for start in range(0, len(nonempty), _PARAGRAPHS_PER_CHUNK):
        rows = nonempty[start : start + _PARAGRAPHS_PER_CHUNK]
        lo, hi = offsets[rows[0]], offsets[rows[-1] + 1]
        chunk = mixed[lo:hi]
        segment_starts = offsets[rows] - lo
        buffer = np.empty((_PERMUTATIONS_PER_CHUNK, len(chunk)), dtype=np.uint64)
        for p in range(0, params.num_perm, _PERMUTATIONS_PER_CHUNK):
            q = min(p + _PERMUTATIONS_PER_CHUNK, params.num_perm)
            permuted = buffer[: q - p]
            np.multiply(a[p:q, None], chunk[None, :], out=permuted)
            np.add(permuted, b[p:q, None], out=permuted)
            signatures[rows, p:q] = np.minimum.reduceat(permuted, segment_starts, axis=1).T
    return signatures


def to_lean_minhash(signature: np.ndarray, params: SignatureParams) -> Any:
    """One signature as a ``datasketch.LeanMinHash`` (usable in datasketch's own LSH indexes)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=params.seed, hashvalues=np.asarray(signature, dtype=np.uint64), scheme=params.scheme)
