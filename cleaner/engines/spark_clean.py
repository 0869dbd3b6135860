"""A run on Spark: map and deduplication on the executors, the driver only streaming rows.

``pipeline.clean`` hands a Spark run without a dedup index to :func:`clean_on_cluster`. The
map stage's output stays in the work folder as Parquet, in document order; deduplication
runs as the DataFrame jobs of ``spark_dedup``, and each paragraph's cluster is sorted into
document order there. The driver streams the texts and the clusters side by side, a few
thousand rows at a time, into the same spill tables the local engine fills, one table after
another (``tables.assemble.assemble_streams``), so the files are the same bytes. What the driver
keeps is per document (identity, metadata found, errors) and a few counts; nothing per
paragraph. The text itself is never shuffled.

Each job's result is written to the work folder before the next reads it, so that no stage
is computed twice and a failed task is retried from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaner import schemas
from cleaner.batch import BATCH_FRAMES, BatchOutput, clean_batch
from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow
from cleaner.duplicates.canonical import ASSIGNMENT
from cleaner.engines import spark_dedup
from cleaner.engines.spark import FILE_ROWS, SparkEngine, ordered_parts
from cleaner.engines.spark_read import read_on_cluster
from cleaner.inputs import Inputs, batches_of, input_bytes
from cleaner.manifest import parquet_metadata
from cleaner.progress import Progress
from cleaner.tables.assemble import assemble_streams, with_document_fields
from cleaner.tables.collect import MapCollector, MappedDocuments
from cleaner.tables.spill import SpillTable, WorkFolder

READ_BATCH_ROWS = 16_384
"""Rows the driver reads at once from the cluster's sorted output: its memory per table."""


@dataclass
class ClusterRun:
    """What :func:`clean_on_cluster` gives the pipeline: tables, errors and the manifest's parts."""

    stored: dict[str, SpillTable]
    errors: pl.DataFrame
    counts: dict[str, Any]
    statistics: dict[str, Any]
    documents: int


def clean_on_cluster(
    inputs: Inputs,
    config: CleanConfig,
    templates: dict[str, frozenset[int]] | None,
    engine: SparkEngine,
    timings: dict[str, float],
    progress: Progress | None = None,
) -> ClusterRun:
    """Clean ``inputs`` with every per-paragraph step on Spark (see the module docstring).
    ``templates`` is ``None`` when the executors read the files (``spark_read``): they find the
    site templates too; otherwise the driver reads, and found them in its first pass."""
    spark = engine.spark()
    started = time.perf_counter()
    with engine.exchange() as exchange:
        work = Path(exchange)
        jobs = _Jobs(spark, work)
        function = partial(clean_batch, config=config)
        read_errors: list[ErrorRow] = []
        info: list[pl.DataFrame] = []
        mapped_dir: Path | None = None
        if templates is None:
            if progress is not None:
                progress.stage("reading")
            read = read_on_cluster(spark, inputs, config, jobs.save, templates=True)
            timings["read"] = time.perf_counter() - started
            info.append(read.info)
            read_errors.extend(read.errors)
            if read.count:
                slices = -(-read.count // config.batch_size) * 2
                mapped_dir = engine.map_documents(partial(function, templates=read.templates), read.documents, slices, work / "mapped")
        else:
            on_bytes = None
            if progress is not None:
                progress.stage("reading", input_bytes(inputs, config))
                on_bytes = progress.advance
            batches = batches_of(inputs, config, read_errors, info, on_bytes)
            mapped_dir = engine.map_to_folder(partial(function, templates=templates), batches, work)
        mapped = _collect_documents(mapped_dir, config, info, read_errors)
        timings["read_strip_extract"] = time.perf_counter() - started
        if mapped.documents.height == 0:
            empty = assemble_streams(list, list, mapped.documents, mapped.folder, parquet_metadata(config))
            return ClusterRun({**empty, "removed": mapped.removed}, mapped.errors, _no_counts(mapped), {}, 0)
        if progress is not None:
            progress.stage("deduplicate")
        stage = time.perf_counter()
        documents = jobs.save("document_keys", spark.createDataFrame(mapped.documents.select("doc_id", "source", "date", "order").to_arrow()))
        assert mapped_dir is not None
        rows = spark.read.parquet(str(mapped_dir)).filter("paragraphs is not null").select("order", "paragraphs.*")
        assigned, statistics = _deduplicate(jobs, rows, documents, config)
        timings["clusters"] = time.perf_counter() - stage
        stage = time.perf_counter()
        stored = _tables(jobs, mapped_dir, assigned, documents, mapped, config)
        timings["assemble_tables"] = time.perf_counter() - stage
        counts = _counts(jobs, assigned, mapped)
        if statistics:
            statistics["parquet_bytes"] = {"map_output": _folder_bytes(mapped_dir), **jobs.written}
    return ClusterRun({**stored, "removed": mapped.removed}, mapped.errors, counts, statistics, mapped.documents.height)


class _Jobs:
    """Writes each job's result to the work folder and reads it back: computed once."""

    def __init__(self, spark: Any, work: Path) -> None:
        self.spark = spark
        self.work = work
        self.written: dict[str, int] = {}
        """Bytes of Parquet each job wrote (what a cluster stores or shuffles between stages)."""

    def save(self, name: str, frame: Any) -> Any:
        frame.write.parquet(str(self.work / name))
        self._measure(name)
        return self.spark.read.parquet(str(self.work / name))

    def _measure(self, name: str) -> None:
        self.written[name] = sum(path.stat().st_size for path in (self.work / name).glob("*.parquet"))

    def sorted_pieces(self, name: str, frame: Any, schema: pl.Schema) -> Callable[[], Iterator[pl.DataFrame]]:
        """``frame`` (sorted) written, and a function that reads it back in order, a few rows
        at a time, as often as it is called."""
        frame.write.option("maxRecordsPerFile", FILE_ROWS).parquet(str(self.work / name))
        self._measure(name)

        def pieces() -> Iterator[pl.DataFrame]:
            for part in ordered_parts(self.work / name):
                for batch in pq.ParquetFile(part).iter_batches(batch_size=READ_BATCH_ROWS):
                    yield schemas.conform(pl.from_arrow(batch), schema)  # type: ignore[arg-type]

        return pieces


def mapped_rows(mapped_dir: Path, name: str, schema: pl.Schema) -> Iterator[pl.DataFrame]:
    """The ``schema`` fields of one of the map output's frames (``batch.BATCH_FRAMES``), streamed
    from the executors' files in document order, a few rows at a time: the map stage left
    them in that order. Only those fields are read from the files.

    The rows are picked out by Arrow, which copies them, before Polars sees them: a Polars
    frame filtered from the whole batch kept that batch's buffers alive: the 125,000
    documents' metadata of 1,000,000 paragraphs (2 MB) held 355 MB of the driver, and 52 MB
    picked out by Arrow."""
    fields = [f"{name}.{field}" for field in schema]
    for part in ordered_parts(mapped_dir):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=READ_BATCH_ROWS, columns=fields):
            found = batch.column(name)
            found = found.filter(pc.is_valid(found))
            if len(found):
                rows = pl.from_arrow(pa.Table.from_arrays(found.flatten(), names=[field.name for field in found.type]))
                assert isinstance(rows, pl.DataFrame)
                yield schemas.conform(rows, schema)


def _collect_documents(
    mapped_dir: Path | None, config: CleanConfig, info: list[pl.DataFrame], read_errors: list[ErrorRow]
) -> MappedDocuments:
    """The per-document part of the map output on the driver (identity, metadata found,
    errors), and the removed lines streamed in order into the ``removed`` log."""
    collector = MapCollector(WorkFolder(config.work_dir), None, parquet_metadata(config))
    if mapped_dir is not None:
        frames = {name: schemas.empty(schema) for name, schema in BATCH_FRAMES.items()}
        for name in ("meta", "errors"):
            for piece in mapped_rows(mapped_dir, name, BATCH_FRAMES[name]):
                collector.add(BatchOutput(**{**frames, name: piece}))
        for piece in mapped_rows(mapped_dir, "removed", schemas.REMOVED):
            collector.add(BatchOutput(**{**frames, "removed": piece}))
    return collector.finish(info, read_errors)


def _deduplicate(jobs: _Jobs, rows: Any, documents: Any, config: CleanConfig) -> tuple[Any, dict[str, Any]]:
    """Every paragraph's cluster (``spark_dedup.assigned_paragraphs``), and the manifest's counts."""
    from pyspark.sql import functions as F

    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    bands = config.signature_params().bands if config.signatures_needed() else 0
    keys = rows.select("order", "para_id", "doc_id", "position", "norm_key", "n_tokens", F.length("text").alias("n_chars"),
                       "shingles", "band_keys", "anchors")
    ranked = spark_dedup.ranked_paragraphs(keys, documents, config.prefer_sources)
    reps = jobs.save("representatives", spark_dedup.representatives(ranked, bands))
    lap("representatives")
    statistics: dict[str, Any] = {}
    if config.near_duplicates:
        rule = config.match_rule()
        pairs = jobs.save("pairs", spark_dedup.candidate_pairs(reps, bands, config.max_bucket))
        lap("candidates")
        edges = jobs.save("edges", spark_dedup.verified_edges(pairs, reps, rule))
        lap("verification")
        stars = jobs.save("stars", spark_dedup.star_assignment(jobs.spark, reps, edges, rule, jobs.work / "checkpoints"))
        lap("star_clusters")
        found = edges.groupBy("match").count().collect()
        by_match = {row["match"]: row["count"] for row in found}
        statistics = {
            "seconds": seconds,
            "representatives": reps.count(),
            "with_signature": reps.filter("has_bands").count(),
            "shingle_sets_loaded": pairs.select(F.explode(F.array("a", "b")).alias("rid")).distinct().count(),
            "candidate_pairs": pairs.count(),
            "near_edges": by_match.get("near", 0),
            "contained_edges": by_match.get("contained", 0),
        }
    else:
        stars = reps.select("rid", F.col("rid").alias("centre"), F.lit(1.0).alias("jaccard"), F.lit(1.0).alias("containment"),
                            F.lit("canonical").alias("match"))
    assigned = jobs.save("assigned", spark_dedup.assigned_paragraphs(ranked.drop("shingles", "band_keys", "anchors"), reps, stars))
    lap("assignment")
    return assigned, statistics


def _tables(
    jobs: _Jobs, mapped_dir: Path, assigned: Any, documents: Any, mapped: MappedDocuments, config: CleanConfig
) -> dict[str, SpillTable]:
    """The clusters sorted on the cluster and the texts as the map stage left them, streamed
    side by side into the output tables, one table after another."""
    from pyspark.sql import functions as F

    provenance = jobs.save("provenance", spark_dedup.provenance(assigned, documents))
    heads = provenance.withColumn("is_canonical", F.lit(True))
    ordered = assigned.join(heads, ["cluster_id", "is_canonical"], "left").orderBy("order", "position").select(
        *ASSIGNMENT, "size", "doc_ids", "sources"
    )
    duplicates = spark_dedup.duplicate_documents(assigned, documents, config.duplicate_doc_ratio)
    n_paragraphs = assigned.groupBy("doc_id").agg(F.count(F.lit(1)).cast("int").alias("n_paragraphs"))
    fields = jobs.save("document_fields", n_paragraphs.join(duplicates, "doc_id", "full"))
    found = pl.from_arrow(fields.toArrow())
    assert isinstance(found, pl.DataFrame)
    documents_fields = with_document_fields(
        mapped.documents,
        found.select("doc_id", pl.col("n_paragraphs").cast(pl.Int32)),
        found.select("doc_id", "duplicate_of").filter(pl.col("duplicate_of").is_not_null()),
    )
    texts = partial(mapped_rows, mapped_dir, "paragraphs", schemas.PARAGRAPH_TEXTS)
    clusters = jobs.sorted_pieces("assigned_in_order", ordered, ASSIGNED_IN_ORDER)
    return assemble_streams(texts, clusters, documents_fields, mapped.folder, parquet_metadata(config))


ASSIGNED_IN_ORDER = pl.Schema(
    {**ASSIGNMENT, **{name: schemas.CLUSTERS[name] for name in ("size", "doc_ids", "sources")}}
)
"""Each paragraph's cluster in document order, with its cluster's provenance on canonical rows."""


def _counts(jobs: _Jobs, assigned: Any, mapped: MappedDocuments) -> dict[str, Any]:
    """The manifest's counts (``manifest.counts``), aggregated on the cluster."""
    from pyspark.sql import functions as F

    provenance = jobs.spark.read.parquet(str(jobs.work / "provenance"))
    fields = jobs.spark.read.parquet(str(jobs.work / "document_fields"))
    totals = assigned.agg(F.count(F.lit(1)).alias("paragraphs"), F.sum(F.when(~F.col("is_canonical"), 1).otherwise(0)).alias("copies")).first()
    clusters = provenance.agg(F.count(F.lit(1)).alias("all"), F.sum(F.when(F.col("size") > 1, 1).otherwise(0)).alias("shared")).first()
    errors = mapped.errors
    return {
        "documents": mapped.documents.height,
        "duplicate_documents": fields.filter("duplicate_of is not null").count(),
        "paragraphs": int(totals["paragraphs"] or 0),
        "clusters": int(clusters["all"] or 0),
        "duplicate_clusters": int(clusters["shared"] or 0),
        "duplicate_paragraphs": int(totals["copies"] or 0),
        "removed": mapped.removed.rows,
        "removed_by_reason": dict(sorted(mapped.removed.by_reason.items())),
        "errors": errors.height,
        "errors_skipped": errors.filter(pl.col("action") == "skipped").height,
    }


def _no_counts(mapped: MappedDocuments) -> dict[str, Any]:
    """The manifest's counts of a run in which no document could be read."""
    zero = dict.fromkeys(("documents", "duplicate_documents", "paragraphs", "clusters", "duplicate_clusters", "duplicate_paragraphs"), 0)
    skipped = mapped.errors.filter(pl.col("action") == "skipped").height
    return {**zero, "removed": 0, "removed_by_reason": {}, "errors": mapped.errors.height, "errors_skipped": skipped}


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob("*.parquet"))
