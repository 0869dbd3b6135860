"""Clusters stage: group verified copies into clusters without chaining.

Exact copies (same normalised text) are one *group* from the start; near-duplicate detection
runs on one representative per group: candidates (``candidates``), then exact verification
(``verify``), then clusters here.

Union-find over the edges alone would chain: A~B and B~C put A and C together even when
they share nothing. So clusters are stars: within each connected component the paragraph
that the canonical rule ranks first becomes the centre, every other member must itself pass
the rule against the centre, and members that do not are clustered again among themselves.
The similarity a paragraph reports is therefore always its similarity to its own canonical.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import polars as pl

from cleaner.duplicates.banding import BandSource
from cleaner.duplicates.candidates import candidate_pairs
from cleaner.duplicates.verify import MatchRule, ShingleSets, verify_pairs

MEMBERS = pl.Schema(
    {
        "canonical": pl.Int64,
        "similarity": pl.Float64,
        "containment": pl.Float64,
        "match": pl.String,
    }
)
"""Each paragraph's cluster, aligned with the paragraphs given: ``canonical`` is the row of its
cluster's canonical paragraph (its own row for the canonical); ``match`` is ``canonical``,
``exact`` (same normalised text as the canonical, scores 1.0), ``near`` or ``contained``.
Rows, not keys: at 10M paragraphs joins on string keys cost more memory than anything else."""


def exact_groups(norm_keys: pl.Series, ranks: np.ndarray) -> pl.DataFrame:
    """:data:`MEMBERS` when only exact copies (same normalised text) are clustered."""
    frame = pl.DataFrame({"norm_key": norm_keys, "rank": ranks}).with_row_index("row")
    best = frame.group_by("norm_key").agg(pl.col("row").sort_by("rank").first().alias("canonical"))
    canonical = frame.join(best, on="norm_key", how="left", maintain_order="left")["canonical"].to_numpy().astype(np.int64)
    is_canonical = canonical == np.arange(len(canonical), dtype=np.int64)
    return pl.DataFrame(
        {
            "canonical": canonical,
            "similarity": np.ones(len(canonical)),
            "containment": np.ones(len(canonical)),
            "match": np.where(is_canonical, "canonical", "exact"),
        },
        schema=MEMBERS,
    )


def components(n: int, edges: pl.DataFrame) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes: its component's smallest node
    (``components.smallest_node_labels``, the labels the Spark engine gives)."""
    if edges.height == 0:
        return np.arange(n, dtype=np.int64)
    # numba loads only where a kernel runs
    from cleaner.duplicates.components import smallest_node_labels

    return smallest_node_labels(n, edges["a"].to_numpy().astype(np.int64), edges["b"].to_numpy().astype(np.int64))


ComponentLabels = Callable[[int, pl.DataFrame], np.ndarray]
"""``(n, edges) -> label per node``: :func:`components`, or an engine's (on a cluster)."""


_MATCHES = (None, "near", "contained", "canonical")
"""Codes of a pair's ``match`` inside :func:`star_clusters` (0: no match)."""


def _match_codes(match: pl.Series) -> np.ndarray:
    return match.replace_strict({"near": 1, "contained": 2}, default=0, return_dtype=pl.UInt8).to_numpy()


def star_clusters(
    ranks: np.ndarray, edges: pl.DataFrame, shingles: ShingleSets, rule: MatchRule, components_of: ComponentLabels | None = None
) -> pl.DataFrame:
    """Assign each representative to a canonical representative, with no chaining.

    ``ranks[rid]`` orders representatives by the canonical rule (lower first); ``edges`` are
    the verified candidate pairs (:func:`~cleaner.duplicates.verify.verify_pairs`). Returns
    ``rid, centre, jaccard, containment, match`` for every representative, in rid order.

    Worked on arrays: each round's centres by sorting the active representatives by component
    and rank, each member's score against its centre by a binary search of the sorted pair
    codes. At 10,000,000 paragraphs the Polars frames joined on labels and pair codes took the
    run to its peak (7.1 GB resident, sampled); on arrays this step stays under 6.7 GB.
    """
    components_of = components_of or components
    n = len(ranks)
    codes = (edges["a"].to_numpy().astype(np.uint64) << np.uint64(32)) | edges["b"].to_numpy().astype(np.uint64)
    jaccard = edges["jaccard"].to_numpy()
    containment = edges["containment"].to_numpy()
    matches = _match_codes(edges["match"])
    if not bool(np.all(codes[1:] > codes[:-1])):  # verification gives them sorted: no copies then
        order = np.argsort(codes, kind="stable")
        codes, jaccard, containment, matches = codes[order], jaccard[order], containment[order], matches[order]
        del order
    centre_of = np.full(n, -1, dtype=np.int64)
    jaccard_of = np.ones(n, dtype=np.float64)
    containment_of = np.ones(n, dtype=np.float64)
    match_of = np.full(n, 3, dtype=np.uint8)
    active = np.arange(n, dtype=np.int64)
    known = codes[matches > 0]
    while len(active):
        labels = components_of(n, _pairs_frame(known))[active]
        by_component = np.lexsort((active, ranks[active], labels))
        sorted_labels = labels[by_component]
        opens = np.concatenate([[True], sorted_labels[1:] != sorted_labels[:-1]])
        centre = np.empty(len(active), dtype=np.int64)
        centre[by_component] = active[by_component][opens][np.cumsum(opens) - 1]
        centres = active[centre == active]
        centre_of[centres] = centres
        member, member_centre = active[centre != active], centre[centre != active]
        low, high = np.minimum(member, member_centre), np.maximum(member, member_centre)
        wanted = (low.astype(np.uint64) << np.uint64(32)) | high.astype(np.uint64)
        at = np.minimum(np.searchsorted(codes, wanted), max(len(codes) - 1, 0))
        missing = np.unique(wanted[codes[at] != wanted]) if len(codes) else np.unique(wanted)
        if len(missing):
            fresh = verify_pairs(_pairs_frame(missing), shingles, rule)
            codes = np.concatenate([codes, missing])
            jaccard = np.concatenate([jaccard, fresh["jaccard"].to_numpy()])
            containment = np.concatenate([containment, fresh["containment"].to_numpy()])
            matches = np.concatenate([matches, _match_codes(fresh["match"])])
            order = np.argsort(codes, kind="stable")
            codes, jaccard, containment, matches = codes[order], jaccard[order], containment[order], matches[order]
            at = np.searchsorted(codes, wanted)
        accepted = matches[at] > 0
        joined = member[accepted]
        centre_of[joined] = member_centre[accepted]
        jaccard_of[joined] = jaccard[at[accepted]]
        containment_of[joined] = containment[at[accepted]]
        match_of[joined] = matches[at[accepted]]
        active = member[~accepted]
        if len(active) == 0:
            break
        # the rejected are clustered again among themselves, over the edges between them
        keep = np.zeros(n, dtype=bool)
        keep[active] = True
        known = known[_within(known, keep)]
        both = _within(codes, keep)
        codes, jaccard, containment, matches = codes[both], jaccard[both], containment[both], matches[both]
    return pl.DataFrame(
        {
            "rid": np.arange(n, dtype=np.int64),
            "centre": centre_of,
            "jaccard": jaccard_of,
            "containment": containment_of,
            "match": pl.Series(match_of).replace_strict(dict(enumerate(_MATCHES)), return_dtype=pl.String),
        }
    )


def _within(codes: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Whether both sides of each pair code ``a << 32 | b`` are kept."""
    return keep[(codes >> np.uint64(32)).astype(np.int64)] & keep[(codes & np.uint64(0xFFFFFFFF)).astype(np.int64)]


def _pairs_frame(codes: np.ndarray) -> pl.DataFrame:
    """``a, b`` of pair codes ``a << 32 | b``."""
    return pl.DataFrame(
        {"a": (codes >> np.uint64(32)).astype(np.uint32), "b": (codes & np.uint64(0xFFFFFFFF)).astype(np.uint32)}
    )


class SignatureSource(BandSource, Protocol):
    """Signatures once per normalised text (``duplicates.store.SignatureStore``): ``frame`` holds
    ``norm_key, anchors``; band keys, shingle sizes and shingle sets are read by row."""

    @property
    def frame(self) -> pl.DataFrame: ...

    @property
    def shingle_counts(self) -> np.ndarray: ...

    def shingle_values_of(self, rows: np.ndarray) -> np.ndarray: ...

    def rows_of(self, norm_keys: pl.Series) -> np.ndarray: ...


def near_duplicate_groups(
    norm_keys: pl.Series,
    ranks: np.ndarray,
    signatures: SignatureSource,
    rule: MatchRule,
    max_bucket: int,
    components_of: ComponentLabels | None = None,
    on_step: Callable[[str], None] | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Cluster paragraphs (their ``norm_keys`` and canonical ``ranks``) into :data:`MEMBERS`.

    ``signatures`` holds each normalised text's signatures once (exact copies share them).
    One representative per exact group (its best-ranked copy) takes part in candidate search
    and verification; every copy inherits its representative's cluster and scores. Shingle
    sets are loaded after candidate search, for the representatives in some pair only. Also
    returns counts for the manifest (representatives, candidate pairs, edges by kind).
    ``on_step`` hears the name of each step as it begins (candidates, verification, clusters).
    """
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    para_rows = signatures.rows_of(norm_keys)
    by_rank = np.argsort(ranks, kind="stable")
    _, first = np.unique(para_rows[by_rank], return_index=True)
    first.sort()
    representative = by_rank[first]  # the paragraph of each representative, best-ranked first
    del by_rank, first
    rows = para_rows[representative]
    rid_of_row = np.full(len(signatures.shingle_counts), -1, dtype=np.int64)
    rid_of_row[rows] = np.arange(len(rows), dtype=np.int64)
    para_rid = rid_of_row[para_rows]
    del rid_of_row
    lap("representatives")
    announce = on_step or (lambda name: None)
    announce("candidates")
    pairs = candidate_pairs(signatures, signatures.frame["anchors"], rows, max_bucket)
    lap("candidates")
    announce("verification")
    paired = np.unique(np.concatenate([pairs["a"].to_numpy(), pairs["b"].to_numpy()]).astype(np.int64))
    store_rows = rows[paired]
    order = np.argsort(store_rows, kind="stable")
    loaded = store_rows[order]
    position = np.full(len(rows), -1, dtype=np.int64)
    position[paired[order]] = np.arange(len(paired), dtype=np.int64)
    shingles = ShingleSets.from_flat(
        signatures.shingle_values_of(loaded), signatures.shingle_counts[loaded], position, signatures.shingle_counts[rows]
    )
    del loaded, position, order, store_rows
    lap("load_shingles")
    edges = verify_pairs(pairs, shingles, rule)
    statistics = {
        "seconds": seconds,
        "representatives": len(rows),
        "with_signature": int(signatures.has_bands[rows].sum()),
        "shingle_sets_loaded": len(paired),
        "candidate_pairs": pairs.height,
        "near_edges": edges.filter(pl.col("match") == "near").height,
        "contained_edges": edges.filter(pl.col("match") == "contained").height,
    }
    del pairs, paired
    lap("verification")
    announce("clusters")
    stars = star_clusters(np.arange(len(rows)), edges, shingles, rule, components_of)
    del edges, shingles
    lap("star_clusters")
    centre = stars["centre"].to_numpy()
    canonical = representative[centre[para_rid]]
    exact = para_rows == para_rows[canonical]
    is_canonical = canonical == np.arange(len(canonical), dtype=np.int64)
    scores = stars.select("jaccard", "containment", "match")[para_rid]
    members = pl.DataFrame({"canonical": canonical}).hstack(scores).with_columns(
        pl.when(pl.Series(is_canonical)).then(pl.lit("canonical"))
        .when(pl.Series(exact)).then(pl.lit("exact"))
        .otherwise(pl.col("match")).alias("match"),
        pl.when(pl.Series(exact)).then(pl.lit(1.0)).otherwise(pl.col("jaccard")).alias("similarity"),
        pl.when(pl.Series(exact)).then(pl.lit(1.0)).otherwise(pl.col("containment")).alias("containment"),
    )
    lap("assignment")
    return members.select(*MEMBERS).cast(MEMBERS), statistics
