"""The compiled searches of a large batch: the article regions (:func:`regions.article_regions`
for every document at once), and the best run of lines turned down (:func:`best_rejected_runs`,
for :func:`results.strip_confidence`).

In Python, Kadane's search ran once per document and once more per stretch beside each region
found: 4,167 calls on the dev pages, 42-67 ms of a 1.3 s batch, with the scores made a list of
floats first. Here one loop reads the batch's score array: 1.4-2.2 ms. Compiling it cold takes
1.6 s, once per machine and numba version (written with scalar stores: with tuples stored into
array rows, 3.6 s). The arithmetic is the same (IEEE doubles, added in the same order), so the
regions are the same; a test compares both ways.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cleaner.compiled import compiled


@compiled
def batch_regions(
    scores: np.ndarray, bounds: np.ndarray, barrier: float, crossing_share: float, least_threshold: float, threshold_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(regions, offsets)``: every document's regions as ``[start, end)`` rows of global unit
    indices (``bounds[d]`` to ``bounds[d + 1]`` are document ``d``'s units), sorted within a
    document; document ``d``'s are rows ``offsets[d]`` to ``offsets[d + 1]``."""
    n_docs = bounds.shape[0] - 1
    regions = np.empty((scores.shape[0] + 1, 2), dtype=np.int64)
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    # stretches still to search beside the regions found: [lo, hi) and the side (0: before, 1: after)
    pending_lo = np.empty(2 * scores.shape[0] + 4, dtype=np.int64)
    pending_hi = np.empty(2 * scores.shape[0] + 4, dtype=np.int64)
    pending_side = np.empty(2 * scores.shape[0] + 4, dtype=np.int64)
    count = 0
    for doc in range(n_docs):
        lo_doc, hi_doc = bounds[doc], bounds[doc + 1]
        start, end, total = _best_run(scores, lo_doc, hi_doc)
        first = count
        if total > 0:
            regions[count, 0], regions[count, 1] = start, end
            count += 1
            threshold = max(least_threshold, threshold_share * total)
            pending_lo[0], pending_hi[0], pending_side[0] = lo_doc, start, 0
            pending_lo[1], pending_hi[1], pending_side[1] = end, hi_doc, 1
            depth = 2
            while depth > 0:
                depth -= 1
                lo, hi, side = pending_lo[depth], pending_hi[depth], pending_side[depth]
                if hi - lo <= 0:
                    continue
                a, b, sub_total = _best_run(scores, lo, hi)
                if sub_total < threshold:
                    continue
                if sub_total < crossing_share * total:
                    between_lo, between_hi = (b, start) if side == 0 else (end, a)
                    crossed = False
                    for index in range(between_lo, between_hi):
                        if scores[index] <= barrier:
                            crossed = True
                            break
                    if crossed:
                        continue
                regions[count, 0], regions[count, 1] = a, b
                count += 1
                pending_lo[depth], pending_hi[depth], pending_side[depth] = lo, a, side
                pending_lo[depth + 1], pending_hi[depth + 1], pending_side[depth + 1] = b, hi, side
                depth += 2
        for i in range(first + 1, count):  # insertion sort by start: the regions are disjoint
            key_start, key_end = regions[i, 0], regions[i, 1]
            j = i - 1
            while j >= first and regions[j, 0] > key_start:
                regions[j + 1, 0], regions[j + 1, 1] = regions[j, 0], regions[j, 1]
                j -= 1
            regions[j + 1, 0], regions[j + 1, 1] = key_start, key_end
        offsets[doc + 1] = count
    return regions[:count], offsets


@njit(inline="always")
def _best_run(scores: np.ndarray, lo: int, hi: int) -> tuple[int, int, float]:
    """:func:`regions.best_run` of ``scores[lo:hi]``, as global indices."""
    best_start, best_end, best_total = lo, lo, 0.0
    start, total = lo, 0.0
    for index in range(lo, hi):
        if total <= 0:
            start, total = index, 0.0
        total += scores[index]
        if total > best_total:
            best_start, best_end, best_total = start, index + 1, total
    return best_start, best_end, best_total


@compiled
def best_rejected_runs(doc: np.ndarray, scores: np.ndarray, kept: np.ndarray, n_docs: int) -> np.ndarray:
    """Each document's best-scoring run of consecutive lines not kept (0.0 when none scores
    above 0): the strongest article that was turned down. ``doc`` is sorted.

    Within each stretch of lines not kept, a run ending at a line scores its prefix sum minus
    the lowest prefix sum before it (0 included): the arithmetic of the Polars way
    (:func:`results.strip_confidence`), in the same order, so the figures are equal bit for bit
    (a test compares them). One loop instead of two windowed passes over the batch: 31-33 ->
    1.6 ms on the dev pages' 181,000 lines (best of 5, both ways in one process, one Polars
    thread), of a strip of about 1.1 s.
    """
    rejected = np.zeros(n_docs)
    prefix, lowest, previous_doc = 0.0, 0.0, -1
    for line in range(doc.shape[0]):
        if kept[line] or doc[line] != previous_doc:
            prefix, lowest = 0.0, 0.0
        previous_doc = doc[line]
        if kept[line]:
            continue
        prefix += scores[line]
        rejected[doc[line]] = max(rejected[doc[line]], prefix - lowest)
        lowest = min(lowest, prefix)
    return rejected
