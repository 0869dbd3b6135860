"""Verification stage: every candidate pair compared exactly on its shingle sets.

For each pair, Jaccard ``|A∩B| / |A∪B|`` and containment ``|A∩B| / min(|A|, |B|)`` are
measured on the exact shingle sets, not estimated from signatures. A pair is an edge when

* ``near``: Jaccard >= ``jaccard_threshold``, or
* ``contained``: containment >= ``containment_threshold`` and the smaller side has at least
  ``min_contained_words`` shingles (an abridged copy, or a quote inside a longer paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

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
    """The distinct shingle hashes of every representative, without copying them out.

    ``lists`` holds one ``list[u64]`` of distinct hashes per paragraph (the signature stage
    writes them distinct); ``rows[rid]`` is the paragraph of representative ``rid``.
    Verification gathers the two sides of a chunk of pairs, so its memory stays at one chunk
    however many pairs there are, and no copy of the representatives' shingles is ever made.
    """

    chunks: tuple[pl.Series, ...]  # the lists' chunks, one ``list[u64]`` per paragraph
    chunk_ends: np.ndarray  # int64, the row after each chunk's last
    rows: np.ndarray  # int64, the paragraph that each representative is
    counts: np.ndarray  # int64, distinct shingles per representative

    @classmethod
    def from_lists(cls, lists: pl.Series) -> ShingleSets:
        """Sets from lists that may repeat values (one representative per list)."""
        distinct = lists.list.unique()
        return cls.for_rows(distinct, np.arange(len(distinct), dtype=np.int64))

    @classmethod
    def for_rows(cls, distinct_lists: pl.Series, rows: np.ndarray, counts: np.ndarray | None = None) -> ShingleSets:
        """Sets of representatives whose lists are ``distinct_lists[rows]``; a row of -1 means a
        set that was not loaded (its size comes from ``counts``, and reading it is an error)."""
        if counts is None:
            counts = distinct_lists.list.len().fill_null(0).to_numpy().astype(np.int64)[rows]
        chunks = tuple(distinct_lists.get_chunks()) or (distinct_lists,)
        ends = np.cumsum([len(chunk) for chunk in chunks], dtype=np.int64)
        return cls(chunks, ends, rows, counts)

    def sizes(self, rids: np.ndarray) -> np.ndarray:
        return self.counts[rids]

    def gather(self, rids: np.ndarray) -> pl.Series:
        """The lists of ``rids``, in order, gathered chunk by chunk.

        ``Series.gather`` on a list column of many chunks is about 35x slower than on one
        chunk (Polars resolves every index across all chunks), so indices are split by chunk,
        each chunk gathered on its own, and the original order restored by one permutation.
        """
        rows = self.rows[rids]
        if len(rows) and rows.min() < 0:
            raise KeyError("the shingle set of a representative outside every candidate pair was not loaded")
        if len(self.chunks) == 1:
            return self.chunks[0].gather(rows)
        chunk_of_row = np.searchsorted(self.chunk_ends, rows, side="right")
        order = np.argsort(chunk_of_row, kind="stable")
        starts = np.concatenate([[0], self.chunk_ends[:-1]])
        by_chunk = rows[order] - starts[chunk_of_row[order]]
        bounds = np.searchsorted(chunk_of_row[order], np.arange(len(self.chunks) + 1))
        pieces = [
            self.chunks[c].gather(by_chunk[bounds[c] : bounds[c + 1]])
            for c in range(len(self.chunks))
            if bounds[c + 1] > bounds[c]
        ]
        gathered = pl.concat(pieces, rechunk=False) if pieces else self.chunks[0].clear()
        restore = np.empty(len(order), dtype=np.int64)
        restore[order] = np.arange(len(order), dtype=np.int64)
        return gathered.gather(restore)

    def shared(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Size of the intersection of the sets of ``a[i]`` and ``b[i]`` for each ``i``."""
        sides = pl.DataFrame({"a": self.gather(a), "b": self.gather(b)})
        return sides.select(pl.col("a").list.set_intersection("b").list.len())["a"].to_numpy().astype(np.int64)


VERIFY_CHUNK = 50_000
"""Pairs verified at once: bounds the memory of the gathered shingle lists."""


def verify_pairs(pairs: pl.DataFrame, shingles: ShingleSets, rule: MatchRule) -> pl.DataFrame:
    """Exact Jaccard and containment of ``pairs`` (``a, b``) on the representatives' shingle sets."""
    if pairs.height == 0:
        return pl.DataFrame(schema={**EDGES, "size_a": pl.UInt32, "size_b": pl.UInt32})
    parts = []
    for start in range(0, pairs.height, VERIFY_CHUNK):
        chunk = pairs.slice(start, VERIFY_CHUNK)
        a = chunk["a"].to_numpy().astype(np.int64)
        b = chunk["b"].to_numpy().astype(np.int64)
        parts.append(chunk.with_columns(
            pl.Series("shared", shingles.shared(a, b)), pl.Series("size_a", shingles.sizes(a)), pl.Series("size_b", shingles.sizes(b))
        ))
    scored = pl.concat(parts).with_columns(
        (pl.col("shared") / (pl.col("size_a") + pl.col("size_b") - pl.col("shared"))).fill_nan(0.0).alias("jaccard"),
        (pl.col("shared") / pl.min_horizontal("size_a", "size_b")).fill_nan(0.0).alias("containment"),
    )
    return (
        scored.with_columns(rule.match_expr().alias("match"))
        .select(*EDGES, pl.col("size_a").cast(pl.UInt32), pl.col("size_b").cast(pl.UInt32))
        .sort("a", "b")
    )
