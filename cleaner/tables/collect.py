"""Where the map stage's output goes, batch by batch: to disk what deduplication does not need.

Batch outputs arrive in document order. Their paragraphs' text goes to a spill table, their
signatures to the signature store (once per normalised text), their removed lines to the
``removed`` log; only each paragraph's keys stay in memory, merged into a few large chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from cleaner import schemas
from cleaner.discover import ErrorRow
from cleaner.duplicates.store import SignatureStore
from cleaner.tables.removed_log import RemovedLog
from cleaner.tables.spill import SpillTable, WorkFolder

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cleaner.batch import BatchOutput

BATCHES_PER_SPILL = 16
"""Batch outputs are spilled (text and band keys to disk, signatures once per text) every
this many batches: often enough to bound what waits in memory, rarely enough that checking
which texts are new stays cheap."""
SPILLS_PER_CHUNK = 4
"""Paragraph keys are merged into one contiguous chunk every this many spills: deduplication's
group-bys and gathers run several times faster over a few large chunks than over thousands
of small ones, and merging as batches arrive never holds two copies of everything."""


@dataclass
class MappedDocuments:
    """What the per-document map stage produced, collected from all batches."""

    documents: pl.DataFrame  # identity plus metadata found, in input order
    keys: pl.DataFrame  # schemas.PARAGRAPH_KEYS, in memory
    texts: SpillTable  # schemas.PARAGRAPH_TEXTS, on disk
    signatures: SignatureStore | None  # once per normalised text (None: exact duplicates only)
    removed: RemovedLog
    errors: pl.DataFrame  # schemas.ERRORS
    folder: WorkFolder


class MapCollector:
    """Takes the map stage's :class:`~cleaner.batch.BatchOutput` objects in document order.

    ``bands`` is the number of LSH bands (``None``: exact duplicates only, no signatures kept);
    ``metadata`` is the Parquet key-value metadata of the ``removed`` table; ``keep_band_keys``
    keeps today's band keys in memory as well, for a run that searches a dedup index.
    """

    def __init__(self, folder: WorkFolder, bands: int | None, metadata: Mapping[str, str], keep_band_keys: bool = False) -> None:
        self.folder = folder
        self.removed = RemovedLog(folder, metadata)
        self.texts = SpillTable(folder, "texts", schemas.PARAGRAPH_TEXTS, intermediate=True)
        self.signatures = SignatureStore(folder, bands, keep_band_keys) if bands is not None else None
        self.documents_done = 0
        self._metas: list[pl.DataFrame] = []
        self._errors: list[pl.DataFrame] = []
        self._keys: list[pl.DataFrame] = []
        self._pending_keys: list[pl.DataFrame] = []
        self._pending: list[pl.DataFrame] = []

    def add(self, output: BatchOutput) -> None:
        """One batch's output; every :data:`BATCHES_PER_SPILL` batches, the paragraphs are spilled."""
        self.removed.add(output.removed)
        self._metas.append(output.meta)
        self._pending.append(output.paragraphs)
        if len(self._pending) == BATCHES_PER_SPILL:
            self._spill()
        self._errors.append(output.errors)
        self.documents_done += output.meta.height + output.errors.height

    def _spill(self) -> None:
        """Text and band keys to disk, signatures once per text, the rest kept as keys."""
        if not self._pending:
            return
        keyed = pl.concat(self._pending, rechunk=True)
        self._pending = []
        self.texts.append(keyed.select(*schemas.PARAGRAPH_TEXTS))
        if self.signatures is not None:
            self.signatures.add(keyed)
        n_chars = pl.col("text").str.len_chars().cast(pl.Int32).alias("n_chars")
        self._pending_keys.append(keyed.with_columns(n_chars).select(*schemas.PARAGRAPH_KEYS))
        if len(self._pending_keys) == SPILLS_PER_CHUNK:
            self._keys.append(pl.concat(self._pending_keys, rechunk=True))
            self._pending_keys.clear()

    def finish(self, info: list[pl.DataFrame], read_errors: list[ErrorRow]) -> MappedDocuments:
        """Everything collected, with each document's identity (``info``: :data:`schemas.DOCUMENT_INFO`
        frames, one per batch) joined to the metadata its batch found, and the reader's errors
        before the batches' own."""
        self._spill()
        self.removed.close()
        self.texts.close()
        documents = (
            _concat(info, schemas.DOCUMENT_INFO)
            .join(_concat(self._metas, schemas.DOCUMENT_META), on="doc_id", how="inner", suffix="_found")
            .with_columns(
                pl.coalesce("title", "title_found").alias("title"),
                pl.coalesce("author", "author_found").alias("author"),
                pl.coalesce("date", "date_found").alias("date"),
                pl.coalesce("url", "url_found").alias("url"),
            )
            .sort("order")
        )
        errors = pl.concat([schemas.frame([e.as_dict() for e in read_errors], schemas.ERRORS), *self._errors], how="vertical")
        keys = _concat([*self._keys, *self._pending_keys], schemas.PARAGRAPH_KEYS)
        return MappedDocuments(documents, keys, self.texts, self.signatures, self.removed, errors, self.folder)


def _concat(frames: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    return pl.concat(frames, how="vertical") if frames else schemas.empty(schema)
