"""Canonical stage: one paragraph speaks for each cluster, and documents that copy others are marked.

The canonical copy is chosen by an explicit rule, in this order:

0. with a dedup index: the paragraph that was already canonical in an earlier run (so
   clusters keep their canonical and their id as new copies arrive),
1. the earliest date (documents without a parsable date come after all dated ones),
2. the user's source priority (``--prefer``), in the order given,
3. the most complete copy (most words),
4. the longest copy (most characters),
5. the smallest ``doc_id``, then the earliest position in it.

Every step is a total order on stable values, so the choice does not depend on input order,
worker count or hash seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner import schemas

ISO_DATE = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
"""A date the canonical rule can order: ISO 8601 (``dates.py`` writes every date it parses so)
with a month and a day in range: a record's "2021-13-45", kept as written, is no date and does
not come before every dated copy. The same expression runs in Polars and in Spark (Java)."""
RANK_COLUMNS = ["_not_previous", "_document_rank", "_neg_words", "_neg_chars", "_doc_code", "position"]
"""The canonical order: the document-level steps (date, preferred source) and ``doc_id`` are
integer ranks of the documents, so sorting millions of paragraphs never compares strings."""


def cluster_id_of(norm_key: pl.Expr) -> pl.Expr:
    """A cluster's id: derived from its canonical text, so it is stable across runs."""
    return pl.lit("c") + norm_key.str.slice(0, 24)


def _document_keys(documents: pl.DataFrame, prefer_sources: Sequence[str]) -> pl.DataFrame:
    """``doc_id, _document_rank, _doc_code``: each document's place by (dated first, earliest date,
    preferred source), and by ``doc_id``, as dense integer ranks."""
    prefer = {source: rank for rank, source in enumerate(prefer_sources)}
    has_date = pl.col("date").str.contains(ISO_DATE).fill_null(False)
    keys = documents.select("doc_id", "source", "date").unique("doc_id", keep="first", maintain_order=True).with_columns(
        (~has_date).alias("_undated"),
        pl.when(has_date).then(pl.col("date")).otherwise(pl.lit("")).alias("_date"),
        pl.col("source").replace_strict(prefer, default=len(prefer), return_dtype=pl.Int32).alias("_prefer"),
    )
    return keys.select(
        "doc_id",
        pl.struct("_undated", "_date", "_prefer").rank("dense").cast(pl.UInt32).alias("_document_rank"),
        pl.col("doc_id").rank("dense").cast(pl.UInt32).alias("_doc_code"),
    )


def paragraph_ranks(paragraphs: pl.DataFrame, documents: pl.DataFrame, prefer_sources: Sequence[str] = ()) -> pl.Series:
    """Every paragraph's place in the canonical order (0 comes first), aligned with ``paragraphs``.

    Returned as a Series in row order and in the frame's chunks, so callers add it as a column
    without a join or a merge of chunks (the frames carry shingle lists that either would copy).
    """
    previous = pl.col("was_canonical") if "was_canonical" in paragraphs.columns else pl.lit(False)
    keyed = (
        paragraphs.select("doc_id", "position", "n_tokens", "n_chars", previous.alias("_previous"))
        .with_row_index("_row")
        .join(_document_keys(documents, prefer_sources), on="doc_id", how="left", maintain_order="left")
    )
    if keyed["_doc_code"].null_count():
        raise ValueError("a paragraph's document is missing from the documents")
    order = (
        keyed.select(
            "_row",
            (~pl.col("_previous").fill_null(False)).alias("_not_previous"),
            "_document_rank",
            (-pl.col("n_tokens").cast(pl.Int64)).alias("_neg_words"),
            (-pl.col("n_chars").cast(pl.Int64)).alias("_neg_chars"),
            "_doc_code",
            "position",
        )
        .sort(RANK_COLUMNS)["_row"]
        .to_numpy()
    )
    ranks = np.empty(len(order), dtype=np.uint32)
    ranks[order] = np.arange(len(order), dtype=np.uint32)
    return schemas.chunked_like(pl.Series("rank", ranks), paragraphs)


ASSIGNMENT = pl.Schema(
    {
        "para_id": pl.String,
        "doc_id": pl.String,
        "cluster_id": pl.String,
        "is_canonical": pl.Boolean,
        "similarity": pl.Float64,
        "containment": pl.Float64,
        "match": pl.String,
    }
)
"""Each paragraph's cluster and scores: the output's ``paragraphs`` table without the text."""

PROVENANCE = pl.Schema({"cluster_id": pl.String, "size": pl.Int32, "doc_ids": pl.List(pl.String), "sources": pl.List(pl.String)})


def assign_canonical(paragraphs: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Give every paragraph its cluster's id: the first 24 characters of its canonical's key.

    ``paragraphs``: ``para_id, doc_id, norm_key``; ``members``: :data:`clusters.MEMBERS`,
    aligned with ``paragraphs`` (row for row). Returns :data:`ASSIGNMENT` in the same rows.
    Ids are made for the canonical rows only and handed to members by row: no join on keys.
    """
    canonical = members["canonical"].to_numpy().astype(np.int64)
    is_canonical = canonical == np.arange(len(canonical), dtype=np.int64)
    canonical_rows = np.flatnonzero(is_canonical)
    ids = paragraphs.select(cluster_id_of(pl.col("norm_key").gather(canonical_rows))).to_series()
    slot = np.empty(len(canonical), dtype=np.int64)
    slot[canonical_rows] = np.arange(len(canonical_rows), dtype=np.int64)
    result = paragraphs.select("para_id", "doc_id").with_columns(
        ids.gather(slot[canonical]).alias("cluster_id"),
        pl.Series("is_canonical", is_canonical),
        *(members[name] for name in ("similarity", "containment", "match")),
    )
    return schemas.conform(result, ASSIGNMENT)


def cluster_provenance(assignment: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Each cluster's size and the documents and sources that carried it (:data:`PROVENANCE`)."""
    with_source = assignment.select("cluster_id", "doc_id").join(
        documents.select("doc_id", "source"), on="doc_id", how="left", maintain_order="left"
    )
    provenance = with_source.group_by("cluster_id").agg(
        pl.len().cast(pl.Int32).alias("size"),
        pl.col("doc_id").unique().sort().alias("doc_ids"),
        pl.col("source").unique().sort().alias("sources"),
    )
    return schemas.conform(provenance, PROVENANCE)


WIDELY_SHARED_DOCUMENTS = 200
"""A paragraph that more documents than this carry (a sign-off, a wire credit, a newsletter
line in every page of a crawl) says nothing about which document copies which, and pairing
its documents costs N² rows (4,000 documents: 3.4 GB; 8,000: an abort)."""


def duplicate_documents(paragraphs: pl.DataFrame, documents: pl.DataFrame, ratio: float) -> pl.DataFrame:
    """``doc_id, duplicate_of`` for documents most of whose paragraphs another document carries.

    A document D duplicates E when at least ``ratio`` of D's paragraphs sit in clusters that
    E also has, and E ranks before D by the canonical rule applied to documents (earliest
    date, then more paragraphs, then ``doc_id``). The E sharing the most paragraphs wins.

    Paragraphs carried by more than :data:`WIDELY_SHARED_DOCUMENTS` documents are left out
    of the evidence, on both sides of the ratio: see there.
    """
    from cleaner.duplicates.pairs import ordered_pairs

    counts = paragraphs.group_by("doc_id").agg(pl.len().alias("n"))
    has_date = pl.col("date").str.contains(ISO_DATE).fill_null(False)
    # a document's code is its place in the document order, so "E ranks before D" is "E < D"
    ranks = (
        documents.select("doc_id", "date")
        .join(counts, on="doc_id", how="left")
        .with_columns(
            (~has_date).alias("_undated"),
            pl.when(has_date).then(pl.col("date")).otherwise(pl.lit("")).alias("_date"),
            (-pl.col("n").fill_null(0).cast(pl.Int64)).alias("_neg_n"),
        )
        .sort(["_undated", "_date", "_neg_n", "doc_id"])
        .unique("doc_id", keep="first", maintain_order=True)
        .with_row_index("doc")
        .select("doc_id", "doc", pl.col("n").fill_null(0))
    )
    presence = paragraphs.select("doc_id", "cluster_id").unique().join(ranks.select("doc_id", "doc"), on="doc_id", how="inner")
    widely = presence.group_by("cluster_id").agg(pl.len().alias("documents")).filter(pl.col("documents") > WIDELY_SHARED_DOCUMENTS)
    if widely.height:
        presence = presence.join(widely, on="cluster_id", how="anti")
        evidence = paragraphs.join(
            presence.select("doc_id", "cluster_id"), on=["doc_id", "cluster_id"], how="semi"
        ).group_by("doc_id").agg(pl.len().alias("n_evidence"))
        ranks = ranks.join(evidence, on="doc_id", how="left", maintain_order="left").with_columns(
            pl.col("n_evidence").fill_null(0).alias("n")
        ).drop("n_evidence")
    # pairs of documents sharing a cluster, counted as integers: a self-join of the clusters'
    # documents and a group-by on two columns took 0.8 s of 1.5 s at 1,000,000 paragraphs
    runs = presence.group_by("cluster_id").agg(pl.col("doc").sort()).filter(pl.col("doc").list.len() > 1)["doc"]
    members, sizes = schemas.flat_from_lists(runs)
    pairs = ordered_pairs(members, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))
    counted = pl.Series("pair", pairs, dtype=pl.UInt64).value_counts(name="shared")
    pair = counted["pair"].to_numpy()
    shared = pl.DataFrame(
        {"doc": (pair >> np.uint64(32)).astype(np.uint32), "other": (pair & np.uint64(0xFFFFFFFF)).astype(np.uint32), "shared": counted["shared"]}
    )
    codes = ranks.select(pl.col("doc").cast(pl.UInt32), "doc_id", "n")
    return (
        shared.join(codes.select("doc", "n"), on="doc")
        .filter(pl.col("shared") >= ratio * pl.col("n"))
        .sort(["doc", "shared", "other"], descending=[False, True, False])
        .group_by("doc", maintain_order=True)
        .agg(pl.col("other").first())
        .join(codes.select("doc", "doc_id"), on="doc")
        .join(codes.select(pl.col("doc").alias("other"), pl.col("doc_id").alias("duplicate_of")), on="other")
        .sort("doc_id")
        .select("doc_id", "duplicate_of")
    )
