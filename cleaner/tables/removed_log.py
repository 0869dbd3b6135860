"""The ``removed`` audit table, written to disk as batches arrive instead of held in memory.

Every removed input line is kept with its text and reason; for a crawl of many gigabytes that
table is as large as the clutter itself. Spilling it to a Parquet file in the run's work
folder (row groups of 64k rows, in input order) keeps peak memory tied to what deduplication
needs, and the output writer copies the file instead of rebuilding it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import polars as pl

from cleaner import schemas
from cleaner.tables.spill import SpillTable, WorkFolder

REMOVED_ROW_GROUP_ROWS = 65_536


class RemovedLog(SpillTable):
    """Append-only spill of :data:`schemas.REMOVED` rows, with counts by reason."""

    def __init__(self, folder: WorkFolder | None = None, metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(folder or WorkFolder(), "removed", schemas.REMOVED, row_group_rows=REMOVED_ROW_GROUP_ROWS, metadata=metadata)
        self.by_reason: Counter[str] = Counter()

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self.by_reason.update(dict(frame["reason"].value_counts().iter_rows()))
        self.append(frame)
