"""The ``removed`` audit table, written to disk as batches arrive instead of held in memory.

Every removed input line is kept with its text and reason; for a crawl of many gigabytes that
table is as large as the clutter itself. Spilling it to a Parquet file (one row group per
~64k rows, in input order) keeps peak memory tied to the paragraphs kept for deduplication,
and the output writer copies the file instead of rebuilding it.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner import schemas

ROW_GROUP_ROWS = 65_536
ARROW_SCHEMA = pa.schema([("doc_id", pa.large_string()), ("line", pa.int32()), ("text", pa.large_string()), ("reason", pa.large_string())])


class RemovedLog:
    """Append-only spill of :data:`schemas.REMOVED` rows, with counts by reason."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cleaner-removed-"))
        self.path = self.folder / "removed.parquet"
        self.rows = 0
        self.by_reason: Counter[str] = Counter()
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self.path, ARROW_SCHEMA, compression="zstd")
        self._cache: pl.DataFrame | None = None
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.folder), True)

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self.rows += frame.height
        self.by_reason.update(dict(frame["reason"].value_counts().iter_rows()))
        self._pending.append(frame)
        self._pending_rows += frame.height
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending or self._writer is None:
            return
        table = pl.concat(self._pending).to_arrow().cast(ARROW_SCHEMA)
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self._pending, self._pending_rows = [], 0

    def close(self) -> None:
        """Finish the file; further ``add`` calls are errors."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def frame(self) -> pl.DataFrame:
        """The whole table (read from disk on first use)."""
        self.close()
        if self._cache is None:
            self._cache = pl.read_parquet(self.path).cast(schemas.REMOVED)
        return self._cache

    def write_to(self, path: Path, output_format: str, metadata: Mapping[str, str] | None = None) -> None:
        """Copy the table into an output file, a row group at a time."""
        self.close()
        if output_format == "parquet":
            source = pq.ParquetFile(self.path)
            schema = source.schema_arrow.with_metadata({**(source.schema_arrow.metadata or {}), **(metadata or {})})
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for group in range(source.num_row_groups):
                    writer.write_table(source.read_row_group(group).replace_schema_metadata(schema.metadata))
            return
        with open(path, "wb") as handle:
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=ROW_GROUP_ROWS):
                pl.from_arrow(batch).cast(schemas.REMOVED).write_ndjson(handle)
