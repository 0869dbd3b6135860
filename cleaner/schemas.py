"""Declared schemas of the frames that flow between stages and of the output tables.

Every stage returns frames with exactly these columns and types, so a stage can be
tested alone, and the local and Spark engines produce the same frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

DOCUMENT_IDENTITY = {
    name: pl.String for name in ("doc_id", "source", "path", "url", "title", "author", "date")
}
"""Who a document is and where it came from: carried from the reader to the output."""

RAW_DOCUMENTS = pl.Schema(
    {
        **DOCUMENT_IDENTITY,
        "content_type": pl.String,  # "text" or "html"
        "body": pl.String,  # the text, or the HTML markup
        "order": pl.Int64,  # position in the input stream: keeps output order stable
    }
)
"""Documents as read, before any cleaning (read -> extract/strip)."""

DOCUMENT_INFO = pl.Schema(
    {
        **{name: dtype for name, dtype in RAW_DOCUMENTS.items() if name not in ("body", "content_type")},
        "metadata": pl.String,  # the record's other fields, as JSON (``cleaner.record_metadata``)
    }
)
"""What the reader knows of a document, without its body: kept in memory for every document."""

DOCUMENT_META = pl.Schema(
    {
        "doc_id": pl.String,
        "title": pl.String,
        "author": pl.String,
        "date": pl.String,
        "sitename": pl.String,
        "language": pl.String,
        "extractor": pl.String,
        "strip_confidence": pl.Float64,
        "url": pl.String,
    }
)
"""Metadata found while cleaning a document (title and byline lines, HTML metadata)."""

PARAGRAPHS_RAW = pl.Schema(
    {
        "doc_id": pl.String,
        "position": pl.Int32,
        "text": pl.String,
        "line_start": pl.Int32,
        "line_end": pl.Int32,
    }
)
"""Kept paragraphs of each document, in reading order (paragraphs -> normalize)."""

PARAGRAPHS_KEYED = pl.Schema(
    {
        **PARAGRAPHS_RAW,
        "para_id": pl.String,
        "norm_key": pl.String,  # hex digest of the normalised text: exact-duplicate key
        "n_tokens": pl.Int32,
        "shingles": pl.List(pl.UInt64),  # word-shingle hashes (empty: too short to compare)
        "band_keys": pl.List(pl.UInt64),  # one LSH key per band of the MinHash signature
        "anchors": pl.List(pl.UInt64),  # hashes of long sentences, for containment candidates
    }
)
"""Paragraphs with identity, normalised key and signatures (signatures -> candidates -> clusters)."""

PARAGRAPH_TEXTS = pl.Schema({"para_id": pl.String, **PARAGRAPHS_RAW})
"""What the output needs of each paragraph and deduplication does not: spilled to disk."""

PARAGRAPH_KEYS = pl.Schema(
    {
        "para_id": pl.String,
        "doc_id": pl.String,
        "position": pl.Int32,
        "norm_key": pl.String,
        "n_tokens": pl.Int32,
        "n_chars": pl.Int32,
    }
)
"""What deduplication and the canonical rule need of each paragraph: held in memory."""

REMOVED = pl.Schema(
    {
        "doc_id": pl.String,
        "line": pl.Int32,
        "text": pl.String,
        "reason": pl.String,
    }
)

ERRORS = pl.Schema(
    {
        "path": pl.String,
        "record": pl.Int64,
        "error": pl.String,
        "action": pl.String,  # "skipped": nothing cleaned; "renamed"/"recovered"/"truncated": cleaned, with a caveat
    }
)

PARAGRAPHS = pl.Schema(
    {
        "para_id": pl.String,
        "doc_id": pl.String,
        "position": pl.Int32,
        "text": pl.String,
        "line_start": pl.Int32,
        "line_end": pl.Int32,
        "cluster_id": pl.String,
        "is_canonical": pl.Boolean,
        "similarity": pl.Float64,
        "containment": pl.Float64,
        "match": pl.String,  # "canonical", "exact", "near" or "contained"
    }
)

CLUSTERS = pl.Schema(
    {
        "cluster_id": pl.String,
        "canonical_para_id": pl.String,
        "text": pl.String,
        "size": pl.Int32,
        "doc_ids": pl.List(pl.String),
        "sources": pl.List(pl.String),
    }
)

DOCUMENTS = pl.Schema(
    {
        **DOCUMENT_IDENTITY,
        "sitename": pl.String,
        "language": pl.String,
        "extractor": pl.String,
        "strip_confidence": pl.Float64,  # how clearly one article stood out of a text dump (null: not stripped)
        "text": pl.String,
        "n_paragraphs": pl.Int32,
        "duplicate_of": pl.String,
    }
)

def documents_schema(record_fields: pl.Struct | pl.String | None) -> pl.Schema:
    """:data:`DOCUMENTS`, with the ``metadata`` column when the run's records had fields cleaner
    does not read (``cleaner.record_metadata``): Parquet cannot store a struct of no field."""
    if record_fields is None:
        return DOCUMENTS
    return pl.Schema({**DOCUMENTS, "metadata": record_fields})


OUTPUT_TABLES: dict[str, pl.Schema] = {
    "documents": DOCUMENTS,
    "paragraphs": PARAGRAPHS,
    "clusters": CLUSTERS,
    "removed": REMOVED,
    "errors": ERRORS,
}


def empty(schema: pl.Schema) -> pl.DataFrame:
    """An empty frame of ``schema``."""
    return pl.DataFrame(schema=schema)


def frame(rows: Iterable[Mapping[str, Any]], schema: pl.Schema) -> pl.DataFrame:
    """Build a frame of exactly ``schema`` from row dicts (missing keys become null)."""
    rows = rows if isinstance(rows, list) else list(rows)
    return pl.DataFrame({name: [row.get(name) for row in rows] for name in schema}, schema=schema)


def conform(df: pl.DataFrame, schema: pl.Schema, *, missing_as_null: bool = False) -> pl.DataFrame:
    """Select and cast ``df`` to ``schema``; a missing column raises, or is null if ``missing_as_null``.

    Used at stage boundaries so that a stage cannot leak extra or mistyped columns.
    """
    missing = [name for name in schema if name not in df.columns]
    if missing and not missing_as_null:
        raise ValueError(f"frame lacks column(s) {missing} required by its schema")
    return df.select(
        [pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items()]
    )


def chunked_like(series: pl.Series, frame: pl.DataFrame) -> pl.Series:
    """``series`` cut into the chunks of ``frame`` (zero-copy slices), so that adding it as a
    column does not make Polars merge every column of ``frame`` into one chunk first."""
    if frame.width == 0 or frame.n_chunks() <= 1:
        return series
    lengths = frame.get_column(frame.columns[0]).chunk_lengths()
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return pl.concat([series.slice(int(start), int(length)) for start, length in zip(starts, lengths)], rechunk=False)


def lists_from_flat(name: str, counts: np.ndarray, values: np.ndarray) -> pl.Series:
    """A ``list[u64]`` Series from flat values and a count per row, without a Python loop."""
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    array = pa.LargeListArray.from_arrays(_arrow_view(offsets, pa.int64()), _arrow_view(values.astype(np.uint64, copy=False), pa.uint64()))
    return series_from_arrow(name, array).cast(pl.List(pl.UInt64))


def flat_from_lists(lists: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`lists_from_flat`: a ``list[u64]`` Series's values, flat, and its
    count per row (a null row counts 0), as the compiled kernels take them."""
    counts = lists.list.len().fill_null(0).to_numpy().astype(np.int64)
    return lists.explode().drop_nulls().to_numpy().astype(np.uint64, copy=False), counts


def _arrow_view(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """An Arrow array over a NumPy buffer. ``pa.array`` would do, but it imports pandas (0.12 s
    in every worker) when pandas is installed, only to check whether the input is a pandas object."""
    contiguous = np.ascontiguousarray(values)
    return pa.Array.from_buffers(arrow_type, len(contiguous), [None, pa.py_buffer(contiguous)])


class _ArrowStream:
    """A chunked Arrow object seen only through the Arrow PyCapsule interface."""

    def __init__(self, data: pa.ChunkedArray | pa.RecordBatch | pa.Table) -> None:
        self._data = data

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._data.__arrow_c_stream__(requested_schema)


class _ArrowArray:
    """An Arrow array seen only through the Arrow PyCapsule interface."""

    def __init__(self, data: pa.Array) -> None:
        self._data = data

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        return self._data.__arrow_c_array__(requested_schema)


def frame_from_arrow(data: pa.RecordBatch | pa.Table) -> pl.DataFrame:
    """``pl.from_arrow(data)`` (one chunk), taken in through the Arrow C stream interface.

    ``pl.from_arrow`` imports ``pyarrow.compute`` (0.05 s, once per process) in case the data
    has dictionary columns to cast; cleaner's tables have none."""
    return pl.DataFrame(_ArrowStream(data)).rechunk()


def series_from_arrow(name: str, data: pa.Array | pa.ChunkedArray) -> pl.Series:
    """:func:`frame_from_arrow` for one column, named ``name``."""
    wrapped = _ArrowArray(data) if isinstance(data, pa.Array) else _ArrowStream(data)
    return pl.Series(wrapped).rechunk().alias(name)


def utf8_buffers(lines: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(data, offsets)``: the UTF-8 bytes of ``lines`` (nulls as empty lines) and where each starts."""
    array = lines.fill_null("").to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = pa.concat_arrays(array.chunks) if array.num_chunks != 1 else array.chunk(0)
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())  # imports pyarrow.compute (0.05 s): only when needed
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    return data, offsets
