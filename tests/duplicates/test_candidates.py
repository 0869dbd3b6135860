"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates.banding import candidate_probability, choose_bands
from cleaner.duplicates.candidates import bucket_pairs


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9])
def test_banding_keeps_recall_at_the_threshold(threshold: float) -> None:
    bands, rows = choose_bands(threshold, 128)
    assert bands * rows <= 128
    assert candidate_probability(threshold, bands, rows) >= 0.95
    grid = np.linspace(threshold, 1.0, 50)
    assert np.mean([candidate_probability(j, bands, rows) for j in grid]) >= 0.99


def test_buckets_hold_every_pair_of_equal_keys_and_only_near_collisions_besides() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64)
    keys[:300] = keys[1000:1300]  # 300 true pairs
    keys[2000] = (keys[5] & np.uint64(0xFFFFFFFF00000000)) | np.uint64(1)  # same upper half as key 5, different key
    rids = np.arange(len(keys), dtype=np.uint64)
    codes = bucket_pairs(rids, keys, max_bucket=100)
    found = {(int(c >> np.uint64(32)), int(c & np.uint64(0xFFFFFFFF))) for c in codes}
    exact = {(i, j) for i in range(len(keys)) for j in np.flatnonzero(keys == keys[i]) if i < j}
    assert exact <= found
    assert all(keys[a] >> np.uint64(32) == keys[b] >> np.uint64(32) for a, b in found)
    assert (5, 2000) in found  # a collision of upper halves is only an extra candidate


def test_giant_buckets_become_stars() -> None:
    rids = np.arange(12, dtype=np.uint64)
    keys = np.array([7] * 10 + [3, 3], dtype=np.uint64) << np.uint64(40)
    assert len(np.unique(bucket_pairs(rids, keys, max_bucket=100))) == 45 + 1
    star = np.unique(bucket_pairs(rids, keys, max_bucket=5))
    assert len(star) == 9 + 1
    assert {int(code >> np.uint64(32)) for code in star} == {0, 10}


def _reference_pairs(rids: list[int], keys: list[int], max_bucket: int) -> set[tuple[int, int]]:
    buckets: dict[int, list[int]] = {}
    for rid, key in zip(rids, keys):
        buckets.setdefault(key >> 32, []).append(rid)
    pairs = set()
    for members in buckets.values():
        distinct = sorted(set(members))
        if len(members) > max_bucket:
            pairs |= {(distinct[0], other) for other in distinct[1:]}
        else:
            pairs |= {(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :]}
    return pairs


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(st.tuples(st.integers(0, 30), st.sampled_from([0, 1, 2, 3, 2**40, 2**63 + 5])), max_size=60),
    max_bucket=st.integers(1, 8),
)
def test_bucket_pairs_are_every_pair_sharing_a_key_and_stars_above_the_cap(entries: list[tuple[int, int]], max_bucket: int) -> None:
    rids = [rid for rid, _ in entries]
    keys = [(key << 20) % 2**64 | (rid % 7) for rid, key in entries]  # low bits differ: only the upper half counts
    codes = bucket_pairs(np.array(rids, dtype=np.uint64), np.array(keys, dtype=np.uint64), max_bucket)
    found = [(int(code >> np.uint64(32)), int(code & np.uint64(0xFFFFFFFF))) for code in codes]
    assert all(a < b for a, b in found)
    assert set(found) == _reference_pairs(rids, keys, max_bucket)
