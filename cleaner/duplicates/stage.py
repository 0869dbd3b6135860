"""The deduplication stage: today's paragraphs and the index's, clustered and given canonicals."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from cleaner import schemas
from cleaner.config import CleanConfig
from cleaner.duplicates.canonical import (
    assign_canonical,
    cluster_provenance,
    duplicate_documents,
    paragraph_ranks,
)
from cleaner.duplicates.clusters import (
    ComponentLabels,
    exact_groups,
    near_duplicate_groups,
)
from cleaner.duplicates.index import LoadedIndex, indexed_documents, indexed_keys
from cleaner.tables.collect import MappedDocuments


@dataclass
class Deduplicated:
    """Every paragraph's cluster, today's documents, and what the manifest says about it."""

    today: pl.DataFrame  # canonical.ASSIGNMENT of today's paragraphs, in input order
    earlier: pl.DataFrame  # the same for paragraphs known from the index
    provenance: pl.DataFrame  # canonical.PROVENANCE of every cluster
    duplicates: pl.DataFrame  # doc_id, duplicate_of
    statistics: dict[str, Any]


def deduplicate(
    mapped: MappedDocuments,
    indexed: LoadedIndex,
    config: CleanConfig,
    components_of: ComponentLabels,
    timings: dict[str, float],
    on_step: Callable[[str], None] | None = None,
) -> Deduplicated:
    """Clusters over today's paragraphs and the index's (``indexed``), then each paragraph's
    canonical. ``components_of`` labels the verified graph (an engine's: on the driver or a
    cluster). Records the ``clusters`` and ``canonical`` seconds in ``timings``.

    A paragraph of a document cleaned again keeps the canonical standing its earlier entry
    had (same document, same normalised text), so re-sending a document moves no cluster id."""
    stage = time.perf_counter()
    ranking_docs = pl.concat(
        [mapped.documents.select("doc_id", "source", "date", "order"), indexed_documents(indexed.rows)], how="vertical"
    )
    standing = schemas.chunked_like(previous_standing(mapped.keys, indexed.replaced), mapped.keys)
    candidates = pl.concat([mapped.keys.with_columns(standing), indexed_keys(indexed.rows)], how="vertical")
    ranks = paragraph_ranks(candidates, ranking_docs, config.prefer_sources).to_numpy()
    statistics: dict[str, Any] = {}
    if config.near_duplicates and mapped.signatures is not None:
        mapped.signatures.add(indexed.rows.select("norm_key", "shingles", "band_keys", "anchors"))
        members, statistics = near_duplicate_groups(
            candidates["norm_key"], ranks, mapped.signatures, config.match_rule(), config.max_bucket, components_of, on_step,
            keep_keys=config.index_dir is not None,
        )
        if config.index_dir is None:
            mapped.signatures = None  # the largest thing in memory, and only the index needs it again
    else:
        members = exact_groups(candidates["norm_key"], ranks)
    del ranks
    timings["clusters"] = time.perf_counter() - stage

    stage = time.perf_counter()
    assignment = assign_canonical(candidates, members)
    del candidates, members
    provenance = cluster_provenance(assignment, ranking_docs)
    duplicates = duplicate_documents(assignment, ranking_docs, config.duplicate_doc_ratio)
    duplicates = duplicates.join(mapped.documents.select("doc_id"), on="doc_id", how="semi")
    timings["canonical"] = time.perf_counter() - stage
    today = assignment.slice(0, mapped.keys.height)
    return Deduplicated(today, assignment.slice(mapped.keys.height), provenance, duplicates, statistics)


def previous_standing(keys: pl.DataFrame, replaced: pl.DataFrame) -> pl.Series:
    """``was_canonical`` of today's paragraphs (``keys``): whether the same document's entry
    with the same normalised text was canonical in the index."""
    if replaced.height == 0:
        return pl.Series("was_canonical", np.zeros(keys.height, dtype=bool))
    canonical = replaced.filter(pl.col("was_canonical")).select("doc_id", "norm_key").unique().with_columns(pl.lit(True).alias("was_canonical"))
    joined = keys.select("doc_id", "norm_key").join(canonical, on=["doc_id", "norm_key"], how="left", maintain_order="left")
    return joined["was_canonical"].fill_null(False)
