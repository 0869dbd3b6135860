"""Reading on Spark's executors: the driver lists the files, the executors read them.

The driver only walks the input folders (``discover``) and hands Spark the list of files; an
uncompressed JSON-lines file over :data:`PIECE_BYTES` is handed over in parts (``read.Span``),
after a small job has counted each part's line breaks, so that records keep their line
numbers. Each task reads its files or parts with the local reader (``read.read_file_rows``),
and the rows go to the work folder as Parquet. What makes the result exactly the local
engine's is computed from small aggregates:

* the global ``order``: each piece's document count (one row per piece) gives its offset, and
  a document's order is its piece's offset plus its place in the piece;
* unique ids: only the ids that can clash (seen twice, or holding a ``#``) come back to the
  driver, in order, for the local rule (``read.UniqueIds``);
* the errors table: the discovery errors, then every piece's errors in reading order, renames
  among them where the local reader meets them;
* site templates: each task counts its text documents' short lines, Spark sums the counts by
  source and line, and only the template lines come back.

The driver keeps what it keeps for the local engine per document (identity and metadata,
without the body) and nothing per line or paragraph. A compressed file, or a ``.json`` file
(which may be one array), is read by one task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from cleaner import schemas
from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow, InputFile, discover
from cleaner.engines.spark import spark_type, to_spark_arrow
from cleaner.inputs import TEXT_KINDS, Inputs, file_paths
from cleaner.read import (
    FILES_TO_READ,
    READ_ROWS,
    UniqueIds,
    count_newlines,
    file_size,
    read_file_rows,
    renamed_error,
    splittable,
)
from cleaner.strip.templates import (
    LINE_COUNTS,
    SOURCE_TOTALS,
    copy_keys,
    documents_needed,
    template_keys,
    template_line_counts,
)


@dataclass
class ReadOnCluster:
    """The documents read by the executors, as a Spark DataFrame of :data:`schemas.RAW_DOCUMENTS`
    rows, and what the driver keeps of them."""

    documents: Any
    info: pl.DataFrame
    """:data:`schemas.DOCUMENT_INFO` of every document, in order."""
    errors: list[ErrorRow]
    templates: dict[str, frozenset[int]]
    count: int


def reads_on_executors(inputs: Inputs, config: CleanConfig) -> bool:
    """Whether the executors can read ``inputs``: paths (not standard input) and no ``limit``
    (the first N documents are a sequential notion; the driver reads those runs)."""
    return config.limit is None and file_paths(inputs) is not None


def _schema(schema: pl.Schema) -> str:
    return ", ".join(f"`{name}` {spark_type(dtype)}" for name, dtype in schema.items())


def _read_partition(batches: Iterator[Any], config: CleanConfig) -> Iterator[Any]:
    """Run on an executor: the files of each Arrow batch, read."""
    for batch in batches:
        files = schemas.conform(pl.from_arrow(batch), FILES_TO_READ)  # type: ignore[arg-type]
        for rows in read_file_rows(files, config):
            yield from to_spark_arrow(rows).to_batches()


def _count_template_lines(batches: Iterator[Any]) -> Iterator[Any]:
    """Run on an executor: :data:`LINE_COUNTS` of each batch of text documents (keys as signed
    64-bit integers, which Spark carries)."""
    for batch in batches:
        documents = pl.from_arrow(batch)
        assert isinstance(documents, pl.DataFrame)
        counts = template_line_counts(documents)
        yield from counts.with_columns(pl.col("key").reinterpret(signed=True)).to_arrow().to_batches()


def _copy_keys(batches: Iterator[Any]) -> Iterator[Any]:
    """Run on an executor: each text document's ``order``, ``source`` and its
    :func:`~cleaner.strip.templates.copy_keys` key (as a signed 64-bit integer, which Spark carries)."""
    for batch in batches:
        documents = pl.from_arrow(batch)
        assert isinstance(documents, pl.DataFrame)
        keys = copy_keys(documents).reinterpret(signed=True).alias("copy")
        yield from documents.select("order", "source").with_columns(keys).to_arrow().to_batches()


def read_on_cluster(spark: Any, inputs: Inputs, config: CleanConfig, save: Any, *, templates: bool) -> ReadOnCluster:
    """Read the files behind ``inputs`` on the executors (see the module docstring). ``save``
    writes a DataFrame to the work folder and reads it back; ``templates``: find site templates."""
    from pyspark.sql import functions as F

    errors: list[ErrorRow] = []
    files = discover(file_paths(inputs) or [], errors, config.follow_symlinks)
    if not files:
        return ReadOnCluster(None, schemas.empty(schemas.DOCUMENT_INFO), errors, {}, 0)
    pieces = _pieces(spark, files)
    slices = max(1, min(pieces.height, spark.sparkContext.defaultParallelism * 4))
    read = save(
        "read",
        spark.createDataFrame(pieces.to_arrow())
        .repartitionByRange(slices, "piece")
        .mapInArrow(partial(_read_partition, config=config), _schema(READ_ROWS)),
    )
    documents = read.filter("doc_number is not null")
    per_piece = pl.from_arrow(documents.groupBy("piece").count().toArrow())
    assert isinstance(per_piece, pl.DataFrame)
    offsets = per_piece.sort("piece").select("piece", (pl.col("count").cum_sum() - pl.col("count")).alias("offset"))
    documents = documents.join(F.broadcast(spark.createDataFrame(offsets.to_arrow())), "piece").withColumn(
        "order", F.col("offset") + F.col("doc_number")
    )
    renames, rename_errors = _renamed_ids(documents)
    if renames.height:
        documents = (
            documents.join(F.broadcast(spark.createDataFrame(renames.to_arrow())), "order", "left")
            .withColumn("doc_id", F.coalesce("new_id", "doc_id"))
            .drop("new_id")
        )
    # not written again: each use scans the rows read, with the offsets and renames broadcast
    saved = documents.select(*schemas.RAW_DOCUMENTS, "metadata", "file_kind")
    info = pl.from_arrow(saved.select(*schemas.DOCUMENT_INFO).toArrow())
    assert isinstance(info, pl.DataFrame)
    found = pl.from_arrow(read.filter("doc_number is null").select("piece", "seq", "path", "record", "error", "action").toArrow())
    assert isinstance(found, pl.DataFrame)
    ordered = pl.concat([found, rename_errors]).sort("piece", "seq")
    errors.extend(ErrorRow(path, record, error, action) for _, _, path, record, error, action in ordered.iter_rows())
    found_templates = _templates(saved, config) if templates else {}
    return ReadOnCluster(
        saved.select(*schemas.RAW_DOCUMENTS), schemas.conform(info.sort("order"), schemas.DOCUMENT_INFO), errors, found_templates, info.height
    )


PIECE_BYTES = 32 << 20
"""An uncompressed JSON-lines file is read in parts of this many bytes by separate tasks (one
export file is often the whole input). Spark's own file splits are 128 MB; a smaller part
spreads a few hundred MB over the cores of one machine too."""


def _pieces(spark: Any, files: list[InputFile]) -> pl.DataFrame:
    """:data:`FILES_TO_READ`: whole files, and :func:`read.splittable` files over
    :data:`PIECE_BYTES` in parts, each knowing the line breaks before it (counted by the
    executors, a part per task)."""
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(files):
        whole = {"file": number, "path": os.fsencode(item.path), "absolute": os.fsencode(os.path.abspath(item.path)),
                 "relative": os.fsencode(item.relative), "kind": item.kind, "compressed": item.compressed}
        size = file_size(item)
        if not splittable(item) or size <= PIECE_BYTES:
            rows.append({**whole, "piece": len(rows)})
            continue
        rows.extend({**whole, "piece": len(rows) + i, "start": start, "end": min(start + PIECE_BYTES, size)}
                    for i, start in enumerate(range(0, size, PIECE_BYTES)))
    pieces = schemas.frame(rows, pl.Schema({**FILES_TO_READ, "file": pl.Int64}))
    parts = pieces.filter(pl.col("start").is_not_null()).select("piece", "absolute", "start", "end")
    if parts.height == 0:
        return pieces.select(list(FILES_TO_READ))
    counted = spark.createDataFrame(parts.to_arrow()).repartition(min(parts.height, spark.sparkContext.defaultParallelism * 4))
    newlines = pl.from_arrow(counted.mapInArrow(_count_newlines, "piece bigint, newlines bigint").toArrow())
    assert isinstance(newlines, pl.DataFrame)
    return with_line_counts(pieces, newlines)


def with_line_counts(pieces: pl.DataFrame, newlines: pl.DataFrame) -> pl.DataFrame:
    """``pieces`` (:data:`FILES_TO_READ` and the ``file`` each comes from) with each part's
    ``newlines_before``, from the parts' line-break counts (``piece, newlines``; -1: the part
    could not be read). A file with a part that could not be read becomes one whole piece
    again, so that its reading reports it once, as the driver's reading does."""
    counted = pieces.join(newlines, on="piece", how="left", maintain_order="left")
    unreadable = counted.filter(pl.col("newlines") < 0)["file"].unique()
    whole = pl.col("file").is_in(unreadable.implode())
    return (
        counted.filter(~whole | (pl.col("start") == 0))
        .with_columns(
            pl.when(whole).then(None).otherwise(pl.col("start")).alias("start"),
            pl.when(whole).then(None).otherwise(pl.col("end")).alias("end"),
            pl.when(whole).then(None).otherwise(pl.col("newlines").cum_sum().over("file") - pl.col("newlines")).alias("newlines_before"),
        )
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("piece"))
        .select(list(FILES_TO_READ))
    )


def _count_newlines(batches: Iterator[Any]) -> Iterator[Any]:
    """Run on an executor: the line breaks of each part of a file (-1: it could not be read,
    the file is gone or unreadable since it was listed)."""
    for batch in batches:
        parts = pl.from_arrow(batch)
        assert isinstance(parts, pl.DataFrame)
        counts = []
        for path, start, end in parts.select("absolute", "start", "end").iter_rows():
            try:
                counts.append(count_newlines(os.fsdecode(path), start, end))
            except OSError:
                counts.append(-1)
        yield from pl.DataFrame({"piece": parts["piece"], "newlines": pl.Series(counts, dtype=pl.Int64)}).to_arrow().to_batches()


def _renamed_ids(documents: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The documents whose id the local reader renames (``order``, ``new_id``), and the
    ``renamed`` errors it reports, keyed by where it meets them (``piece``, ``seq``)."""
    from pyspark.sql import functions as F

    clashing = documents.groupBy("doc_id").count().filter((F.col("count") > 1) | F.col("doc_id").contains("#")).select("doc_id")
    rows = pl.from_arrow(documents.join(clashing, "doc_id").select("order", "doc_id", "path", "piece", "seq", "record").toArrow())
    assert isinstance(rows, pl.DataFrame)
    ids = UniqueIds()
    renames, reported = [], []
    for order, doc_id, path, piece, seq, record in rows.sort("order").iter_rows():
        new_id = ids.assign(doc_id)
        if new_id is not None:
            renames.append({"order": order, "new_id": new_id})
            reported.append({"piece": piece, "seq": seq, **renamed_error(path, doc_id, new_id, record).as_dict()})
    error_schema = pl.Schema({"piece": pl.Int64, "seq": pl.Int64, **schemas.ERRORS})
    return (
        schemas.frame(renames, pl.Schema({"order": pl.Int64, "new_id": pl.String})),
        schemas.frame(reported, error_schema),
    )


def _templates(documents: Any, config: CleanConfig) -> dict[str, frozenset[int]]:
    """``strip.templates.find_templates`` of the text documents, counted on the executors: the
    same documents the driver's first pass counts (text documents of text-holding files)."""
    from pyspark.sql import functions as F

    if not (config.strip and config.site_templates):
        return {}
    text = documents.filter((F.col("content_type") == "text") & F.col("file_kind").isin(*sorted(TEXT_KINDS)))
    text = text.select("order", "source", "body")
    keyed = text.mapInArrow(_copy_keys, "order long, source string, copy long")
    firsts = keyed.groupBy("source", "copy").agg(F.min("order").alias("order")).select("order")
    text = text.join(firsts, "order", "left_semi").select("source", "body")  # the first of each document's copies, as locally
    counts = text.mapInArrow(_count_template_lines, _schema(LINE_COUNTS))
    counts = counts.groupBy("source", "key").agg(F.sum("documents").alias("documents"))
    totals = pl.from_arrow(text.groupBy("source").agg(F.count(F.lit(1)).alias("documents")).toArrow())
    assert isinstance(totals, pl.DataFrame)
    totals = schemas.conform(totals, SOURCE_TOTALS)
    needed = documents.sparkSession.createDataFrame(documents_needed(totals, config.template_min_documents).to_arrow())
    # only the lines over their source's bar come back: a source's short lines are many
    candidates = counts.join(F.broadcast(needed), "source").filter(F.col("documents") >= F.col("needed"))
    found = pl.from_arrow(candidates.select("source", "key", "documents").toArrow())
    assert isinstance(found, pl.DataFrame)
    merged = schemas.conform(found.with_columns(pl.col("key").reinterpret(signed=False)), LINE_COUNTS)
    return template_keys(merged, totals, config.template_min_documents)
