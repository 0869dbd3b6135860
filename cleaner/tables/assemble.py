"""Output tables, assembled a piece at a time from the spilled text and the in-memory clusters.

Deduplication decides everything without the paragraphs' text: each paragraph's cluster and
scores (``duplicates.canonical.ASSIGNMENT``), each cluster's provenance, each document's metadata. The
text comes back here, one row group of the spill at a time, in document order, and the three
text-carrying tables (``paragraphs``, ``clusters``, ``documents``) are appended to spill
tables in that same order. No table is ever whole in memory, and the row order is the one a
global sort by (document order, position) would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import polars as pl

from cleaner import schemas
from cleaner.record_metadata import metadata_column, metadata_dtype
from cleaner.tables.spill import SpillTable, WorkFolder

_DOCUMENT_FIELDS = pl.Schema(
    {**{name: dtype for name, dtype in schemas.DOCUMENTS.items() if name != "text"}, "metadata": pl.String}
)
"""The ``documents`` table without the clean body, which comes from the spilled text, and with
the records' other fields as JSON, which become the ``metadata`` struct column."""


class _DocumentWriter:
    """Appends documents in order, each with the body of its paragraphs (empty without any)."""

    def __init__(self, documents: pl.DataFrame, out: SpillTable, metadata: pl.Struct | pl.String | None) -> None:
        self.documents = documents
        self.metadata = metadata
        self.index = documents.select("doc_id").with_row_index("index")
        self.out = out
        self.next = 0

    def add(self, bodies: pl.DataFrame) -> None:
        """Write every document up to the last one of ``bodies`` (``doc_id, text``, in order)."""
        if bodies.height == 0:
            return
        last = self.index.filter(pl.col("doc_id") == bodies["doc_id"][-1])["index"]
        if last.len() == 0:
            raise ValueError(f"paragraphs of document {bodies['doc_id'][-1]!r}, which is not in the documents")
        self._write(self.documents.slice(self.next, int(last[0]) + 1 - self.next), bodies)
        self.next = int(last[0]) + 1

    def finish(self) -> None:
        self._write(self.documents.slice(self.next), schemas.empty(pl.Schema({"doc_id": pl.String, "text": pl.String})))
        self.next = self.documents.height

    def _write(self, documents: pl.DataFrame, bodies: pl.DataFrame) -> None:
        table = documents.join(bodies, on="doc_id", how="left", maintain_order="left").with_columns(pl.col("text").fill_null(""))
        conformed = schemas.conform(table, schemas.DOCUMENTS)
        if self.metadata is not None:
            conformed = conformed.with_columns(metadata_column(table["metadata"], self.metadata))
        self.out.append(conformed)


def _bodies(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.group_by("doc_id", maintain_order=True).agg(pl.col("text").sort_by("position").str.join("\n\n"))


class _BodyWriter:
    """Documents written with their bodies as pieces of paragraphs arrive in order: a document's
    paragraphs may continue in the next piece, so the last document of a piece waits for it."""

    def __init__(self, writer: _DocumentWriter) -> None:
        self.writer = writer
        self.carried = schemas.empty(pl.Schema({"doc_id": pl.String, "position": pl.Int32, "text": pl.String}))

    def add(self, piece: pl.DataFrame) -> None:
        pending = pl.concat([self.carried, piece.select(*self.carried.columns)])
        if pending.height == 0:
            return
        last = pl.col("doc_id") == pending["doc_id"][-1]
        self.writer.add(_bodies(pending.filter(~last)))
        self.carried = pending.filter(last)

    def finish(self) -> None:
        self.writer.add(_bodies(self.carried))
        self.writer.finish()


def _closed(tables: dict[str, SpillTable]) -> dict[str, SpillTable]:
    for table in tables.values():
        table.close()
    return tables


def with_document_fields(documents: pl.DataFrame, n_paragraphs: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """``documents`` (in order) with ``n_paragraphs`` (0 for a document without any) and
    ``duplicate_of`` (``doc_id``-keyed frames of the documents that have one)."""
    return (
        documents.join(n_paragraphs, on="doc_id", how="left", maintain_order="left")
        .join(duplicates, on="doc_id", how="left", maintain_order="left")
        .with_columns(pl.col("n_paragraphs").fill_null(0))
    )


def assemble_tables(
    texts: SpillTable,
    today: pl.DataFrame,
    earlier_texts: pl.DataFrame,
    earlier: pl.DataFrame,
    provenance: pl.DataFrame,
    documents: pl.DataFrame,
    folder: WorkFolder,
    metadata: Mapping[str, str] | None = None,
) -> dict[str, SpillTable]:
    """``documents``, ``paragraphs`` and ``clusters`` as spill tables.

    ``texts``: today's paragraphs (:data:`schemas.PARAGRAPH_TEXTS`) in document order;
    ``today``/``earlier``: the ``duplicates.canonical.ASSIGNMENT`` of today's paragraphs and of those
    known from a dedup index, whose text is ``earlier_texts``; ``provenance``: per cluster;
    ``documents``: today's documents in order, every column of ``schemas.DOCUMENTS`` but
    ``text``, and the records' other fields as JSON (``metadata``: the struct column's source);
    ``metadata``: the Parquet key-value metadata of the output files. A cluster
    whose canonical is an earlier paragraph comes first, as earlier documents precede today's.
    """
    out, writer = _output_tables(documents, folder, metadata)
    todays_clusters = today.select("cluster_id").unique()
    earlier_canonicals = (
        earlier_texts.join(earlier.drop("doc_id"), on="para_id", how="inner")
        .filter(pl.col("is_canonical"))
        .join(todays_clusters, on="cluster_id", how="semi")
        .sort("position", "para_id")
    )
    _append_clusters(out["clusters"], earlier_canonicals, provenance)
    # today's assignment and its canonicals' provenance are in the texts' row order, so each
    # piece takes the next rows of both: no join of every piece against every paragraph
    canonical_provenance = (
        today.filter(pl.col("is_canonical")).select("cluster_id").join(provenance, on="cluster_id", how="left", maintain_order="left")
    )
    bodies = _BodyWriter(writer)
    done = canonicals_done = 0
    for piece in texts.pieces():
        assigned = today.slice(done, piece.height)
        done += piece.height
        if not assigned["para_id"].equals(piece["para_id"]):
            raise ValueError("spilled text and paragraph keys are out of step")
        rows = piece.hstack(assigned.drop("para_id", "doc_id"))
        out["paragraphs"].append(schemas.conform(rows, schemas.PARAGRAPHS))
        canonicals = rows.filter(pl.col("is_canonical")).select("para_id", "text")
        heads = canonical_provenance.slice(canonicals_done, canonicals.height)
        canonicals_done += canonicals.height
        out["clusters"].append(
            schemas.conform(heads.hstack(canonicals.rename({"para_id": "canonical_para_id"})), schemas.CLUSTERS)
        )
        bodies.add(piece)
    bodies.finish()
    return _closed(out)


def assemble_streams(
    texts: Callable[[], Iterable[pl.DataFrame]],
    assigned: Callable[[], Iterable[pl.DataFrame]],
    documents: pl.DataFrame,
    folder: WorkFolder,
    metadata: Mapping[str, str] | None = None,
) -> dict[str, SpillTable]:
    """The same tables as :func:`assemble_tables`, from two streams in document order instead
    of tables in memory: the paragraphs' ``texts`` (:data:`schemas.PARAGRAPH_TEXTS`) and their
    ``assigned`` clusters (``canonical.ASSIGNMENT`` with, on canonical rows only, the
    cluster's ``size``, ``doc_ids`` and ``sources``), as the Spark engine's executors leave
    them. Each is a function that starts the stream afresh. The streams may be cut into
    pieces of any sizes; the spill tables cut row groups by row count alone, so the files are
    the same bytes as the local engine's.

    The tables are written one after another, each from its own pass over the streams: a
    table holds up to two row groups while they are put together and encoded, and the three
    written side by side took the Spark driver from 385 MB to its peak of 920 MB at
    1,000,000 paragraphs. Replayed from the executors' files, one table at a time peaks at
    599-617 MB instead of 774-802 MB, in 4.9-5.0 s instead of 3.6-4.1 s."""
    out, writer = _output_tables(documents, folder, metadata)
    for rows in _with_clusters(texts, assigned):
        out["paragraphs"].append(schemas.conform(rows, schemas.PARAGRAPHS))
    out["paragraphs"].close()
    for rows in _with_clusters(texts, assigned):
        canonicals = rows.filter(pl.col("is_canonical")).rename({"para_id": "canonical_para_id"})
        out["clusters"].append(schemas.conform(canonicals, schemas.CLUSTERS))
    out["clusters"].close()
    bodies = _BodyWriter(writer)
    for piece in texts():
        bodies.add(piece)
    bodies.finish()
    return _closed(out)


def _with_clusters(
    texts: Callable[[], Iterable[pl.DataFrame]], assigned: Callable[[], Iterable[pl.DataFrame]]
) -> Iterator[pl.DataFrame]:
    """One pass over both streams: each piece of texts with its paragraphs' clusters beside it."""
    for piece, assigned_piece in _aligned(iter(texts()), iter(assigned())):
        yield piece.hstack(assigned_piece.drop("para_id", "doc_id"))


def _aligned(first: Iterator[pl.DataFrame], second: Iterator[pl.DataFrame]) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Pieces of two streams of the same rows, cut to the same lengths (the first's), each
    pair checked to hold the same paragraphs."""
    held: list[pl.DataFrame] = []
    held_rows = 0
    for piece in first:
        while held_rows < piece.height:
            following = next(second, None)
            if following is None:
                raise ValueError("paragraph texts and their clusters are out of step: the clusters ended first")
            held.append(following)
            held_rows += following.height
        joined = pl.concat(held) if len(held) > 1 else held[0] if held else None
        if joined is None:
            continue
        cut = joined.slice(0, piece.height)
        if not cut["para_id"].equals(piece["para_id"]):
            raise ValueError("paragraph texts and their clusters are out of step")
        yield piece, cut
        rest = joined.slice(piece.height)
        held, held_rows = ([rest] if rest.height else []), rest.height
    if held_rows or next(second, None) is not None:
        raise ValueError("paragraph texts and their clusters are out of step: the texts ended first")


def _output_tables(
    documents: pl.DataFrame, folder: WorkFolder, metadata: Mapping[str, str] | None
) -> tuple[dict[str, SpillTable], _DocumentWriter]:
    """The three text-carrying output tables, empty, and the writer of the ``documents`` one."""
    documents = schemas.conform(documents, _DOCUMENT_FIELDS, missing_as_null=True)
    record_fields = metadata_dtype(documents["metadata"])
    out = {
        "documents": SpillTable(
            folder, "documents", schemas.documents_schema(record_fields), metadata=metadata, row_group_rows=DOCUMENT_ROW_GROUP_ROWS
        ),
        **{name: SpillTable(folder, name, schemas.OUTPUT_TABLES[name], metadata=metadata) for name in ("paragraphs", "clusters")},
    }
    return out, _DocumentWriter(documents, out["documents"], record_fields)


DOCUMENT_ROW_GROUP_ROWS = 10_000
"""Rows per row group of the ``documents`` table. A document carries its whole body (3 KB for
eight news paragraphs), so 100,000 of them, the other tables' row group, held 0.3 GB waiting
to be written, twice while the group was put together: half the driver's peak at 1M
paragraphs on the Spark engine. 10,000 keep a group near the others' size in bytes."""


def _append_clusters(out: SpillTable, canonicals: pl.DataFrame, provenance: pl.DataFrame) -> None:
    rows = canonicals.select("cluster_id", pl.col("para_id").alias("canonical_para_id"), "text").join(
        provenance, on="cluster_id", how="left", maintain_order="left"
    )
    out.append(schemas.conform(rows, schemas.CLUSTERS))
