"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates import verify
from cleaner.duplicates.canonical import assign_canonical
from cleaner.duplicates.clusters import components, exact_groups, star_clusters
from cleaner.duplicates.verify import MatchRule, ShingleSets, verify_pairs


@settings(deadline=None)  # the first example may compile the kernels
@given(
    st.lists(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=4), min_size=1, max_size=5), min_size=1, max_size=5),
    st.data(),
)
def test_shingle_sets_gather_and_intersect_across_chunks_in_order(chunks: list[list[list[int]]], data: st.DataObject) -> None:
    lists = pl.concat([pl.Series("s", chunk, dtype=pl.List(pl.UInt64)) for chunk in chunks], rechunk=False)
    rows = np.array(data.draw(st.lists(st.integers(0, len(lists) - 1), max_size=8)), dtype=np.int64)
    rids = np.array(data.draw(st.lists(st.integers(0, max(len(rows) - 1, 0)), max_size=10 if len(rows) else 0)), dtype=np.int64)
    lists = pl.concat([chunk.list.unique(maintain_order=True) for chunk in lists.get_chunks()], rechunk=False)
    sets = ShingleSets.for_rows(lists, rows)
    assert sets.gather(rids).to_list() == lists.gather(rows[rids]).to_list()
    intersections = [len(set(lists[int(rows[x])]) & set(lists[int(rows[y])])) for x, y in zip(rids, rids[::-1])]
    assert sets.shared(rids, rids[::-1]).tolist() == intersections


@pytest.mark.parametrize("pairs", [2, 7, 1000])
def test_shared_shingles_counted_on_threads_equal_one_count(pairs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(pairs)
    lists = pl.Series([np.unique(rng.integers(0, 60, rng.integers(0, 40))).astype(np.uint64) for _ in range(50)], dtype=pl.List(pl.UInt64))
    sets = ShingleSets.from_lists(lists)
    a, b = rng.integers(0, 50, pairs), rng.integers(0, 50, pairs)
    expected = [len(set(lists[int(x)]) & set(lists[int(y)])) for x, y in zip(a, b)]
    assert sets.shared(a, b).tolist() == expected
    monkeypatch.setattr(verify, "PAIRS_PER_THREAD", 1)
    assert sets.shared(a, b).tolist() == expected


def _shingles(rows: dict[int, list[int]]) -> ShingleSets:
    return ShingleSets.from_lists(pl.Series([rows[r] for r in sorted(rows)], dtype=pl.List(pl.UInt64)))



def test_verification_scores_and_kinds() -> None:
    shingles = _shingles({0: list(range(20)), 1: list(range(2, 22)), 2: list(range(10)), 3: list(range(100, 120)), 4: [1, 2, 3]})
    pairs = pl.DataFrame({"a": [0, 0, 0, 0], "b": [1, 2, 3, 4]}, schema={"a": pl.UInt32, "b": pl.UInt32})
    edges = verify_pairs(pairs, shingles, MatchRule(jaccard_threshold=0.5, containment_threshold=0.8, min_contained_words=8))
    got = {row["b"]: (round(row["jaccard"], 3), row["containment"], row["match"]) for row in edges.iter_rows(named=True)}
    assert got[1] == (round(18 / 22, 3), 0.9, "near")
    assert got[2] == (0.5, 1.0, "near")
    assert got[3] == (0.0, 0.0, None)
    assert got[4] == (0.15, 1.0, None)  # contained, but too short to count


@settings(deadline=None)  # the first example may compile the kernel
@given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60))
def test_components_label_each_node_by_the_smallest_node_it_reaches(n: int, pairs: list[tuple[int, int]]) -> None:
    edges = pl.DataFrame([(a % n, b % n) for a, b in pairs], schema={"a": pl.UInt32, "b": pl.UInt32}, orient="row")
    reach = {node: {node} for node in range(n)}
    for a, b in edges.iter_rows():
        joined = reach[a] | reach[b]
        for node in joined:
            reach[node] = joined
    assert components(n, edges).tolist() == [min(reach[node]) for node in range(n)]


def test_clusters_do_not_chain() -> None:
    rule = MatchRule(jaccard_threshold=0.5)
    shingles = _shingles({0: list(range(0, 20)), 1: list(range(6, 26)), 2: list(range(12, 32))})
    pairs = pl.DataFrame({"a": [0, 1], "b": [1, 2]}, schema={"a": pl.UInt32, "b": pl.UInt32})
    edges = verify_pairs(pairs, shingles, rule)
    assert edges["match"].to_list() == ["near", "near"]
    stars = star_clusters(np.arange(3), edges, shingles, rule)
    assert dict(zip(stars["rid"], stars["centre"])) == {0: 0, 1: 0, 2: 2}


def test_exact_groups_and_assignment_work_on_rows_not_keys() -> None:
    paragraphs = pl.DataFrame(
        {"para_id": ["p0", "p1", "p2", "p3"], "doc_id": ["d0", "d0", "d1", "d2"], "norm_key": ["k" * 32, "j" * 32, "k" * 32, "k" * 32]}
    )
    members = exact_groups(paragraphs["norm_key"], np.array([3, 0, 1, 2], dtype=np.uint32))
    assert members["canonical"].to_list() == [2, 1, 2, 2]  # the best-ranked copy of each text
    assert members["match"].to_list() == ["exact", "canonical", "canonical", "exact"]
    assignment = assign_canonical(paragraphs, members)
    assert assignment["cluster_id"].to_list() == ["c" + "k" * 24, "c" + "j" * 24, "c" + "k" * 24, "c" + "k" * 24]
    assert assignment["is_canonical"].to_list() == [False, True, True, False]
    assert assignment["para_id"].to_list() == paragraphs["para_id"].to_list()


def _score(first: set[int], second: set[int], rule: MatchRule) -> tuple[float, float, str | None]:
    shared = len(first & second)
    union = len(first) + len(second) - shared
    jaccard = shared / union if union else 0.0
    smaller = min(len(first), len(second))
    containment = shared / smaller if smaller else 0.0
    if jaccard >= rule.jaccard_threshold:
        return jaccard, containment, "near"
    if containment >= rule.containment_threshold and smaller >= rule.min_contained_words:
        return jaccard, containment, "contained"
    return jaccard, containment, None


def _reference_stars(sets: list[set[int]], pairs: set[tuple[int, int]], rule: MatchRule) -> list[tuple[int, int, float, float, str]]:
    """The documented star rule, one component at a time: the best-ranked node (the smallest
    here) is the centre, members that match it join it, the others are clustered again among
    themselves over the matching edges between them."""
    matching = {pair for pair in pairs if _score(sets[pair[0]], sets[pair[1]], rule)[2] is not None}
    assigned: dict[int, tuple[int, float, float, str]] = {}
    active = set(range(len(sets)))
    while active:
        label = {node: node for node in active}
        changed = True
        while changed:
            changed = False
            for a, b in matching:
                if a in active and b in active and label[a] != label[b]:
                    label[a] = label[b] = min(label[a], label[b])
                    changed = True
        rejected = set()
        for node in active:
            centre = min(other for other in active if label[other] == label[node])
            if node == centre:
                assigned[node] = (node, 1.0, 1.0, "canonical")
                continue
            jaccard, containment, match = _score(sets[min(node, centre)], sets[max(node, centre)], rule)
            if match is None:
                rejected.add(node)
            else:
                assigned[node] = (centre, jaccard, containment, match)
        active = rejected
    return [(node, *assigned[node]) for node in range(len(sets))]


@settings(max_examples=200, deadline=None)
@given(
    sets=st.lists(st.sets(st.integers(0, 11), min_size=1, max_size=9), min_size=1, max_size=12),
    pairs=st.sets(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40),
    min_contained=st.sampled_from([1, 3, 8]),
)
def test_star_clusters_follow_the_documented_rule(sets: list[set[int]], pairs: set[tuple[int, int]], min_contained: int) -> None:
    rule = MatchRule(jaccard_threshold=0.5, containment_threshold=0.8, min_contained_words=min_contained)
    n = len(sets)
    candidates = {(min(a % n, b % n), max(a % n, b % n)) for a, b in pairs if a % n != b % n}
    shingles = _shingles({node: sorted(values) for node, values in enumerate(sets)})
    frame = pl.DataFrame(sorted(candidates), schema={"a": pl.UInt32, "b": pl.UInt32}, orient="row")
    edges = verify_pairs(frame, shingles, rule)
    stars = star_clusters(np.arange(n), edges, shingles, rule)
    assert stars.rows() == _reference_stars(sets, candidates, rule)
    assert star_clusters(np.arange(n), edges.reverse(), shingles, rule).equals(stars)  # edges in any order
