"""Pairs of the members of sorted runs, compiled by numba: the pairs of paragraphs that share
an LSH bucket or a sentence (candidate search), and of documents that share a cluster.

Both were NumPy array programs over every member (masks, repeats, cumulative sums, a gather
per pair) or a Polars self-join. At 1,000,000 paragraphs the 43 buckets' array programs took
2.7 s of CPU for pairs that one pass over the sorted keys writes directly.
"""

from __future__ import annotations

import numpy as np

from cleaner.compiled import compiled

_LOW_HALF = np.uint64(0xFFFFFFFF)


@compiled
def bucket_pair_codes(packed: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of members that share a bucket, as ``a << 32 | b`` with ``a < b``.

    ``packed`` is sorted; each value is a bucket's key in its upper 32 bits and a member in
    its lower 32, so a bucket is a run of equal upper halves with its members ascending. A
    member twice in a bucket pairs once; a bucket of more than ``max_bucket`` values is a star:
    its smallest member paired with each other one."""
    n = packed.shape[0]
    total = 0
    start = 0
    while start < n:
        end = start + 1
        distinct = 1
        while end < n and (packed[end] >> np.uint64(32)) == (packed[start] >> np.uint64(32)):
            if packed[end] != packed[end - 1]:
                distinct += 1
            end += 1
        total += distinct - 1 if end - start > max_bucket else distinct * (distinct - 1) // 2
        start = end
    codes = np.empty(total, dtype=np.uint64)
    at = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and (packed[end] >> np.uint64(32)) == (packed[start] >> np.uint64(32)):
            end += 1
        if end - start > 1:
            star = end - start > max_bucket
            for j in range(start + 1, end):
                if packed[j] == packed[j - 1]:
                    continue
                later = packed[j] & _LOW_HALF
                if star:
                    codes[at] = ((packed[start] & _LOW_HALF) << np.uint64(32)) | later
                    at += 1
                    continue
                for i in range(start, j):
                    if i > start and packed[i] == packed[i - 1]:
                        continue
                    codes[at] = ((packed[i] & _LOW_HALF) << np.uint64(32)) | later
                    at += 1
        start = end
    return codes


@compiled
def ordered_pairs(members: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Every pair within each run ``members[starts[k]:starts[k + 1]]`` (ascending, no value
    twice) as one number, ``later << 32 | earlier``: the pairs of documents that share a cluster,
    ready to be counted as plain integers."""
    total = 0
    for run in range(starts.shape[0] - 1):
        size = starts[run + 1] - starts[run]
        total += size * (size - 1) // 2
    pairs = np.empty(total, dtype=np.uint64)
    at = 0
    for run in range(starts.shape[0] - 1):
        for j in range(starts[run] + 1, starts[run + 1]):
            later = np.uint64(members[j]) << np.uint64(32)
            for i in range(starts[run], j):
                pairs[at] = later | np.uint64(members[i])
                at += 1
    return pairs
