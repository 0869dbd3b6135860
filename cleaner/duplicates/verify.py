"""Verification stage: every candidate pair compared exactly on its shingle sets.

For each pair, Jaccard ``|A∩B| / |A∪B|`` and containment ``|A∩B| / min(|A|, |B|)`` are
measured on the exact shingle sets, not estimated from signatures. A pair is an edge when

* ``near``: Jaccard >= ``jaccard_threshold``, or
* ``contained``: containment >= ``containment_threshold`` and the smaller side has at least
  ``min_contained_words`` shingles (an abridged copy, or a quote inside a longer paragraph).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from cleaner.schemas import flat_from_lists, lists_from_flat

VERIFY_THREADS = 2
"""Threads that count the candidate pairs' shared shingles at once. Each probes its own small
table and reads the shared sets, so the work divides evenly: verification of the 881,261
candidate pairs of a 1,000,000-paragraph run took 1.26-1.46 s on one thread and 0.73-0.93 s on
two (three runs each, alternating, on 2 cores; the same tables)."""
PAIRS_PER_THREAD = 50_000
"""Below this many pairs per thread, one call on the caller's thread (a few milliseconds of
work, where threads are not worth starting; a guard, not a tuned value)."""

EDGES = pl.Schema(
    {"a": pl.UInt32, "b": pl.UInt32, "jaccard": pl.Float64, "containment": pl.Float64, "match": pl.String}
)


@dataclass(frozen=True)
class MatchRule:
    """When two paragraphs are copies of each other (see the module docstring)."""

    jaccard_threshold: float = 0.5
    containment_threshold: float = 0.8
    min_contained_words: int = 8

    def match_expr(self) -> pl.Expr:
        near = pl.col("jaccard") >= self.jaccard_threshold
        contained = (pl.col("containment") >= self.containment_threshold) & (
            pl.min_horizontal("size_a", "size_b") >= self.min_contained_words
        )
        return pl.when(near).then(pl.lit("near")).when(contained).then(pl.lit("contained")).otherwise(pl.lit(None))


@dataclass(frozen=True)
class ShingleSets:
    """The distinct shingle hashes of every representative, as flat arrays.

    ``values[starts[k]:starts[k + 1]]`` is loaded set ``k``; ``rows[rid]`` is the loaded set
    of representative ``rid`` (-1: not loaded, and reading it is an error) and ``counts[rid]``
    its number of distinct shingles. A pair's shared shingles are counted by
    ``intersect.shared_counts``: verification of a 1,000,000-paragraph run took 1.8 s with
    Polars' ``list.set_intersection`` on the gathered lists, and 1.0 s so.
    """

    values: np.ndarray  # uint64, the loaded sets, one after another
    starts: np.ndarray  # int64, where each loaded set starts in ``values`` (and where the last ends)
    rows: np.ndarray  # int64, the loaded set of each representative
    counts: np.ndarray  # int64, distinct shingles per representative

    @classmethod
    def from_lists(cls, lists: pl.Series) -> ShingleSets:
        """Sets from lists that may repeat values (one representative per list)."""
        distinct = lists.list.unique()
        return cls.for_rows(distinct, np.arange(len(distinct), dtype=np.int64))

    @classmethod
    def for_rows(cls, distinct_lists: pl.Series, rows: np.ndarray, counts: np.ndarray | None = None) -> ShingleSets:
        """Sets of representatives whose lists (of distinct values) are ``distinct_lists[rows]``;
        a row of -1 means a set that was not loaded (its size comes from ``counts``)."""
        values, lengths = flat_from_lists(distinct_lists)
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        if counts is None:
            counts = lengths[rows]
        return cls(values, starts, rows, counts)

    def sizes(self, rids: np.ndarray) -> np.ndarray:
        return self.counts[rids]

    def _loaded(self, rids: np.ndarray) -> np.ndarray:
        rows = self.rows[rids]
        if len(rows) and rows.min() < 0:
            raise KeyError("the shingle set of a representative outside every candidate pair was not loaded")
        return rows

    def gather(self, rids: np.ndarray) -> pl.Series:
        """The sets of ``rids``, in order, as lists."""
        rows = self._loaded(rids)
        lengths = self.starts[rows + 1] - self.starts[rows]
        first = np.repeat(self.starts[rows] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return lists_from_flat("shingles", lengths, self.values[first + np.arange(int(lengths.sum()), dtype=np.int64)])

    def shared(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Size of the intersection of the sets of ``a[i]`` and ``b[i]`` for each ``i``, the
        pairs cut into :data:`VERIFY_THREADS` runs counted on threads at once (the compiled
        loop releases the GIL)."""
        from cleaner.duplicates.intersect import (
            shared_counts,  # numba loads only where a kernel runs
        )

        left, right = self._loaded(a), self._loaded(b)
        if len(left) < VERIFY_THREADS * PAIRS_PER_THREAD:
            return shared_counts(self.values, self.starts, left, right)
        cuts = np.linspace(0, len(left), VERIFY_THREADS + 1).astype(np.int64)
        with ThreadPoolExecutor(VERIFY_THREADS) as pool:
            parts = pool.map(
                lambda start, end: shared_counts(self.values, self.starts, left[start:end], right[start:end]), cuts[:-1], cuts[1:]
            )
            return np.concatenate(list(parts))


def verify_pairs(pairs: pl.DataFrame, shingles: ShingleSets, rule: MatchRule) -> pl.DataFrame:
    """Exact Jaccard and containment of ``pairs`` (``a, b``) on the representatives' shingle sets."""
    if pairs.height == 0:
        return pl.DataFrame(schema={**EDGES, "size_a": pl.UInt32, "size_b": pl.UInt32})
    a = pairs["a"].to_numpy().astype(np.int64)
    b = pairs["b"].to_numpy().astype(np.int64)
    scored = pairs.with_columns(
        pl.Series("shared", shingles.shared(a, b)), pl.Series("size_a", shingles.sizes(a)), pl.Series("size_b", shingles.sizes(b))
    ).with_columns(
        (pl.col("shared") / (pl.col("size_a") + pl.col("size_b") - pl.col("shared"))).fill_nan(0.0).alias("jaccard"),
        (pl.col("shared") / pl.min_horizontal("size_a", "size_b")).fill_nan(0.0).alias("containment"),
    )
    edges = scored.with_columns(rule.match_expr().alias("match")).select(
        *EDGES, pl.col("size_a").cast(pl.UInt32), pl.col("size_b").cast(pl.UInt32)
    )
    # candidate search gives its pairs in order already; sorting them again copied every
    # column of the edges (about 0.1 GB of verification's peak at 10,000,000 paragraphs)
    codes = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    return edges if bool(np.all(codes[1:] > codes[:-1])) else edges.sort("a", "b")
