"""The library's core: the stages of a run, in order.

1. **Site templates**: a first pass counts each source's recurring short lines (text inputs
   that can be read twice).
2. **Map**, a batch of documents at a time on an engine (``batch.clean_batch``): read ->
   extract (HTML) or strip (text) -> paragraphs -> exact keys and signatures. What
   deduplication does not need goes to the run's work folder as it arrives.
3. **Deduplicate** (``duplicates.stage``), against the dedup index too: candidates ->
   verification -> clusters -> canonical paragraphs and duplicate documents.
4. **Assemble** the output tables from the spilled text, a row group at a time.
5. The :class:`CleanResult` is written by :meth:`CleanResult.write` (atomically).

On the Spark engine without a dedup index, stages 2 to 4 run on the executors instead
(:func:`clean_on_spark`, ``engines.spark_clean``): the same decisions and the same bytes, with
nothing per paragraph on the driver.

``clean`` and ``clean_frame`` are what the command line calls; the CLI adds nothing but
argument parsing and printing, so everything a user can do there they can do here.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

import polars as pl

from cleaner.batch import clean_batch, releases_gil
from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow
from cleaner.duplicates.index import (
    DedupIndex,
    TodaysKeys,
    changed_rows,
    index_rows,
    indexed_texts,
    load_index,
)
from cleaner.duplicates.stage import Deduplicated, deduplicate
from cleaner.engines import Engine, is_spark_dataframe, make_engine
from cleaner.engines.reader import batches_read_apart, paths_to_read_apart
from cleaner.errors import EmptyRunError
from cleaner.inputs import (
    TEXT_KINDS,
    Inputs,
    as_polars_frame,
    batches_of,
    check_inputs,
    describe_inputs,
    input_bytes,
    raw_documents,
    rereadable,
)
from cleaner.manifest import (
    counts,
    dedup_section,
    manifest,
    parquet_metadata,
    peak_memory_mb,
)
from cleaner.progress import Progress
from cleaner.result import CleanResult
from cleaner.strip.templates import find_templates
from cleaner.tables.assemble import assemble_tables, with_document_fields
from cleaner.tables.collect import MapCollector, MappedDocuments
from cleaner.tables.place import check_locations
from cleaner.tables.spill import SpillTable, WorkFolder

log = logging.getLogger("cleaner")
"""The library's logger: stage messages at INFO, details at DEBUG (``cleaner clean -v``)."""



def clean(
    inputs: Inputs,
    config: CleanConfig | None = None,
    *,
    progress: Progress | None = None,
    spark: Any = None,
    **options: Any,
) -> CleanResult:
    """Clean and deduplicate ``inputs`` into canonical tables.

    ``inputs`` is a path, a list of paths (files, folders, ``"-"`` for JSON Lines on stdin),
    an iterable of record dicts (``text`` or ``html``, optionally ``id``, ``url``, ``source``,
    ``title``, ``author``, ``date``) or a frame of such records (Polars, lazy or not, pandas,
    or Arrow). ``options`` are
    :class:`CleanConfig` fields (``workers=2``, ``text_field="body"``...). Bad inputs do not
    raise: they are listed in ``result.errors`` and the rest is cleaned.

    ``engine="spark"`` runs the per-document work on Spark executors, in the given ``spark``
    session or a PySpark DataFrame input's own session (or ``local[workers]``); the tables are
    the same as with the default local engine. ``progress`` hears each stage and how far
    it is (``cleaner.progress``).

    A path that does not exist, or a folder with no file cleaner reads, raises
    :class:`~cleaner.errors.InputNotFoundError` before any work; inputs that give no document
    at all raise :class:`~cleaner.errors.EmptyRunError` unless ``allow_empty=True``.
    """
    config = (config or CleanConfig()).with_options(**options)
    frame = as_polars_frame(inputs)  # pandas, Arrow and lazy frames are read as Polars frames, once
    inputs = frame if frame is not None else inputs
    check_inputs(inputs, config)
    check_locations(None, describe_inputs(inputs), config.index_dir)
    if is_spark_dataframe(inputs):
        spark = spark or inputs.sparkSession
        if "engine" not in options and config.engine == "local":
            config = config.with_options(engine="spark")
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    started = time.perf_counter()

    engine = make_engine(config, spark)
    if config.engine == "spark" and config.index_dir is None:
        return clean_on_spark(inputs, config, engine, progress, timings, started)
    templates = timed_site_templates(inputs, config, progress, timings)
    if config.engine == "spark":
        log.warning(
            "with a dedup index (%s) the Spark engine deduplicates on the driver, which needs about 0.7 GB per "
            "million paragraphs (today's, and the indexed ones they reach); past the driver's memory, clean the whole collection in "
            "one run without --index, where deduplication runs on the executors", config.index_dir,
        )
    mapped = map_documents(inputs, config, templates, engine, progress)
    if mapped.documents.height == 0 and not config.allow_empty:
        raise EmptyRunError(empty_run_message(inputs, mapped.errors))
    warn_absent_preferred(config.prefer_sources, mapped.documents["source"])
    timings["read_strip_extract"] = time.perf_counter() - started - timings["site_templates"]
    log.info(
        "read, strip and extract: %d documents, %d paragraphs, %d input errors (%.2f s)",
        mapped.documents.height, mapped.keys.height, mapped.errors.height, timings["read_strip_extract"],
    )
    memory["read_strip_extract"] = peak_memory_mb()

    stage = time.perf_counter()
    near = todays_keys(mapped) if config.index_dir is not None else None
    indexed = load_index(config, replacing=set(mapped.documents["doc_id"].to_list()), near=near)
    if config.index_dir is not None:
        log.info("index: %d earlier paragraphs loaded", indexed.rows.height)
    on_step = progress.stage if progress is not None else None
    deduplicated = deduplicate(mapped, indexed, config, engine.components, timings, on_step)
    log.info("deduplicate: %d clusters (%.2f s)", deduplicated.provenance.height, timings["clusters"] + timings["canonical"])
    log.debug("deduplicate, details: %s", deduplicated.statistics)
    memory["clusters"] = peak_memory_mb()
    stage_write = time.perf_counter()
    documents = documents_fields(mapped, deduplicated)
    stored: dict[str, SpillTable] = {
        **assemble_tables(
            mapped.texts,
            deduplicated.today,
            indexed_texts(indexed.rows),
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

    result = CleanResult(stored=stored, errors=mapped.errors, config=config)
    if config.index_dir is not None:
        today = index_rows(mapped.texts, mapped.keys, mapped.signatures, mapped.documents, deduplicated.today)
        result.index_rows = changed_rows(today, indexed.replaced)
    run_counts = counts(documents, deduplicated, mapped.removed, mapped.errors)
    dedup = dedup_section(config, indexed.rows.height, deduplicated.statistics)
    result.manifest = manifest(config, inputs, timings, run_counts, memory, dedup)
    return result


def warn_absent_preferred(preferred: tuple[str, ...], sources: pl.Series) -> None:
    """Warn about each ``prefer_sources`` name no document of the run has: a misspelt outlet
    would otherwise change no canonical choice, silently."""
    present = set(sources.unique().to_list()) if preferred else set()
    for source in preferred:
        if source not in present:
            shown = ", ".join(sorted(map(str, present))[:10]) + (", ..." if len(present) > 10 else "")
            log.warning("--prefer %r: no document of this run has that source (sources: %s)", source, shown)


def todays_keys(mapped: MappedDocuments) -> TodaysKeys | None:
    """What the dedup index is searched by: today's normalised keys, band keys and anchors
    (``None`` when the map stage did not keep the band keys: the index had no entries then)."""
    signatures = mapped.signatures
    if signatures is None:
        none = pl.Series([], dtype=pl.UInt64)
        return TodaysKeys(mapped.keys["norm_key"], none, none)
    band_keys = signatures.all_band_keys()
    if band_keys is None:
        return None
    return TodaysKeys(mapped.keys["norm_key"], band_keys, signatures.frame["anchors"].explode().drop_nulls())


def clean_on_spark(
    inputs: Inputs,
    config: CleanConfig,
    engine: Engine,
    progress: Progress | None,
    timings: dict[str, float],
    started: float,
) -> CleanResult:
    """Read, map, deduplicate and assemble on Spark's executors (``engines.spark_clean``): the
    same tables, with nothing per paragraph on the driver. Inputs that are not paths (records,
    frames, standard input) or a run with a ``limit`` are read by the driver, which then finds
    the site templates in a first pass as the local engine does."""
    from cleaner.engines.spark import SparkEngine
    from cleaner.engines.spark_clean import clean_on_cluster
    from cleaner.engines.spark_read import reads_on_executors

    assert isinstance(engine, SparkEngine)
    templates = None if reads_on_executors(inputs, config) else timed_site_templates(inputs, config, progress, timings)
    run = clean_on_cluster(inputs, config, templates, engine, timings, progress)
    if run.documents == 0 and not config.allow_empty:
        raise EmptyRunError(empty_run_message(inputs, run.errors))
    log.info("read, strip, extract and deduplicate on Spark: %d documents, %d paragraphs", run.documents, run.counts["paragraphs"])
    if config.prefer_sources:
        warn_absent_preferred(config.prefer_sources, run.stored["documents"].column("source"))
    timings["total"] = time.perf_counter() - started
    result = CleanResult(stored=run.stored, errors=run.errors, config=config)
    memory = {"driver": peak_memory_mb()}
    result.manifest = manifest(config, inputs, timings, run.counts, memory, dedup_section(config, 0, run.statistics))
    return result


def empty_run_message(inputs: Inputs, errors: pl.DataFrame) -> str:
    """Why a run found no document: its inputs and the first of their errors."""
    message = f"no document could be read from {', '.join(describe_inputs(inputs)) or 'no inputs'}"
    skipped = errors.filter(pl.col("action") == "skipped")
    if skipped.height:
        first = skipped.row(0, named=True)
        where = first["path"] + (f" (record {first['record']})" if first["record"] is not None else "")
        message += f": {skipped.height} input error(s), the first: {where}: {first['error']}"
    return message + "; allow_empty=True (--allow-empty) accepts an empty dataset"


def timed_site_templates(inputs: Inputs, config: CleanConfig, progress: Progress | None, timings: dict[str, float]) -> dict[str, frozenset[int]]:
    """:func:`site_templates`, as a stage of the run (progress, timing and log)."""
    if progress is not None:
        progress.stage("site templates")
    started = time.perf_counter()
    templates = site_templates(inputs, config)
    timings["site_templates"] = time.perf_counter() - started
    log.info("site templates: %d source(s) with template lines (%.2f s)", len(templates), timings["site_templates"])
    return templates


def site_templates(inputs: Inputs, config: CleanConfig) -> dict[str, frozenset[int]]:
    """First pass: each source's template lines (``strip.templates``), when inputs allow two reads."""
    if not (config.strip and config.site_templates and rereadable(inputs)):
        return {}
    return find_templates(raw_documents(inputs, config, [], kinds=TEXT_KINDS), min_documents=config.template_min_documents)


def map_documents(
    inputs: Inputs,
    config: CleanConfig,
    templates: dict[str, frozenset[int]],
    engine: Engine,
    progress: Progress | None = None,
) -> MappedDocuments:
    """Read, strip or extract, split and sign every document, in batches on ``engine``."""
    read_errors: list[ErrorRow] = []
    info: list[pl.DataFrame] = []
    bands = config.signature_params().bands if config.signatures_needed() else None
    # today's band keys are kept only to search an index that has entries: a first run would
    # hold them (a third of a GB per million paragraphs) for nothing
    searches_index = config.index_dir is not None and DedupIndex(config.index_dir).has_entries()
    collector = MapCollector(WorkFolder(config.work_dir), bands, parquet_metadata(config), keep_band_keys=searches_index)
    on_bytes = None
    size = None
    if progress is not None:
        size = input_bytes(inputs, config)
        progress.stage("reading", size)
        on_bytes = progress.advance
    paths = paths_to_read_apart(inputs, config, size)
    if paths is not None:
        batches = batches_read_apart(paths, config, read_errors, info, on_bytes)
    else:
        batches = batches_of(inputs, config, read_errors, info, on_bytes)
    outputs = engine.map_batches(
        partial(clean_batch, config=config, templates=templates), batches, releases_gil=partial(releases_gil, config=config),
        read_apart=paths is not None,
    )
    for output in outputs:
        collector.add(output)
    return collector.finish(info, read_errors)


def documents_fields(mapped: MappedDocuments, deduplicated: Deduplicated) -> pl.DataFrame:
    """The ``documents`` output but its body: identity, metadata, ``n_paragraphs``, ``duplicate_of``."""
    paragraphs = mapped.keys.group_by("doc_id").agg(pl.len().cast(pl.Int32).alias("n_paragraphs"))
    return with_document_fields(mapped.documents, paragraphs, deduplicated.duplicates)


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
