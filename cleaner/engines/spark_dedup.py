"""Deduplication as Spark jobs: the local stage's steps over DataFrames, no paragraph on the driver.

The same steps, and the same decisions, as ``cleaner.duplicates`` (a test compares the
tables byte for byte), each a function from DataFrames to a DataFrame:

1. :func:`ranked_paragraphs`: every paragraph's place in the canonical order, as a sortable
   struct of the rule's values (``canonical.RANK_COLUMNS``) rather than a global integer.
2. :func:`representatives`: the best-ranked copy of each normalised text, numbered in rank
   order (``rid``: increasing, not consecutive; only its order matters).
3. :func:`candidate_pairs`: pairs sharing the upper 32 bits of a band key or of a sentence
   anchor, buckets above ``max_bucket`` linked as stars around their first member.
4. :func:`verified_edges`: exact Jaccard and containment on the shingle sets, on the executors.
5. :func:`star_assignment`: connected components (large- and small-star rounds), then the
   local star clustering (``clusters.star_clusters``) over the whole components that each
   partition holds: a component is independent of every other, so the result is the local
   engine's.
6. :func:`assigned_paragraphs`, :func:`provenance`, :func:`duplicate_documents`: the canonical
   choice, each cluster's documents and sources, and ``duplicate_of``.

The driver only builds plans and collects a few counts; the one place one task holds a whole
group is a connected component of verified copies (its members' shingle sets).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cleaner.duplicates.canonical import ISO_DATE, WIDELY_SHARED_DOCUMENTS
from cleaner.duplicates.verify import EDGES, MatchRule, ShingleSets

_PAIR_SCHEMA = "a bigint, b bigint"
STAR_OUTPUT = "rid bigint, centre bigint, jaccard double, containment double, match string"


def _functions() -> Any:
    from pyspark.sql import functions

    return functions


def _has_date() -> Any:
    """Whether a document's ``date`` is one the canonical rule orders (``canonical.ISO_DATE``)."""
    F = _functions()
    return F.coalesce(F.col("date").rlike(ISO_DATE), F.lit(False))


def document_keys(documents: Any, prefer_sources: Sequence[str]) -> Any:
    """``doc_id, source, _undated, _date, _prefer``: the document-level steps of the canonical
    rule (``canonical._document_keys``), as values that sort the same way as its dense ranks."""
    F = _functions()
    has_date = _has_date()
    prefer = F.lit(len(prefer_sources))
    for rank, source in reversed(list(enumerate(prefer_sources))):
        prefer = F.when(F.col("source") == source, F.lit(rank)).otherwise(prefer)
    return documents.select(
        "doc_id",
        "source",
        (~has_date).alias("_undated"),
        F.when(has_date, F.col("date")).otherwise(F.lit("")).alias("_date"),
        prefer.alias("_prefer"),
    )


def ranked_paragraphs(paragraphs: Any, documents: Any, prefer_sources: Sequence[str]) -> Any:
    """``paragraphs`` with ``rank``: the struct (undated, date, preferred source, fewer words
    last, fewer characters last, ``doc_id``, position) whose order is the canonical order."""
    F = _functions()
    keys = document_keys(documents, prefer_sources).drop("source")
    return paragraphs.join(keys, "doc_id", "left").withColumn(
        "rank",
        F.struct(
            "_undated",
            "_date",
            "_prefer",
            (-F.col("n_tokens").cast("bigint")).alias("_neg_words"),
            (-F.col("n_chars").cast("bigint")).alias("_neg_chars"),
            "doc_id",
            "position",
        ),
    ).drop("_undated", "_date", "_prefer")


def representatives(ranked: Any, bands: int) -> Any:
    """One row per normalised text: its best-ranked copy (``para_id``), its signatures, and
    ``rid``, increasing in rank order. ``has_bands``: a full set of ``bands`` band keys."""
    F = _functions()
    signature = F.struct("para_id", "shingles", "band_keys", "anchors")
    best = ranked.groupBy("norm_key").agg(F.min("rank").alias("rank"), F.min_by(signature, "rank").alias("best"))
    # a sort range-partitions the rows, so an id of (partition, row in partition) follows it
    return (
        best.orderBy("rank")
        .withColumn("rid", F.monotonically_increasing_id())
        .select(
            "rid",
            "norm_key",
            F.col("best.para_id").alias("para_id"),
            F.col("best.shingles").alias("shingles"),
            F.col("best.band_keys").alias("band_keys"),
            F.col("best.anchors").alias("anchors"),
            (F.size("best.band_keys") == F.lit(bands)).alias("has_bands") if bands else F.lit(False).alias("has_bands"),
        )
    )


def _partition_frame(batches: Iterator[Any]) -> pl.DataFrame | None:
    """A partition's Arrow batches as one frame (``None``: the partition is empty)."""
    parts = [part for part in (pl.from_arrow(batch) for batch in batches) if isinstance(part, pl.DataFrame) and part.height]
    return pl.concat(parts, how="vertical") if parts else None


def pairs_in_buckets(batches: Iterator[Any], max_bucket: int) -> Iterator[Any]:
    """Run on an executor: ``candidates.bucket_pairs`` over the whole buckets of a partition.

    Rows are ``channel, bucket, key, rid``; every row of a bucket is in this partition. Rids are
    renumbered 0..k-1 in their order (``bucket_pairs`` packs them in 32 bits), so pairs come
    out ``a < b`` and a giant bucket's star centre is its smallest rid, as on the local engine.
    """
    import pyarrow as pa

    from cleaner.duplicates.candidates import bucket_pairs

    frame = _partition_frame(batches)
    if frame is None:
        return
    for entries in frame.partition_by("channel"):
        rids, local = np.unique(entries["rid"].to_numpy(), return_inverse=True)
        keys = entries["key"].to_numpy().astype(np.int64).view(np.uint64)  # Spark's signed longs, bit for bit
        codes = bucket_pairs(local.astype(np.uint64), keys, max_bucket)
        a = rids[(codes >> np.uint64(32)).astype(np.int64)]
        b = rids[(codes & np.uint64(0xFFFFFFFF)).astype(np.int64)]
        yield pa.record_batch({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())})


def candidate_pairs(reps: Any, bands: int, max_bucket: int) -> Any:
    """Distinct candidate pairs (``a < b``) from band keys and sentence anchors.

    A bucket is a key's upper 32 bits, within its band (band keys) or among all anchors, as on
    the local engine: a 32-bit collision only adds candidates, which verification rejects, but
    both engines must add the same ones. The rows are spread by bucket and each partition's
    buckets paired by the local engine's own numpy code (:func:`pairs_in_buckets`).
    """
    F = _functions()
    banded = reps.filter("has_bands").select("rid", F.posexplode("band_keys").alias("channel", "key"))
    anchored = reps.select("rid", F.lit(-1).alias("channel"), F.explode("anchors").alias("key")).filter(F.col("key").isNotNull())
    entries = anchored if not bands else banded.select("rid", "channel", "key").unionByName(anchored)
    spread = entries.withColumn("bucket", F.shiftrightunsigned("key", 32)).repartition("channel", "bucket")
    return spread.mapInArrow(partial(pairs_in_buckets, max_bucket=max_bucket), _PAIR_SCHEMA).distinct()


def verified_edges(pairs: Any, reps: Any, rule: MatchRule) -> Any:
    """``a, b, jaccard, containment, match`` of every candidate pair, on the exact shingle sets
    (``verify.verify_pairs``): one IEEE division of the same integers as there."""
    F = _functions()
    sets = reps.select("rid", "shingles", F.size("shingles").alias("n"))
    side = lambda name: sets.select(F.col("rid").alias(name), F.col("shingles").alias(f"s{name}"), F.col("n").alias(f"n{name}"))
    joined = pairs.join(side("a"), "a").join(side("b"), "b")
    shared = F.size(F.array_intersect("sa", "sb"))
    union = F.col("na") + F.col("nb") - F.col("shared")
    smaller = F.least("na", "nb")
    scored = joined.withColumn("shared", shared).select(
        "a",
        "b",
        F.when(union == 0, F.lit(0.0)).otherwise(F.col("shared") / union).alias("jaccard"),
        F.when(smaller == 0, F.lit(0.0)).otherwise(F.col("shared") / smaller).alias("containment"),
        smaller.alias("smaller"),
    )
    near = F.col("jaccard") >= rule.jaccard_threshold
    contained = (F.col("containment") >= rule.containment_threshold) & (F.col("smaller") >= rule.min_contained_words)
    match = F.when(near, F.lit("near")).when(contained, F.lit("contained")).otherwise(F.lit(None).cast("string"))
    return scored.select("a", "b", "jaccard", "containment", match.alias("match"))


def component_labels(spark: Any, edges: Any, checkpoints: Path) -> Any:
    """``node, label`` (the smallest node of its component) of every node of ``edges`` (``u, v``).

    The algorithm of Kiveris et al. (2014): *large-star* links every node's larger neighbours
    to the smallest node of its neighbourhood, *small-star* links a node and its smaller
    neighbours to the smallest of them; alternated, they turn every component into a star
    around its smallest node in O(log n) rounds, each a join and a group-by over the edges,
    checkpointed so that the plan does not grow.
    """
    F = _functions()
    spark.sparkContext.setCheckpointDir(str(checkpoints))

    def undirected(frame: Any) -> Any:
        """Each edge once, as ``u < v``, without self-loops."""
        return (
            frame.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v"))
            .filter(F.col("u") != F.col("v"))
            .distinct()
        )

    current = undirected(edges).checkpoint()
    while True:
        both = current.select(F.col("u").alias("x"), F.col("v").alias("y")).union(current.select(F.col("v").alias("x"), F.col("u").alias("y")))
        smallest = both.groupBy("x").agg(F.min("y").alias("m")).select("x", F.least("x", "m").alias("m"))
        large = both.filter(F.col("y") > F.col("x")).join(smallest, "x").select(F.col("y").alias("u"), F.col("m").alias("v"))
        larger_side = undirected(large).select(F.col("v").alias("x"), F.col("u").alias("y"))
        smallest = larger_side.groupBy("x").agg(F.min("y").alias("m"))
        small = larger_side.join(smallest, "x").select(F.col("y").alias("u"), F.col("m").alias("v")).union(
            smallest.select(F.col("x").alias("u"), F.col("m").alias("v"))
        )
        following = undirected(small).checkpoint()
        if following.exceptAll(current).isEmpty() and current.exceptAll(following).isEmpty():
            break
        current = following
    stars = current.select(F.col("v").alias("node"), F.col("u").alias("label"))
    centres = current.select(F.col("u").alias("node"), F.col("u").alias("label")).distinct()
    return stars.unionByName(centres)


def stars_of_components(batches: Iterator[Any], rule: MatchRule) -> Iterator[Any]:
    """Run on an executor: the star clustering of the whole components in one partition.

    The partition holds node rows (``rid``, ``shingles``) and edge rows (``a``, ``b`` and their
    scores) of some connected components, each whole. Rids are renumbered 0..k-1 in their
    order, which is the rank order, and ``clusters.star_clusters`` clusters them exactly as on
    the local engine, where it runs over every component at once as well.
    """
    from cleaner.duplicates.clusters import components, star_clusters
    from cleaner.engines.spark import to_spark_arrow

    frame = _partition_frame(batches)
    if frame is None:
        return
    nodes = frame.filter(pl.col("rid").is_not_null()).select("rid", "shingles").sort("rid")
    rids = nodes["rid"].to_numpy()
    lines = frame.filter(pl.col("a").is_not_null())
    local = {"a": np.searchsorted(rids, lines["a"].to_numpy()), "b": np.searchsorted(rids, lines["b"].to_numpy())}
    edges = pl.DataFrame(local).cast(pl.UInt32).hstack(lines.select("jaccard", "containment", "match")).cast(EDGES).sort("a", "b")
    shingles = ShingleSets.for_rows(nodes["shingles"], np.arange(len(rids), dtype=np.int64))
    stars = star_clusters(np.arange(len(rids)), edges, shingles, rule, components)
    result = stars.with_columns(
        pl.Series("rid", rids[stars["rid"].to_numpy()], dtype=pl.Int64),
        pl.Series("centre", rids[stars["centre"].to_numpy()], dtype=pl.Int64),
    )
    yield from to_spark_arrow(result.select("rid", "centre", "jaccard", "containment", "match")).to_batches()


def star_assignment(spark: Any, reps: Any, edges: Any, rule: MatchRule, checkpoints: Path) -> Any:
    """``rid, centre, jaccard, containment, match`` of every representative: the centre of its
    star (itself, with ``canonical``, when no verified copy touches it)."""
    F = _functions()
    matching = edges.filter(F.col("match").isNotNull())
    labels = component_labels(spark, matching.select(F.col("a").alias("u"), F.col("b").alias("v")), checkpoints)
    labelled_edges = (
        edges.join(labels.select(F.col("node").alias("a"), "label"), "a")
        .join(labels.select(F.col("node").alias("b"), F.col("label").alias("label_b")), "b")
        .filter(F.col("label") == F.col("label_b"))
        .select("label", F.lit(None).cast("bigint").alias("rid"), F.lit(None).cast("array<bigint>").alias("shingles"),
                "a", "b", "jaccard", "containment", "match")
    )
    nodes = labels.join(reps.select(F.col("rid").alias("node"), "shingles"), "node").select(
        "label", F.col("node").alias("rid"), "shingles",
        *(F.lit(None).cast(kind).alias(name) for name, kind in
          (("a", "bigint"), ("b", "bigint"), ("jaccard", "double"), ("containment", "double"), ("match", "string"))),
    )
    by_component = nodes.unionByName(labelled_edges).repartition("label")
    stars = by_component.mapInArrow(partial(stars_of_components, rule=rule), STAR_OUTPUT)
    alone = reps.select("rid").join(labels.select(F.col("node").alias("rid")), "rid", "left_anti").select(
        "rid", F.col("rid").alias("centre"), F.lit(1.0).alias("jaccard"), F.lit(1.0).alias("containment"), F.lit("canonical").alias("match")
    )
    return stars.unionByName(alone)


def assigned_paragraphs(ranked: Any, reps: Any, stars: Any) -> Any:
    """Every paragraph's cluster and scores (``canonical.ASSIGNMENT``'s columns, with ``order``
    and ``position`` to sort by): the canonical is its star centre's representative."""
    F = _functions()
    centres = reps.select(F.col("rid").alias("centre"), F.col("para_id").alias("canonical_para_id"), F.col("norm_key").alias("canonical_key"))
    of_rep = reps.select("rid", "norm_key").join(stars, "rid").join(centres, "centre")
    joined = ranked.join(of_rep.drop("rid", "centre"), "norm_key")
    is_canonical = F.col("para_id") == F.col("canonical_para_id")
    exact = F.col("norm_key") == F.col("canonical_key")
    return joined.select(
        "order",
        "position",
        "para_id",
        "doc_id",
        F.concat(F.lit("c"), F.substring("canonical_key", 1, 24)).alias("cluster_id"),
        is_canonical.alias("is_canonical"),
        F.when(exact, F.lit(1.0)).otherwise(F.col("jaccard")).alias("similarity"),
        F.when(exact, F.lit(1.0)).otherwise(F.col("containment")).alias("containment"),
        F.when(is_canonical, F.lit("canonical")).when(exact, F.lit("exact")).otherwise(F.col("match")).alias("match"),
    )


def provenance(assigned: Any, documents: Any) -> Any:
    """``canonical.PROVENANCE``: each cluster's size, and its documents and sources, sorted."""
    F = _functions()
    return (
        assigned.select("cluster_id", "doc_id")
        .join(documents.select("doc_id", "source"), "doc_id", "left")
        .groupBy("cluster_id")
        .agg(
            F.count(F.lit(1)).cast("int").alias("size"),
            F.array_sort(F.collect_set("doc_id")).alias("doc_ids"),
            F.array_sort(F.collect_set("source")).alias("sources"),
        )
    )


def duplicate_documents(assigned: Any, documents: Any, ratio: float) -> Any:
    """``doc_id, duplicate_of``: ``canonical.duplicate_documents`` over DataFrames (see there
    for the rule, and for why clusters in more than ``WIDELY_SHARED_DOCUMENTS`` documents are
    no evidence)."""
    F = _functions()
    counts = assigned.groupBy("doc_id").agg(F.count(F.lit(1)).alias("n_all"))
    has_date = _has_date()
    ranks = documents.select("doc_id", "date").join(counts, "doc_id").select(
        "doc_id",
        F.struct(
            (~has_date).alias("_undated"),
            F.when(has_date, F.col("date")).otherwise(F.lit("")).alias("_date"),
            (-F.col("n_all")).alias("_neg_n"),
            F.col("doc_id").alias("_doc_id"),
        ).alias("rank"),
    )
    presence = assigned.select("doc_id", "cluster_id").distinct()
    widely = presence.groupBy("cluster_id").count().filter(F.col("count") > WIDELY_SHARED_DOCUMENTS).select("cluster_id")
    evidence = presence.join(widely, "cluster_id", "left_anti")
    n = assigned.join(widely, "cluster_id", "left_anti").groupBy("doc_id").agg(F.count(F.lit(1)).alias("n"))
    shared = (
        evidence.join(evidence.select(F.col("doc_id").alias("other"), "cluster_id"), "cluster_id")
        .filter(F.col("doc_id") != F.col("other"))
        .groupBy("doc_id", "other")
        .agg(F.count(F.lit(1)).alias("shared"))
    )
    qualified = (
        shared.join(n, "doc_id")
        .join(ranks, "doc_id")
        .join(ranks.select(F.col("doc_id").alias("other"), F.col("rank").alias("rank_other")), "other")
        .filter((F.col("shared") >= F.lit(ratio) * F.col("n")) & (F.col("rank_other") < F.col("rank")))
    )
    best = qualified.groupBy("doc_id").agg(
        F.min(F.struct((-F.col("shared")).alias("_neg_shared"), "rank_other", "other")).alias("best")
    )
    return best.select("doc_id", F.col("best.other").alias("duplicate_of"))
