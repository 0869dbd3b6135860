"""Candidates stage: which pairs of paragraphs are worth comparing exactly.

Two channels, both on arrays and Polars tables rather than dicts of objects:

* **LSH banding** (``banding``) on MinHash signatures finds pairs whose Jaccard similarity
  is near or above the threshold: paragraphs that share a band's key.
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

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import polars as pl

from cleaner.duplicates.banding import BandSource
from cleaner.schemas import flat_from_lists

PAIRS = pl.Schema({"a": pl.UInt32, "b": pl.UInt32})
"""Candidate pairs of representative indices, ``a < b``, unique."""


_HIGH_HALF = np.uint64(0xFFFFFFFF00000000)


def bucket_pairs(rids: np.ndarray, keys: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of ``rids`` that share a key, as ``a << 32 | b`` codes with ``a < b``.

    A pair appears once per key its two sides share; ``candidate_pairs`` removes repeats once
    for all bands.

    Sort-based: each key's upper 32 bits with its rid packed below them, sorted in one
    ``np.sort`` (several times faster than an argsort), so that runs of equal upper halves are
    buckets. A 32-bit collision between unrelated keys only adds candidate pairs, which exact
    verification rejects (about R**2 / 2**33 per band: 0.5% more candidates at 1M paragraphs).
    One compiled pass over the sorted values then writes the pairs of each run
    (:func:`~cleaner.duplicates.pairs.bucket_pair_codes`); a run above ``max_bucket`` becomes
    a star.
    """
    if len(keys) < 2:
        return np.empty(0, dtype=np.uint64)
    from cleaner.duplicates.pairs import bucket_pair_codes

    return bucket_pair_codes(np.sort((keys & _HIGH_HALF) | rids.astype(np.uint64)), max_bucket)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for a flat integer array: a sort and a mask, several times faster here."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


BAND_THREADS = 2
"""Bands whose buckets are found at once, on threads (NumPy's sorts and array operations
release the GIL): candidates of a 1,000,000-paragraph run took 2.4 s one band at a time, and
1.7-2.0 s so. At most this many bands, and their pairs, are in memory beside the merged pairs."""

_BANDS_PER_MERGE = 4
"""Pairs of this many bands are gathered before repeats are removed: most true pairs share
many bands, so merging in groups keeps memory near one group's pairs at little cost."""


def _anchor_pairs(anchors: pl.Series, rows: np.ndarray, rids: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of representatives (``rids``, paragraphs ``rows``) that share a sentence anchor."""
    values, counts = flat_from_lists(anchors.rechunk().gather(pl.Series(rows)))
    return bucket_pairs(np.repeat(rids, counts), values, max_bucket)


def candidate_pairs(bands: BandSource, anchors: pl.Series, rows: np.ndarray, max_bucket: int) -> pl.DataFrame:
    """All candidate pairs of representatives, from band keys (band by band) and sentence anchors.

    ``bands`` and ``anchors`` hold the keys of a set of paragraphs; representative ``rid`` is
    paragraph ``rows[rid]``. Only :data:`BAND_THREADS` bands of the representatives are in
    memory at a time.
    """
    rids = np.arange(len(rows), dtype=np.uint64)
    with_bands = bands.has_bands[rows]
    codes: list[np.ndarray] = []
    with ThreadPoolExecutor(BAND_THREADS) as pool:
        # the anchors' pairs (a third of the work at 1M paragraphs) are found beside the bands'
        anchored = pool.submit(_anchor_pairs, anchors, rows, rids, max_bucket)
        if with_bands.any():
            banded_rids, banded_rows = rids[with_bands], rows[with_bands]
            running: deque[Future[np.ndarray]] = deque()
            for band in range(bands.bands):
                running.append(pool.submit(bucket_pairs, banded_rids, bands.band(band)[banded_rows], max_bucket))
                if len(running) == BAND_THREADS:
                    codes.append(running.popleft().result())
                if len(codes) == _BANDS_PER_MERGE:
                    codes = [_sorted_unique(np.concatenate(codes))]
            codes.extend(future.result() for future in running)
        codes.append(anchored.result())
    merged = _sorted_unique(np.concatenate(codes))
    return pl.DataFrame(
        {"a": (merged >> np.uint64(32)).astype(np.uint32), "b": (merged & np.uint64(0xFFFFFFFF)).astype(np.uint32)},
        schema=PAIRS,
    )


