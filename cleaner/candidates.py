"""Candidates stage: which pairs of paragraphs are worth comparing exactly.

Two channels, both on arrays and Polars tables rather than dicts of objects:

* **LSH banding** on MinHash signatures finds pairs whose Jaccard similarity is near or above
  the threshold. ``choose_bands`` picks ``rows`` per band as the largest number that still
  makes a pair at exactly the threshold a candidate with probability >= ``target`` (0.95),
  so that recall over all pairs at or above the threshold is >= 0.99 (datasketch's
  false-positive/false-negative "optimum" for 0.8 and 128 permutations, 9 x 13, loses about
  8%). Fewer rows per band means more false candidates; verification removes them.
* **Sentence anchors** find abridged copies and quotes embedded in longer paragraphs. Their
  Jaccard similarity is low (the shorter side is a small part of the union) but they share
  whole sentences, so paragraphs sharing a normalised sentence of at least
  ``min_contained_words`` words become candidates and are checked for containment.

Buckets are found by sorting each band's keys (arrays, no dict of objects). Giant buckets
(a band value or sentence shared by thousands of paragraphs) would emit quadratically many
pairs: a bucket larger than ``max_bucket`` is linked as a star, every member paired with its
first member, which keeps it connected at linear cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from cleaner.signatures import _FOLD_SEED, HashedTokens, fold_into, lists_from_flat

PAIRS = pl.Schema({"a": pl.UInt32, "b": pl.UInt32})
"""Candidate pairs of representative indices, ``a < b``, unique."""


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, target: float = 0.95) -> tuple[int, int]:
    """``(bands, rows)`` with the most rows per band whose candidate probability at ``threshold`` >= ``target``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if candidate_probability(threshold, bands, rows) >= target:
            best = (bands, rows)
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band and row of ``signatures``; the band index is mixed in."""
    n = signatures.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    scratch = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            value = np.full(n, _FOLD_SEED, dtype=np.uint64)
            fold_into(value, np.uint64(band), scratch)
            for k in range(band * rows, (band + 1) * rows):
                fold_into(value, signatures[:, k], scratch)
            keys[:, band] = value
    return keys


_ANCHOR_BASE = np.uint64(0x9FB21C651E98DF25)
_ANCHOR_BASE_INVERSE = np.uint64(pow(int(_ANCHOR_BASE), -1, 1 << 64))


def anchor_hashes(hashed: HashedTokens, min_words: int) -> pl.Series:
    """Hashes of each paragraph's sentences of at least ``min_words`` words (``list[u64]``, sorted, unique).

    A sentence is a run of words between sentence marks (``normalize.SENTENCE_MARKS``). Its
    hash is a polynomial in its word hashes, ``sum(h[i] * B**-(i - start))`` modulo 2**64
    (``B`` odd, so invertible), mixed with its length: prefix sums make every sentence of the
    batch cost O(1), with no string built and no Python loop.
    """
    n = len(hashed.lengths)
    starts = np.flatnonzero(hashed.sentence_start)
    ends = np.append(starts[1:], len(hashed.word_hashes)).astype(np.int64)
    sizes = ends - starts
    long_enough = sizes >= min_words
    starts, ends, sizes = starts[long_enough], ends[long_enough], sizes[long_enough]
    with np.errstate(over="ignore"):
        inverse_powers = _powers(_ANCHOR_BASE_INVERSE, len(hashed.word_hashes))
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(hashed.word_hashes * inverse_powers, dtype=np.uint64)])
        polynomial = (prefix[ends] - prefix[starts]) * _powers(_ANCHOR_BASE, len(hashed.word_hashes))[starts]
        value = np.full(len(starts), _FOLD_SEED, dtype=np.uint64)
        scratch = np.empty(len(starts), dtype=np.uint64)
        fold_into(value, polynomial, scratch)
        fold_into(value, sizes.astype(np.uint64), scratch)
    paragraph_of_word = np.repeat(np.arange(n), hashed.lengths)
    anchors = (
        pl.DataFrame({"row": paragraph_of_word[starts], "h": value}, schema={"row": pl.Int64, "h": pl.UInt64})
        .unique()
        .sort("row", "h")
    )
    counts = np.bincount(anchors["row"].to_numpy(), minlength=n).astype(np.int64)
    return lists_from_flat("anchors", counts, anchors["h"].to_numpy())


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """``base ** i`` modulo 2**64 for ``i`` in ``range(count)``."""
    powers = np.full(count, base, dtype=np.uint64)
    if count:
        powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


_LOW_HALF = np.uint64(0xFFFFFFFF)
_HIGH_HALF = np.uint64(0xFFFFFFFF00000000)


def bucket_pairs(rids: np.ndarray, keys: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of ``rids`` that share a key, as ``a << 32 | b`` codes with ``a < b``.

    A pair appears once per key its two sides share (once, when every rid holds one key, as in
    an LSH band); ``candidate_pairs`` removes repeats once for all bands.

    Sort-based: each key's upper 32 bits with its rid packed below them, sorted in one
    ``np.sort`` (several times faster than an argsort), so that runs of equal upper halves are
    buckets. A 32-bit collision between unrelated keys only adds candidate pairs, which exact
    verification rejects (about R**2 / 2**33 per band: 0.5% more candidates at 1M paragraphs).
    Keys held by one paragraph only, the vast majority, are dropped right after the sort. Runs
    of two (by far the most common) are paired without a Python loop; a run above
    ``max_bucket`` becomes a star.
    """
    if len(keys) < 2:
        return np.empty(0, dtype=np.uint64)
    packed = np.sort((keys & _HIGH_HALF) | rids.astype(np.uint64))
    high = packed >> np.uint64(32)
    same_as_next = high[1:] == high[:-1]
    shared = np.zeros(len(keys), dtype=bool)
    shared[1:] |= same_as_next
    shared[:-1] |= same_as_next
    ordered, members = high[shared], packed[shared] & _LOW_HALF
    n = len(ordered)
    if n < 2:
        return np.empty(0, dtype=np.uint64)
    starts = np.concatenate([[0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1])
    sizes = np.diff(np.concatenate([starts, [n]]))
    run_size = np.repeat(sizes, sizes)
    run_end = np.repeat(starts + sizes, sizes)
    position = np.arange(n)
    small = run_size <= max_bucket
    after = np.where(small, run_end - position - 1, 0)
    total = int(after.sum())
    firsts = [np.repeat(members, after)]
    seconds = [members[np.repeat(position + 1 - (np.cumsum(after) - after), after) + np.arange(total)]]
    for start, size in zip(starts[sizes > max_bucket], sizes[sizes > max_bucket]):
        star = np.unique(members[start : start + size])
        firsts.append(np.full(len(star) - 1, star[0]))
        seconds.append(star[1:])
    a = np.concatenate(firsts).astype(np.uint64)
    b = np.concatenate(seconds).astype(np.uint64)
    low, high_side = np.minimum(a, b), np.maximum(a, b)
    distinct = low != high_side
    return (low[distinct] << np.uint64(32)) | high_side[distinct]


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for a flat integer array: a sort and a mask, several times faster here."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


_BANDS_PER_MERGE = 4
"""Pairs of this many bands are gathered before repeats are removed: most true pairs share
many bands, so merging in groups keeps memory near one group's pairs at little cost."""


class BandSource(Protocol):
    """Band keys of a set of paragraphs, read one band at a time (``SignatureStore`` spills them)."""

    bands: int

    @property
    def has_bands(self) -> np.ndarray: ...

    def band(self, band: int) -> np.ndarray: ...


@dataclass(frozen=True)
class BandLists:
    """Band keys held in memory, one list per paragraph (empty, or one key per band)."""

    keys: np.ndarray  # uint64, paragraphs x bands (0 where a paragraph has none)
    has_bands: np.ndarray
    bands: int

    @classmethod
    def from_lists(cls, lists: pl.Series) -> BandLists:
        lengths = lists.list.len().fill_null(0).to_numpy()
        bands = int(lengths.max()) if len(lengths) else 0
        has = lengths == bands if bands else np.zeros(len(lengths), dtype=bool)
        keys = np.zeros((len(lengths), bands), dtype=np.uint64)
        if has.any():
            keys[has] = lists.filter(pl.Series(has)).explode().to_numpy().reshape(-1, bands)
        return cls(keys, has, bands)

    def band(self, band: int) -> np.ndarray:
        return self.keys[:, band]


def candidate_pairs(bands: BandSource, anchors: pl.Series, rows: np.ndarray, max_bucket: int) -> pl.DataFrame:
    """All candidate pairs of representatives, from band keys (band by band) and sentence anchors.

    ``bands`` and ``anchors`` hold the keys of a set of paragraphs; representative ``rid`` is
    paragraph ``rows[rid]``. Only one band of the representatives is in memory at a time.
    """
    rids = np.arange(len(rows), dtype=np.uint64)
    with_bands = bands.has_bands[rows]
    codes = []
    if with_bands.any():
        banded_rids, banded_rows = rids[with_bands], rows[with_bands]
        for band in range(bands.bands):
            codes.append(bucket_pairs(banded_rids, bands.band(band)[banded_rows], max_bucket))
            if len(codes) == _BANDS_PER_MERGE:
                codes = [_sorted_unique(np.concatenate(codes))]
    chosen = anchors.rechunk().gather(pl.Series(rows))
    anchor_counts = chosen.list.len().to_numpy()
    codes.append(bucket_pairs(np.repeat(rids, anchor_counts), chosen.explode().drop_nulls().to_numpy(), max_bucket))
    merged = _sorted_unique(np.concatenate(codes))
    return pl.DataFrame(
        {"a": (merged >> np.uint64(32)).astype(np.uint32), "b": (merged & np.uint64(0xFFFFFFFF)).astype(np.uint32)},
        schema=PAIRS,
    )


def describe_banding(threshold: float, num_perm: int) -> dict[str, float]:
    """The banding used for a threshold and its candidate probabilities, for the manifest."""
    bands, rows = choose_bands(threshold, num_perm)
    return {
        "bands": bands,
        "rows": rows,
        "p_candidate_at_threshold": round(candidate_probability(threshold, bands, rows), 4),
        "p_candidate_at_half_threshold": round(candidate_probability(threshold / 2, bands, rows), 4),
        "threshold_estimate": round((1 / bands) ** (1 / rows), 4) if bands and rows else math.nan,
    }
