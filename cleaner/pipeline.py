"""The library's core: read -> extract/strip -> paragraphs -> normalize -> clusters -> canonical -> write.

``clean`` and ``clean_frame`` are what the command line calls; the CLI adds nothing but
argument parsing and printing, so everything a user can do there they can do here.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Union

import numpy as np
import polars as pl

from cleaner import __version__, schemas
from cleaner.assemble import assemble_tables
from cleaner.audit import RemovedLog
from cleaner.candidates import choose_bands, describe_banding
from cleaner.canonical import (
    assign_canonical,
    cluster_provenance,
    duplicate_documents,
    paragraph_ranks,
)
from cleaner.clusters import exact_groups, near_duplicate_groups
from cleaner.config import CleanConfig, OutputFormat
from cleaner.engines import Engine, LocalEngine, SparkEngine, is_spark_dataframe
from cleaner.index import INDEX_ROWS, DedupIndex
from cleaner.process import isolate_batch, process_batch, releases_gil
from cleaner.read import ErrorRow, iter_raw_documents, iter_record_documents
from cleaner.spill import SignatureStore, SpillTable, WorkFolder
from cleaner.templates import find_templates
from cleaner.write import Partitioning, write_output

PathLike = Union[str, "os.PathLike[str]"]
Inputs = Union[PathLike, Iterable[PathLike], Iterable[Mapping[str, Any]], pl.DataFrame, Any]
"""Paths, records, a Polars frame, or a PySpark DataFrame of records (``Any``: PySpark is optional)."""
ProgressCallback = Callable[[int], None]

_DOC_INFO = pl.Schema({name: dtype for name, dtype in schemas.RAW_DOCUMENTS.items() if name not in ("body", "content_type")})


@dataclass
class CleanResult:
    """The tables of one run, plus its manifest.

    The tables stay in the run's work folder until first asked for (``result.paragraphs``
    reads it then), and :meth:`write` copies them into place without reading them whole, so
    a run larger than memory can still be written.
    """

    stored: dict[str, SpillTable]
    """``documents``, ``paragraphs``, ``clusters`` and ``removed`` on disk (see ``spill.py``)."""
    errors: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    config: CleanConfig = field(default_factory=CleanConfig)
    index_rows: pl.DataFrame | None = None
    """This run's paragraphs as the dedup index stores them (when an index is in use)."""

    def update_index(self) -> None:
        """Append this run's paragraphs to its dedup index (after the output is safely written)."""
        if self.config.index_dir is None or self.index_rows is None:
            raise ValueError("this run used no index (pass index_dir=... or --index DIR)")
        DedupIndex(self.config.index_dir).append(self.index_rows, self.config)

    @property
    def documents(self) -> pl.DataFrame:
        """Every document with its metadata, clean body and ``duplicate_of``."""
        return self.stored["documents"].frame()

    @property
    def paragraphs(self) -> pl.DataFrame:
        """Every kept paragraph with its cluster and why it joined it."""
        return self.stored["paragraphs"].frame()

    @property
    def clusters(self) -> pl.DataFrame:
        """The canonical dataset: one paragraph per cluster, with its provenance."""
        return self.stored["clusters"].frame()

    @property
    def removed(self) -> pl.DataFrame:
        """Every removed input line with its reason."""
        return self.stored["removed"].frame()

    @property
    def removed_log(self) -> RemovedLog:
        removed = self.stored["removed"]
        assert isinstance(removed, RemovedLog)
        return removed

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The output tables by name (each read from the work folder on first use)."""
        return {name: getattr(self, name) for name in schemas.OUTPUT_TABLES}

    def write(
        self, out_dir: PathLike, *, output_format: OutputFormat | None = None, overwrite: bool = False
    ) -> Path:
        """Write the tables and ``manifest.json`` into ``out_dir`` atomically.

        Tables are copied a row group at a time; the Hugging Face layout and partitioned
        output read ``documents``, ``paragraphs`` and ``clusters`` whole to shard them.
        """
        fmt = output_format or self.config.output_format
        whole = self.config.layout != "tables" or self.config.partition_by is not None
        tables: dict[str, Any] = {
            name: (table.frame() if whole and name != "removed" else table) for name, table in self.stored.items()
        }
        tables["errors"] = self.errors
        return write_output(
            out_dir,
            {name: tables[name] for name in schemas.OUTPUT_TABLES},
            self.manifest,
            output_format=fmt,
            overwrite=overwrite,
            layout=self.config.layout,
            shard_rows=self.config.shard_rows,
            metadata=parquet_metadata(self.config),
            partitions=self.partitions(),
        )

    def partitions(self) -> dict[str, Partitioning]:
        """Hive partitions of ``documents``, ``paragraphs`` and ``clusters`` by their document's
        ``source``, or its ``day`` (the ``YYYY-MM-DD`` of ``date``; null when it has none). A
        cluster goes with its canonical paragraph's document. The audit tables stay whole."""
        if self.config.partition_by is None:
            return {}
        key = "source" if self.config.partition_by == "source" else "day"
        value = pl.col("source") if key == "source" else pl.col("date").str.extract(r"^(\d{4}-\d{2}-\d{2})")
        by_doc = self.documents.select("doc_id", value.alias("__value__"))
        by_para = self.paragraphs.select("para_id", "doc_id").join(by_doc, on="doc_id", how="left", maintain_order="left")
        canonical = self.clusters.select("canonical_para_id").join(
            by_para.select(pl.col("para_id").alias("canonical_para_id"), "__value__"), on="canonical_para_id", how="left", maintain_order="left"
        )
        return {
            "documents": Partitioning(key, by_doc["__value__"]),
            "paragraphs": Partitioning(key, by_para["__value__"]),
            "clusters": Partitioning(key, canonical["__value__"]),
        }

    def summary(self) -> str:
        """A few lines a person reads at the end of a run."""
        counts = self.manifest.get("counts", {})
        lines = [
            f"documents: {counts.get('documents', 0)} ({counts.get('duplicate_documents', 0)} near-copies of another)",
            f"paragraphs: {counts.get('paragraphs', 0)} in {counts.get('clusters', 0)} clusters "
            f"({counts.get('duplicate_clusters', 0)} with copies, {counts.get('duplicate_paragraphs', 0)} duplicate paragraphs)",
        ]
        reasons = counts.get("removed_by_reason", {})
        if reasons:
            shown = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"removed lines: {counts.get('removed', 0)} ({shown})")
        lines.append(
            f"input errors: {counts.get('errors_skipped', 0)} skipped"
            f" ({counts.get('errors', 0) - counts.get('errors_skipped', 0)} notes: ignored files, renamed ids)"
        )
        lines.append(f"time: {self.manifest.get('timings', {}).get('total', 0.0):.2f} s")
        return "\n".join(lines)


def _batches(
    documents: Iterator[dict[str, Any]], size: int, max_chars: int, info: list[pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    """Group raw documents into frames of at most ``size`` documents or ``max_chars`` characters.

    The character bound keeps batches of heavy HTML pages small enough to spread over the
    workers; their metadata (without the body) is kept in ``info``, a frame per batch.
    """
    batch: list[dict[str, Any]] = []
    chars = 0
    for doc in documents:
        batch.append(doc)
        chars += len(doc["body"])
        if len(batch) >= size or chars >= max_chars:
            info.append(schemas.frame(batch, _DOC_INFO))
            yield schemas.frame(batch, schemas.RAW_DOCUMENTS)
            batch, chars = [], 0
    if batch:
        info.append(schemas.frame(batch, _DOC_INFO))
        yield schemas.frame(batch, schemas.RAW_DOCUMENTS)


def _concat(frames: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    return pl.concat(frames, how="vertical") if frames else schemas.empty(schema)


TEXT_KINDS = frozenset({"text", "records", "csv", "parquet"})
"""File kinds that can hold plain-text documents (pages and web archives hold HTML)."""


def _raw_documents(
    inputs: Inputs, config: CleanConfig, errors: list[ErrorRow], kinds: frozenset[str] | None = None
) -> Iterator[dict[str, Any]]:
    if isinstance(inputs, pl.DataFrame):
        return iter_record_documents(inputs.iter_rows(named=True), config, errors)
    if is_spark_dataframe(inputs):
        return iter_record_documents((row.asDict(recursive=True) for row in inputs.toLocalIterator()), config, errors)
    if isinstance(inputs, (str, os.PathLike)):
        return iter_raw_documents([inputs], config, errors, kinds)
    items = list(inputs) if not isinstance(inputs, Iterator) else inputs
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        return iter(())

    def chained() -> Iterator[Any]:
        yield first
        yield from iterator

    if isinstance(first, Mapping):
        return iter_record_documents(chained(), config, errors)
    return iter_raw_documents(list(chained()), config, errors, kinds)


def _rereadable(inputs: Inputs) -> bool:
    """Whether the inputs can be read twice (not standard input, not a one-shot iterator)."""
    if isinstance(inputs, pl.DataFrame) or is_spark_dataframe(inputs):
        return True
    if isinstance(inputs, (str, os.PathLike)):
        return os.fspath(inputs) != "-"
    return isinstance(inputs, (list, tuple)) and not any(isinstance(i, (str, os.PathLike)) and os.fspath(i) == "-" for i in inputs)


def _site_templates(inputs: Inputs, config: CleanConfig) -> dict[str, frozenset[int]]:
    """First pass: each source's template lines (see ``templates.py``), when inputs allow two reads."""
    if not (config.strip and config.site_templates and _rereadable(inputs)):
        return {}
    return find_templates(_raw_documents(inputs, config, [], kinds=TEXT_KINDS), min_documents=config.template_min_documents)


def _peak_memory_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return round(max(usage, children) * scale, 1)


@dataclass
class _Mapped:
    """What the per-document map stage produced, collected from all batches."""

    documents: pl.DataFrame  # identity plus metadata found, in input order
    keys: pl.DataFrame  # schemas.PARAGRAPH_KEYS, in memory
    texts: SpillTable  # schemas.PARAGRAPH_TEXTS, on disk
    signatures: SignatureStore | None  # once per normalised text (None: exact duplicates only)
    removed: RemovedLog
    errors: pl.DataFrame  # schemas.ERRORS
    folder: WorkFolder


@dataclass
class _Deduplicated:
    """Every paragraph's cluster, today's documents, and what the manifest says about it."""

    today: pl.DataFrame  # canonical.ASSIGNMENT of today's paragraphs, in input order
    earlier: pl.DataFrame  # the same for paragraphs known from the index
    provenance: pl.DataFrame  # canonical.PROVENANCE of every cluster
    duplicates: pl.DataFrame  # doc_id, duplicate_of
    statistics: dict[str, Any]


def clean(
    inputs: Inputs,
    config: CleanConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
    spark: Any = None,
    **options: Any,
) -> CleanResult:
    """Clean and deduplicate ``inputs`` into canonical tables.

    ``inputs`` is a path, a list of paths (files, folders, ``"-"`` for JSON Lines on stdin),
    an iterable of record dicts (``text`` or ``html``, optionally ``id``, ``url``, ``source``,
    ``title``, ``author``, ``date``) or a Polars frame of such records. ``options`` are
    :class:`CleanConfig` fields (``workers=2``, ``text_field="body"``...). Bad inputs do not
    raise: they are listed in ``result.errors`` and the rest is cleaned.

    ``engine="spark"`` runs the per-document work on Spark executors, in the given ``spark``
    session or a PySpark DataFrame input's own session (or ``local[workers]``); the tables are
    the same as with the default local engine.
    """
    config = (config or CleanConfig()).with_options(**options)
    if is_spark_dataframe(inputs):
        spark = spark or inputs.sparkSession
        if "engine" not in options and config.engine == "local":
            config = config.with_options(engine="spark")
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    started = time.perf_counter()

    templates = _site_templates(inputs, config)
    timings["site_templates"] = time.perf_counter() - started
    engine = _engine(config, spark)
    mapped = _map_documents(inputs, config, templates, progress, engine)
    timings["read_strip_extract"] = time.perf_counter() - started - timings["site_templates"]
    memory["read_strip_extract"] = _peak_memory_mb()

    stage = time.perf_counter()
    indexed = _load_index(config, mapped.documents)
    deduplicated = _deduplicate(mapped, indexed, config, timings, engine)
    memory["clusters"] = _peak_memory_mb()
    stage_write = time.perf_counter()
    documents = _documents_fields(mapped.documents, mapped.keys, deduplicated)
    stored: dict[str, SpillTable] = {
        **assemble_tables(
            mapped.texts,
            deduplicated.today,
            _indexed_texts(indexed),
            deduplicated.earlier,
            deduplicated.provenance,
            documents,
            mapped.folder,
            parquet_metadata(config),
        ),
        "removed": mapped.removed,
    }
    timings["assemble_tables"] = time.perf_counter() - stage_write
    timings["dedup_and_canonical"] = time.perf_counter() - stage
    timings["total"] = time.perf_counter() - started

    result = CleanResult(stored={name: stored[name] for name in ("documents", "paragraphs", "clusters", "removed")}, errors=mapped.errors, config=config)
    if config.index_dir is not None:
        result.index_rows = _index_rows(mapped, deduplicated.today)
    result.manifest = _manifest(result, config, inputs, timings, _counts(documents, deduplicated, mapped.removed, mapped.errors))
    result.manifest["peak_memory_mb_after_stage"] = memory
    result.manifest["dedup"] = (
        {
            "signature": config.signature_params().to_dict(),
            "banding": describe_banding(config.jaccard_threshold, config.num_perm),
            "match_rule": asdict(config.match_rule()),
            "index": {"path": config.index_dir, "paragraphs_loaded": indexed.height} if config.index_dir else None,
            **deduplicated.statistics,
        }
        if config.near_duplicates
        else {"near_duplicates": False}
    )
    return result


def _engine(config: CleanConfig, spark: Any) -> Engine:
    if config.engine == "spark":
        return SparkEngine(
            config.resolved_workers(), config.batch_size, config.spark_master, spark, config.work_dir, config.driver_edges
        )
    if config.engine != "local":
        raise ValueError(f"unknown engine {config.engine!r} (local or spark)")
    return LocalEngine(config.resolved_workers())


def _map_documents(
    inputs: Inputs,
    config: CleanConfig,
    templates: dict[str, frozenset[int]],
    progress: ProgressCallback | None,
    engine: Engine,
) -> _Mapped:
    """Read, strip or extract, split and sign every document, in batches over the worker pool.

    This process mostly waits for the workers here, so it imports scipy's graph module (for
    the clusters stage, 0.14 s) in the background meanwhile.
    """
    if config.near_duplicates:
        threading.Thread(target=importlib.import_module, args=("scipy.sparse.csgraph",), daemon=True).start()
    errors: list[ErrorRow] = []
    info: list[pl.DataFrame] = []
    metas: list[pl.DataFrame] = []
    keys: list[pl.DataFrame] = []
    pending_keys: list[pl.DataFrame] = []
    pending: list[pl.DataFrame] = []
    batch_errors: list[pl.DataFrame] = []
    folder = WorkFolder(config.work_dir)
    removed = RemovedLog(folder, parquet_metadata(config))
    texts = SpillTable(folder, "texts", schemas.PARAGRAPH_TEXTS, intermediate=True)
    signatures = SignatureStore(folder, choose_bands(config.jaccard_threshold, config.num_perm)[0]) if config.near_duplicates else None

    def spill() -> None:
        """Text and band keys to disk, signatures once per text, the rest kept as keys."""
        nonlocal pending
        if not pending:
            return
        keyed = pl.concat(pending, rechunk=True)
        pending = []
        texts.append(keyed.select(*schemas.PARAGRAPH_TEXTS))
        if signatures is not None:
            signatures.add(keyed)
        n_chars = pl.col("text").str.len_chars().cast(pl.Int32).alias("n_chars")
        pending_keys.append(keyed.with_columns(n_chars).select(*schemas.PARAGRAPH_KEYS))
        if len(pending_keys) == _SPILLS_PER_CHUNK:
            keys.append(pl.concat(pending_keys, rechunk=True))
            pending_keys.clear()

    done = 0
    for output in engine.map_batches(
        partial(process_batch, config=config, templates=templates),
        _batches(_raw_documents(inputs, config, errors), config.batch_size, config.batch_chars, info),
        isolate=partial(isolate_batch, config=config, templates=templates),
        in_threads=_FirstBatchesOnThreads(config),
    ):
        removed.add(output.removed)
        metas.append(output.meta)
        pending.append(output.paragraphs)
        if len(pending) == _BATCHES_PER_SPILL:
            spill()
        batch_errors.append(output.errors)
        done += output.meta.height + output.errors.height
        if progress is not None:
            progress(done)
    spill()
    removed.close()
    texts.close()
    documents = (
        _concat(info, _DOC_INFO)
        .join(_concat(metas, schemas.DOCUMENT_META), on="doc_id", how="inner", suffix="_found")
        .with_columns(
            pl.coalesce("title", "title_found").alias("title"),
            pl.coalesce("author", "author_found").alias("author"),
            pl.coalesce("date", "date_found").alias("date"),
            pl.coalesce("url", "url_found").alias("url"),
        )
        .sort("order")
    )
    all_errors = pl.concat([schemas.frame([e.as_dict() for e in errors], schemas.ERRORS), *batch_errors], how="vertical")
    return _Mapped(
        documents, _concat([*keys, *pending_keys], schemas.PARAGRAPH_KEYS), texts, signatures, removed, all_errors, folder
    )


THREADED_BATCHES = 128
"""At most this many batches (about a million paragraphs of news text) run on threads of this
process (``process.releases_gil``); later ones go to worker processes. Threads save the
workers' start (~0.4 s each), which is most of a small run's overhead; over a long run,
worker processes keep the map's short-lived allocations out of this process, whose memory
then holds only what deduplication needs (10M paragraphs all on threads: peak 7.67 GB
instead of 7.35 GB)."""


class _FirstBatchesOnThreads:
    """``in_threads`` for the local engine: the first :data:`THREADED_BATCHES` batches that
    release the GIL. Called once per batch, in input order, so the routing is deterministic."""

    def __init__(self, config: CleanConfig) -> None:
        self.config = config
        self.batches = 0

    def __call__(self, raw: pl.DataFrame) -> bool:
        self.batches += 1
        return self.batches <= THREADED_BATCHES and releases_gil(raw, self.config)


_BATCHES_PER_SPILL = 16
"""Batch outputs are spilled (text and band keys to disk, signatures once per text) every
this many batches: often enough to bound what waits in memory, rarely enough that checking
which texts are new stays cheap."""
_SPILLS_PER_CHUNK = 4
"""Paragraph keys are merged into one contiguous chunk every this many spills: deduplication's
group-bys and gathers run several times faster over a few large chunks than over thousands
of small ones, and merging as batches arrive never holds two copies of everything."""


def _deduplicate(
    mapped: _Mapped, indexed: pl.DataFrame, config: CleanConfig, timings: dict[str, float], engine: Engine
) -> _Deduplicated:
    """Clusters over today's paragraphs and the index's, then each paragraph's canonical."""
    stage = time.perf_counter()
    ranking_docs = pl.concat(
        [mapped.documents.select("doc_id", "source", "date", "order"), _indexed_documents(indexed)], how="vertical"
    )
    not_indexed = schemas.chunked_like(pl.Series("was_canonical", np.zeros(mapped.keys.height, dtype=bool)), mapped.keys)
    candidates = pl.concat([mapped.keys.with_columns(not_indexed), _indexed_keys(indexed)], how="vertical")
    ranks = paragraph_ranks(candidates, ranking_docs, config.prefer_sources).to_numpy()
    statistics: dict[str, Any] = {}
    if mapped.signatures is not None:
        mapped.signatures.add(indexed.select("norm_key", "shingles", "band_keys", "anchors"))
        members, statistics = near_duplicate_groups(
            candidates["norm_key"], ranks, mapped.signatures, config.match_rule(), config.max_bucket, engine.components
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
    return _Deduplicated(today, assignment.slice(mapped.keys.height), provenance, duplicates, statistics)


def _documents_fields(documents: pl.DataFrame, keys: pl.DataFrame, deduplicated: _Deduplicated) -> pl.DataFrame:
    """The ``documents`` output but its body: identity, metadata, ``n_paragraphs``, ``duplicate_of``."""
    counts = keys.group_by("doc_id").agg(pl.len().cast(pl.Int32).alias("n_paragraphs"))
    return (
        documents.join(counts, on="doc_id", how="left", maintain_order="left")
        .join(deduplicated.duplicates, on="doc_id", how="left", maintain_order="left")
        .with_columns(pl.col("n_paragraphs").fill_null(0))
    )


def _counts(documents: pl.DataFrame, deduplicated: _Deduplicated, removed: RemovedLog, errors: pl.DataFrame) -> dict[str, Any]:
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


def _load_index(config: CleanConfig, doc_info: pl.DataFrame) -> pl.DataFrame:
    if config.index_dir is None:
        return pl.DataFrame(schema=INDEX_ROWS)
    return DedupIndex(config.index_dir).load(config, replacing=set(doc_info["doc_id"].to_list()))


def _indexed_documents(indexed: pl.DataFrame) -> pl.DataFrame:
    """Documents known only from the index: ranked like today's, never written out."""
    return indexed.select("doc_id", "source", "date").unique("doc_id", keep="first", maintain_order=True).with_columns(
        pl.lit(-1, dtype=pl.Int64).alias("order")
    )


def _indexed_keys(indexed: pl.DataFrame) -> pl.DataFrame:
    return indexed.select(
        "para_id", "doc_id", "position", "norm_key", "n_tokens",
        pl.col("text").str.len_chars().cast(pl.Int32).alias("n_chars"), "was_canonical",
    )


def _indexed_texts(indexed: pl.DataFrame) -> pl.DataFrame:
    return indexed.select(
        "para_id", "doc_id", "position", "text",
        pl.lit(None, dtype=pl.Int32).alias("line_start"), pl.lit(None, dtype=pl.Int32).alias("line_end"),
    )


def _index_rows(mapped: _Mapped, today: pl.DataFrame) -> pl.DataFrame:
    """Today's paragraphs as the index stores them: text, signatures, source, date, canonical."""
    rows = mapped.texts.frame().select("para_id", "text").join(
        mapped.keys, on="para_id", how="left", maintain_order="left"
    )
    if mapped.signatures is not None:
        store_rows = mapped.signatures.rows_of(rows["norm_key"])
        signatures = [
            mapped.signatures.shingle_lists(store_rows),
            mapped.signatures.band_lists(store_rows),
            mapped.signatures.frame["anchors"].rechunk().gather(store_rows),
        ]
    else:
        empty = pl.Series([[]] * rows.height, dtype=pl.List(pl.UInt64))
        signatures = [empty.alias("shingles"), empty.alias("band_keys"), empty.alias("anchors")]
    return (
        rows.with_columns(signatures)
        .join(mapped.documents.select("doc_id", "source", "date"), on="doc_id", how="left", maintain_order="left")
        .join(today.select("para_id", pl.col("is_canonical").alias("was_canonical")), on="para_id", how="left", maintain_order="left")
        .select(*INDEX_ROWS)
    )


def _describe_inputs(inputs: Inputs) -> list[str]:
    if isinstance(inputs, pl.DataFrame):
        return [f"<frame of {inputs.height} rows>"]
    if is_spark_dataframe(inputs):
        return ["<Spark DataFrame>"]
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    if isinstance(inputs, (list, tuple)) and all(isinstance(i, (str, os.PathLike)) for i in inputs):
        return [os.fspath(i) for i in inputs]
    return ["<records>"]


EXECUTION_ONLY = frozenset(
    {"workers", "engine", "spark_master", "work_dir", "batch_size", "batch_chars", "output_format", "layout", "shard_rows", "partition_by"}
)
"""Parameters that change how a run is executed or stored, never what it finds."""


def parquet_metadata(config: CleanConfig) -> dict[str, str]:
    """Key-value metadata of every Parquet file: cleaner's version, the parameters that shape
    the result and the versions of the libraries that computed it. Nothing that varies between
    identical runs (no times, no worker count), so equal inputs still give equal bytes."""
    parameters = {name: value for name, value in config.to_dict().items() if name not in EXECUTION_ONLY}
    libraries = {name: _installed_version(name) for name in ("polars", "polars-hash", "pyarrow", "trafilatura", "datasketch")}
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


def _manifest(
    result: CleanResult, config: CleanConfig, inputs: Inputs, timings: dict[str, float], counts: dict[str, Any]
) -> dict[str, Any]:
    return {
        "version": __version__,
        "parameters": config.to_dict(),
        "inputs": _describe_inputs(inputs),
        "counts": counts,
        "timings": {name: round(seconds, 3) for name, seconds in timings.items()},
        "peak_memory_mb": _peak_memory_mb(),
    }


def clean_frame(
    df: pl.DataFrame,
    *,
    text_col: str = "text",
    html_col: str = "html",
    id_col: str = "id",
    url_col: str = "url",
    source_col: str = "source",
    title_col: str = "title",
    author_col: str = "author",
    date_col: str = "date",
    config: CleanConfig | None = None,
    **options: Any,
) -> CleanResult:
    """Clean a Polars frame that an ETL job already holds: one document per row.

    Column names default to the standard record fields; rows without an id column are
    numbered from 1.
    """
    columns = {
        "text_field": text_col, "html_field": html_col, "id_field": id_col, "url_field": url_col,
        "source_field": source_col, "title_field": title_col, "author_field": author_col, "date_field": date_col,
    }
    return clean(df, config, **columns, **options)


def dedup(df: pl.DataFrame, *, text_col: str = "text", id_col: str = "id", **options: Any) -> CleanResult:
    """Deduplicate already-clean text in a frame: no boilerplate rules, paragraphs as given.

    Same tables as :func:`clean_frame`; ``result.paragraphs`` says which cluster each
    paragraph joined and why, ``result.clusters`` is the deduplicated text.
    """
    return clean_frame(df, text_col=text_col, id_col=id_col, strip=False, **options)
