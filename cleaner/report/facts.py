"""What the report shows, as small frames computed from an output's tables.

Every function takes the lazy tables of ``tables.write.scan_output`` and returns a frame of a
bounded size (the most frequent rows first, ties by name), so that the report of a large
dataset reads a few columns and holds a few hundred rows.
"""

from __future__ import annotations

import polars as pl

Tables = dict[str, pl.LazyFrame]

LOW_CONFIDENCE = 0.75
"""Text dumps whose ``strip_confidence`` is below this are listed for review. On the
extraction-wide dumps it is about the lowest tenth of pages, whose mean page F1 is 0.49-0.66
against 0.82-0.92 for the rest (``benchmarks/text_wide.py``)."""
MOST_SOURCES = 12
"""Sources shown in the per-source chart and in the shared-paragraph matrix."""
MOST_REASONS = 9
"""Reasons with a colour of their own in the per-source chart; the rest are "other"."""


def removed_by_source(tables: Tables) -> pl.DataFrame:
    """Removed lines per source and reason (blank lines left out), for the sources with the most."""
    removed = tables["removed"].filter(pl.col("reason") != "blank").select("doc_id", "reason")
    sources = tables["documents"].select("doc_id", "source")
    counts = (
        removed.join(sources, on="doc_id", how="left")
        .with_columns(pl.col("source").fill_null("(unknown)"))
        .group_by("source", "reason")
        .agg(pl.len().alias("lines"))
        .collect()
    )
    top_sources = _top(counts, "source", "lines", MOST_SOURCES)
    top_reasons = _top(counts, "reason", "lines", MOST_REASONS)
    return (
        counts.filter(pl.col("source").is_in(top_sources))
        .with_columns(pl.when(pl.col("reason").is_in(top_reasons)).then("reason").otherwise(pl.lit("other")).alias("reason"))
        .group_by("source", "reason")
        .agg(pl.col("lines").sum())
        .sort("source", "reason")
    )


def _top(frame: pl.DataFrame, key: str, count: str, n: int) -> list[str]:
    totals = frame.group_by(key).agg(pl.col(count).sum()).sort([count, key], descending=[True, False])
    return totals[key].head(n).to_list()


def template_lines(tables: Tables, per_source: int = 8) -> pl.DataFrame:
    """Each source's site-template lines (removed as ``template``) and how many times each went."""
    removed = tables["removed"].filter(pl.col("reason") == "template").select("doc_id", "text")
    sources = tables["documents"].select("doc_id", "source")
    return (
        removed.join(sources, on="doc_id", how="left")
        .group_by("source", "text")
        .agg(pl.len().alias("times"))
        .sort(["source", "times", "text"], descending=[False, True, False])
        .group_by("source", maintain_order=True)
        .head(per_source)
        .collect()
    )


def cluster_sizes(tables: Tables) -> pl.DataFrame:
    """How many clusters have each size (1: a paragraph seen once)."""
    return tables["clusters"].group_by("size").agg(pl.len().alias("clusters")).sort("size").collect()


def most_syndicated(tables: Tables, n: int = 8) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The clusters carried by the most sources (then the most copies), and their members.

    Returns the clusters (``cluster_id``, ``text``, ``size``, ``n_sources``, ``sources``) and
    every copy that is not the canonical (``cluster_id``, ``doc_id``, ``source``, ``match``,
    ``similarity``, ``text``)."""
    top = (
        tables["clusters"]
        .filter(pl.col("size") > 1)
        .with_columns(pl.col("sources").list.unique().list.sort().alias("sources"))
        .with_columns(pl.col("sources").list.len().alias("n_sources"))
        .sort(["n_sources", "size", "cluster_id"], descending=[True, True, False])
        .head(n)
        .select("cluster_id", "text", "size", "n_sources", "sources")
        .collect()
    )
    members = (
        tables["paragraphs"]
        .filter(pl.col("cluster_id").is_in(top["cluster_id"].implode()) & ~pl.col("is_canonical"))
        .select("cluster_id", "doc_id", "match", "similarity", "text", "position")
        .join(tables["documents"].select("doc_id", "source"), on="doc_id", how="left")
        .sort("cluster_id", "doc_id", "position")
        .drop("position")
        .collect()
    )
    return top, members


def shared_paragraphs(tables: Tables) -> pl.DataFrame:
    """For pairs of the sources that share the most: how many clusters both carry
    (``a``, ``b``, ``clusters``; ``a == b``: the clusters a source shares with any other)."""
    carried = (
        tables["clusters"]
        .filter(pl.col("size") > 1)
        .select("cluster_id", pl.col("sources").list.unique().alias("source"))
        .filter(pl.col("source").list.len() > 1)
        .explode("source")
        .collect()
    )
    top = _top(carried.with_columns(pl.lit(1).alias("n")), "source", "n", MOST_SOURCES)
    carried = carried.filter(pl.col("source").is_in(top))
    pairs = carried.join(carried, on="cluster_id", suffix="_b").rename({"source": "a", "source_b": "b"})
    return pairs.group_by("a", "b").agg(pl.len().alias("clusters")).sort("a", "b")


def near_copies(tables: Tables, n: int = 50) -> pl.DataFrame:
    """Documents that are near-copies of another (``duplicate_of``), with both sources and titles."""
    documents = tables["documents"].select("doc_id", "source", "title", "duplicate_of")
    originals = documents.select(
        pl.col("doc_id").alias("duplicate_of"), pl.col("source").alias("original_source"), pl.col("title").alias("original_title")
    )
    return (
        documents.filter(pl.col("duplicate_of").is_not_null())
        .join(originals, on="duplicate_of", how="left")
        .sort("doc_id")
        .head(n)
        .collect()
    )


def low_confidence(tables: Tables, n: int = 50) -> tuple[pl.DataFrame, int]:
    """The stripped pages least sure of their article, lowest first, and how many there are."""
    documents = tables["documents"]
    low = documents.filter(pl.col("strip_confidence") < LOW_CONFIDENCE)
    count = low.select(pl.len()).collect().item()
    shown = (
        low.select("doc_id", "source", "strip_confidence", "n_paragraphs", pl.col("text").str.slice(0, 160).alias("start"))
        .sort("strip_confidence", "doc_id")
        .head(n)
        .collect()
    )
    return shown, count


def errors(tables: Tables, n: int = 200) -> tuple[pl.DataFrame, int]:
    """The inputs that could not be cleaned or came with a caveat, and how many there are."""
    table = tables["errors"]
    return table.head(n).collect(), table.select(pl.len()).collect().item()
