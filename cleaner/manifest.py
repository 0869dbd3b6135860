"""What a run says about itself: ``manifest.json`` and the key-value metadata of its Parquet files.

The manifest records the parameters, inputs, counts, timings and peak memory of a run; the
Parquet metadata only what shapes the result (no times, no worker count), so that equal
inputs still give byte-identical files.
"""

from __future__ import annotations

import importlib.metadata
import json
import resource
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import polars as pl

from cleaner import __version__
from cleaner.config import CleanConfig
from cleaner.duplicates.banding import describe_banding
from cleaner.inputs import Inputs, describe_inputs

if TYPE_CHECKING:
    from cleaner.duplicates.stage import Deduplicated
    from cleaner.tables.removed_log import RemovedLog

EXECUTION_ONLY = frozenset(
    {"workers", "engine", "spark_master", "work_dir", "batch_size", "batch_chars", "output_format", "layout", "shard_rows", "partition_by", "allow_empty"}
)
"""Parameters that change how a run is executed or stored, never what it finds."""
LIBRARIES = ("polars", "polars-hash", "pyarrow", "trafilatura", "datasketch")
"""The libraries whose versions can change a result, recorded in every Parquet file."""


def parquet_metadata(config: CleanConfig) -> dict[str, str]:
    """Key-value metadata of every Parquet file: cleaner's version, the parameters that shape
    the result and the versions of the libraries that computed it. Nothing that varies between
    identical runs (no times, no worker count), so equal inputs still give equal bytes."""
    parameters = {name: value for name, value in config.to_dict().items() if name not in EXECUTION_ONLY}
    libraries = {name: _installed_version(name) for name in LIBRARIES}
    return {
        "cleaner.version": __version__,
        "cleaner.parameters": json.dumps(parameters, sort_keys=True, default=str),
        "cleaner.libraries": json.dumps(libraries, sort_keys=True),
    }


def _installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def peak_memory_mb() -> float:
    """The largest resident size of this process or any of its finished children, in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return round(max(usage, children) * scale, 1)


def counts(documents: pl.DataFrame, deduplicated: Deduplicated, removed: RemovedLog, errors: pl.DataFrame) -> dict[str, Any]:
    """The manifest's counts, from what is in memory (the text tables stay on disk)."""
    today = deduplicated.today
    clusters = deduplicated.provenance.join(today.select("cluster_id").unique(), on="cluster_id", how="semi")
    return {
        "documents": documents.height,
        "duplicate_documents": documents["duplicate_of"].is_not_null().sum(),
        "paragraphs": today.height,
        "clusters": clusters.height,
        "duplicate_clusters": clusters.filter(pl.col("size") > 1).height,
        "duplicate_paragraphs": today.filter(~pl.col("is_canonical")).height,
        "removed": removed.rows,
        "removed_by_reason": dict(sorted(removed.by_reason.items())),
        "errors": errors.height,
        "errors_skipped": errors.filter(pl.col("action") == "skipped").height,
    }


def dedup_section(config: CleanConfig, indexed_paragraphs: int, statistics: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``dedup``: signature, banding, match rule, index and what verification found."""
    if not config.near_duplicates:
        return {"near_duplicates": False}
    params = config.signature_params()
    return {
        "signature": params.to_dict(),
        "banding": describe_banding(config.jaccard_threshold, params.bands, params.rows),
        "match_rule": asdict(config.match_rule()),
        "index": {"path": config.index_dir, "paragraphs_loaded": indexed_paragraphs} if config.index_dir else None,
        **statistics,
    }


def manifest(
    config: CleanConfig,
    inputs: Inputs,
    timings: dict[str, float],
    run_counts: dict[str, Any],
    memory: dict[str, float],
    dedup: dict[str, Any],
) -> dict[str, Any]:
    """``manifest.json`` of a run."""
    return {
        "version": __version__,
        "parameters": config.to_dict(),
        "inputs": describe_inputs(inputs),
        "counts": run_counts,
        "timings": {name: round(seconds, 3) for name, seconds in timings.items()},
        "peak_memory_mb": peak_memory_mb(),
        "peak_memory_mb_after_stage": memory,
        "dedup": dedup,
    }
