"""Where a run keeps what it does not need in memory: a work folder of Parquet files.

Deduplication needs, per paragraph, only small columns (ids, normalised key, sizes) and, per
distinct normalised text, its shingle set and sentence anchors. The text is needed again only
when the output is written, and LSH band keys only one band at a time. So the map stage
appends text and band keys to Parquet files here as batches arrive and they are read back a
piece at a time: peak memory follows the paragraphs' keys and the distinct shingle sets, not
the text (10M paragraphs: 21.0 GB held in memory before, see the README for today's figure).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner import schemas
from cleaner.signatures import lists_from_flat

WORK_PREFIX = "cleaner-run-"


class WorkFolderError(RuntimeError):
    """The folder for a run's intermediate files cannot be created or written."""


class WorkFolder:
    """A temporary folder for one run's spill files.

    Removed when the last object using it is garbage-collected or the process exits. A run
    that was killed cannot remove its own, so each new run removes the folders of runs whose
    process no longer exists (the process id is part of the folder's name).
    """

    def __init__(self, parent: str | os.PathLike[str] | None = None) -> None:
        try:
            if parent is not None:
                Path(parent).mkdir(parents=True, exist_ok=True)
            remove_abandoned(Path(parent) if parent is not None else Path(tempfile.gettempdir()))
            self.path = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=parent))
        except OSError as exc:
            where = repr(os.fspath(parent)) if parent is not None else "in the temporary folder"
            raise WorkFolderError(f"the work folder {where} cannot be used: {exc}") from exc
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def file(self, name: str) -> Path:
        return self.path / name


def remove_abandoned(parent: Path) -> None:
    """Remove the work folders that runs left behind when they were killed."""
    try:
        folders = list(parent.glob(f"{WORK_PREFIX}*-*"))
    except OSError:
        return
    for folder in folders:
        pid = folder.name[len(WORK_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def arrow_schema(schema: pl.Schema) -> pa.Schema:
    """The Arrow schema Polars gives a frame of ``schema`` (large strings and lists)."""
    return schemas.empty(schema).to_arrow().schema


IN_MEMORY_BYTES = 64 * 2**20
"""A table stays in memory until it holds this many bytes, then goes to disk: runs of up to a
few hundred thousand paragraphs never write or read back an intermediate file."""


class SpillTable:
    """Rows of one declared schema appended in order, in memory while small, else in Parquet.

    Row groups always hold ``row_group_rows`` rows (the last one fewer), whatever sizes the
    rows arrive in, so neither the file nor the pieces depend on batch or worker counts. The
    table is read back a row group at a time (:meth:`pieces`), whole (:meth:`frame`), by
    column (:meth:`column`), or copied into an output file (:meth:`write_to`) without being
    held in memory. Until it holds ``memory_bytes`` (default :data:`IN_MEMORY_BYTES`) it is
    only kept in memory (the same pieces, and the same output file, come from there).

    Output tables are written as the output wants them (zstd, statistics, the run's
    ``metadata``), so that writing the output is a file copy. Intermediate files that are read
    once (``intermediate=True``) are written plainly: no compression, dictionary or statistics
    (random hashes do not compress, and pyarrow's dictionary attempt costs 4x the write).
    """

    def __init__(
        self,
        folder: WorkFolder,
        name: str,
        schema: pl.Schema,
        *,
        row_group_rows: int = 100_000,
        intermediate: bool = False,
        metadata: Mapping[str, str] | None = None,
        memory_bytes: int | None = None,
    ) -> None:
        self.folder = folder
        self.schema = schema
        self.path = folder.file(f"{name}.parquet")
        self.rows = 0
        self.row_group_rows = row_group_rows
        self.metadata = dict(metadata or {})
        self.memory_bytes = IN_MEMORY_BYTES if memory_bytes is None else memory_bytes
        self._arrow = arrow_schema(schema).with_metadata(self.metadata or None)
        self._options = (
            dict(compression="none", use_dictionary=False, write_statistics=False) if intermediate else dict(compression="zstd")
        )
        self._writer: pq.ParquetWriter | None = None
        self._on_disk = False
        self._closed = False
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._held_bytes = 0
        self._cache: pl.DataFrame | None = None

    @property
    def spilled(self) -> bool:
        """Whether the rows went to the Parquet file (else they are in memory only)."""
        return self._on_disk

    def append(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        if self._closed:
            raise ValueError(f"{self.path.name} is closed")
        frame = schemas.conform(frame, self.schema)
        self.rows += frame.height
        self._pending.append(frame)
        self._pending_rows += frame.height
        if self._writer is None:
            self._held_bytes += frame.estimated_size()
            if self._held_bytes < self.memory_bytes:
                return
            self._writer = pq.ParquetWriter(self.path, self._arrow, **self._options)
            self._on_disk = True
        if self._pending_rows >= self.row_group_rows:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self._pending or self._writer is None:
            return
        pending = pl.concat(self._pending, rechunk=True)
        full = pending.height if final else pending.height - pending.height % self.row_group_rows
        _write_groups(self._writer, pending.slice(0, full), self.row_group_rows, self._arrow)
        rest = pending.slice(full)
        self._pending, self._pending_rows = ([rest] if rest.height else []), rest.height

    def close(self) -> None:
        """Finish the table; further ``append`` calls are errors."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._flush(final=True)
            self._writer.close()
            self._writer = None
            return
        self._cache = pl.concat(self._pending, rechunk=True) if self._pending else schemas.empty(self.schema)
        self._pending, self._pending_rows = [], 0

    def row_group_sizes(self) -> list[int]:
        """The number of rows of each piece, in order."""
        self.close()
        if self._cache is not None:
            return [min(self.row_group_rows, self.rows - start) for start in range(0, self.rows, self.row_group_rows)]
        metadata = pq.ParquetFile(self.path).metadata
        return [metadata.row_group(group).num_rows for group in range(metadata.num_row_groups)]

    def piece(self, group: int) -> pl.DataFrame:
        """Row group ``group``."""
        self.close()
        if self._cache is not None:
            return self._cache.slice(group * self.row_group_rows, self.row_group_rows)
        return pl.from_arrow(pq.ParquetFile(self.path).read_row_group(group)).cast(self.schema)  # type: ignore[union-attr]

    def pieces(self) -> Iterator[pl.DataFrame]:
        """The rows in order, one row group at a time."""
        for group in range(len(self.row_group_sizes())):
            yield self.piece(group)

    def frame(self) -> pl.DataFrame:
        """The whole table (read from disk on first use)."""
        self.close()
        if self._cache is None:
            self._cache = pl.read_parquet(self.path).cast(self.schema) if self.rows else schemas.empty(self.schema)
        return self._cache

    def column(self, name: str) -> pl.Series:
        """One column, whole (read alone from disk when the table was spilled)."""
        self.close()
        if not self._on_disk or self._cache is not None:
            return self.frame()[name]
        return pl.read_parquet(self.path, columns=[name]).cast({name: self.schema[name]}).to_series()

    def write_to(self, path: Path, output_format: str, metadata: Mapping[str, str] | None = None) -> None:
        """Put the table into an output file: a copy (or a hard link) when it was written
        with this metadata, otherwise a rewrite one row group at a time."""
        self.close()
        wanted = dict(metadata or {})
        if output_format == "parquet" and not self._on_disk:
            schema = self._arrow.with_metadata(wanted or None)
            with pq.ParquetWriter(path, schema, **self._options) as writer:
                _write_groups(writer, self.frame(), self.row_group_rows, schema)
            return
        if output_format == "parquet" and wanted == self.metadata:
            try:
                os.link(self.path, path)
            except OSError:
                shutil.copyfile(self.path, path)
            return
        if output_format == "parquet":
            source = pq.ParquetFile(self.path)
            encoded = {key.encode(): value.encode() for key, value in wanted.items()}
            schema = source.schema_arrow.with_metadata({**(source.schema_arrow.metadata or {}), **encoded})
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for group in range(source.num_row_groups):
                    writer.write_table(source.read_row_group(group).replace_schema_metadata(schema.metadata))
            return
        with open(path, "wb") as handle:
            for piece in self.pieces():
                piece.write_ndjson(handle)


def _write_groups(writer: pq.ParquetWriter, frame: pl.DataFrame, row_group_rows: int, schema: pa.Schema) -> None:
    for start in range(0, frame.height, row_group_rows):
        table = frame.slice(start, row_group_rows).to_arrow().cast(schema)
        writer.write_table(table, row_group_size=max(table.num_rows, 1))


SIGNATURE_KEYS = pl.Schema({"norm_key": pl.String, "anchors": pl.List(pl.UInt64)})
SHINGLES = pl.Schema({"shingles": pl.List(pl.UInt64)})


class SignatureStore:
    """The signatures of every distinct normalised text, once.

    Exact copies share their normalised text, hence their shingles, band keys and anchors, so
    only a key's first occurrence is stored. The key and its sentence anchors stay in memory
    (the anchor channel reads them for every representative). Band keys go to a Parquet file
    with one column per band, since candidate search reads them one band at a time; shingle
    sets go to another, read back after candidate search for the texts in some candidate pair
    only (verification never looks at the others), with their sizes kept in memory.
    """

    def __init__(self, folder: WorkFolder, bands: int) -> None:
        self.bands = bands
        self._band_table = SpillTable(
            folder, "band_keys", pl.Schema({f"band_{b}": pl.UInt64 for b in range(bands)}), intermediate=True
        ) if bands else None
        self._shingles = SpillTable(folder, "shingles", SHINGLES, intermediate=True)
        self._parts: list[pl.DataFrame] = []
        self._has_bands: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._frame: pl.DataFrame | None = None

    def add(self, keyed: pl.DataFrame) -> None:
        """Store the signatures of ``keyed``'s normalised texts not seen before (``norm_key, shingles, band_keys, anchors``)."""
        fresh = keyed.select("norm_key", "shingles", "band_keys", "anchors").filter(pl.col("norm_key").is_first_distinct())
        if self._parts:
            # the join builds its table on the few new keys and streams the many stored ones
            known = self.frame.select("norm_key").join(fresh.select("norm_key"), on="norm_key", how="semi")["norm_key"]
            fresh = fresh.filter(~pl.col("norm_key").is_in(known.implode()))
        if fresh.height == 0:
            return
        lengths = fresh["band_keys"].list.len().to_numpy()
        has_bands = lengths == self.bands if self.bands else np.zeros(fresh.height, dtype=bool)
        if self._band_table is not None:
            matrix = np.zeros((fresh.height, self.bands), dtype=np.uint64)
            if has_bands.any():
                flat = fresh["band_keys"].filter(pl.Series(has_bands)).explode().to_numpy()
                matrix[has_bands] = flat.reshape(-1, self.bands)
            self._band_table.append(pl.DataFrame({f"band_{b}": matrix[:, b] for b in range(self.bands)}))
        self._shingles.append(fresh.select("shingles"))
        self._counts.append(fresh["shingles"].list.len().fill_null(0).to_numpy().astype(np.int64))
        self._has_bands.append(has_bands)
        self._parts.append(fresh.select(*SIGNATURE_KEYS).rechunk())
        self._frame = None

    @property
    def frame(self) -> pl.DataFrame:
        """``norm_key, anchors`` of every stored text, one chunk per addition."""
        if self._frame is None:
            self._frame = pl.concat(self._parts, rechunk=False) if self._parts else schemas.empty(SIGNATURE_KEYS)
        return self._frame

    @property
    def has_bands(self) -> np.ndarray:
        """Whether each stored text has band keys (texts too short to shingle have none)."""
        return np.concatenate(self._has_bands) if self._has_bands else np.zeros(0, dtype=bool)

    @property
    def shingle_counts(self) -> np.ndarray:
        """The number of distinct shingles of each stored text."""
        return np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)

    def shingles_of(self, rows: np.ndarray) -> pl.Series:
        """The shingle lists of ``rows`` (sorted, distinct), read one row group at a time."""
        pieces = []
        start = 0
        for group, size in enumerate(self._shingles.row_group_sizes()):
            low, high = np.searchsorted(rows, [start, start + size])
            if high > low:
                lists = self._shingles.piece(group).to_series()
                pieces.append(lists.gather(rows[low:high] - start))
            start += size
        return pl.concat(pieces, rechunk=False).alias("shingles") if pieces else pl.Series("shingles", [], dtype=pl.List(pl.UInt64))

    def shingle_lists(self, rows: np.ndarray) -> pl.Series:
        """The shingle lists of ``rows`` in their order (repeats allowed)."""
        distinct, inverse = np.unique(rows, return_inverse=True)
        return self.shingles_of(distinct).rechunk().gather(inverse.astype(np.int64))

    def rows_of(self, norm_keys: pl.Series) -> np.ndarray:
        """The store row of each of ``norm_keys`` (all must be stored)."""
        stored = self.frame.select("norm_key").with_row_index("row")
        found = norm_keys.to_frame("norm_key").join(stored, on="norm_key", how="left", maintain_order="left")["row"]
        if found.null_count():
            raise KeyError("a normalised key has no stored signature")
        return found.to_numpy().astype(np.int64)

    def band(self, band: int) -> np.ndarray:
        """Band ``band``'s key of every stored text (0 where it has none; see :attr:`has_bands`)."""
        if self._band_table is None or self._band_table.rows == 0:
            return np.zeros(self.frame.height, dtype=np.uint64)
        return self._band_table.column(f"band_{band}").to_numpy()

    def band_lists(self, rows: np.ndarray) -> pl.Series:
        """The band keys of ``rows`` as lists, as the dedup index stores them."""
        if self._band_table is None or len(rows) == 0:
            return pl.Series("band_keys", [[]] * len(rows), dtype=pl.List(pl.UInt64))
        matrix = self._band_table.frame().to_numpy()[rows]
        has = self.has_bands[rows]
        counts = np.where(has, self.bands, 0).astype(np.int64)
        return lists_from_flat("band_keys", counts, matrix[has].reshape(-1))
