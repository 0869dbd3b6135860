"""LSH banding: how MinHash signatures are cut into bands, and each band's key.

``choose_bands`` picks ``rows`` per band as the largest number that still makes a pair at
exactly the Jaccard threshold a candidate with probability >= ``target`` (0.95), so that
recall over all pairs at or above the threshold is >= 0.99. datasketch's
false-positive/false-negative "optimum" for 0.8 and 128 permutations, 9 bands x 13 rows,
loses about 8% (field notes: candidate recall 0.92 measured). Fewer rows per band means more
false candidates, which verification removes. The banding is chosen once per run, from the
configuration, and carried in :class:`signatures.SignatureParams`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from cleaner.duplicates.signatures import SignatureParams, permutations
from cleaner.schemas import flat_from_lists

CANDIDATE_TARGET = 0.95
"""Probability that a pair exactly at the threshold becomes a candidate."""


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, target: float = CANDIDATE_TARGET) -> tuple[int, int]:
    """``(bands, rows)`` with the most rows per band whose candidate probability at ``threshold`` >= ``target``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if candidate_probability(threshold, bands, rows) >= target:
            best = (bands, rows)
    return best


def band_keys(shingles: pl.Series, params: SignatureParams) -> np.ndarray:
    """``(rows, bands)`` 64-bit keys of each paragraph's MinHash signature cut in ``params.bands``
    bands; a band's key folds its index and its rows (``signatures.fold_hashes`` of
    ``[band, *rows]``). The signatures are made and folded paragraph by paragraph in the
    compiled kernel, never held whole. Rows without shingles get keys of no meaning: drop them.
    """
    from cleaner.duplicates import (
        kernel,  # numba loads in 0.15 s: imported only where a kernel runs
    )

    a, b = permutations(params.num_perm, params.seed)
    flat, counts = flat_from_lists(shingles)
    return kernel.minhash_band_keys(flat, counts, a, b, params.bands, params.rows)


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




def describe_banding(threshold: float, bands: int, rows: int) -> dict[str, float]:
    """The banding used for a threshold and its candidate probabilities, for the manifest."""
    return {
        "bands": bands,
        "rows": rows,
        "p_candidate_at_threshold": round(candidate_probability(threshold, bands, rows), 4),
        "p_candidate_at_half_threshold": round(candidate_probability(threshold / 2, bands, rows), 4),
        "threshold_estimate": round((1 / bands) ** (1 / rows), 4) if bands and rows else math.nan,
    }
