"""Where a run keeps what it does not need in memory: a work folder of Arrow and Parquet files.

Deduplication needs, per paragraph, only small columns (ids, normalised key, sizes) and, per
distinct normalised text, its shingle set and sentence anchors. The text is needed again only
when the output is written, and LSH band keys only one band at a time. So the map stage
appends text, band keys and shingle sets to files here as batches arrive and they are read
back a piece at a time: peak memory follows the paragraphs' keys and the distinct shingle
sets, not the text (10M paragraphs: 21.0 GB held in memory before, see the README for today's
figure).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner import schemas
from cleaner.errors import WorkFolderError
from cleaner.tables.place import UNSUPPORTED_LOCKS

WORK_PREFIX = "cleaner-run-"


class WorkFolder:
    """A temporary folder for one run's spill files.

    Removed when the last object using it is garbage-collected or the process exits. A run
    that was killed cannot remove its own, so each new run removes the folders that runs left
    behind: those whose owner's lock (an ``flock`` on :data:`OWNER_LOCK` inside, held for the
    folder's life) is free. A lock, unlike a process id, means the same thing to runs in other
    PID namespaces (containers sharing one ``--work-dir``).
    """

    def __init__(self, parent: str | os.PathLike[str] | None = None) -> None:
        try:
            if parent is not None:
                Path(parent).mkdir(parents=True, exist_ok=True)
            remove_abandoned(Path(parent) if parent is not None else Path(tempfile.gettempdir()))
            self.path = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=parent))
            lock = os.open(self.path / OWNER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in UNSUPPORTED_LOCKS:
                    raise
        except OSError as exc:
            where = repr(os.fspath(parent)) if parent is not None else "in the temporary folder"
            raise WorkFolderError(f"the work folder {where} cannot be used: {exc}") from exc
        self._cleanup = weakref.finalize(self, _remove_own, str(self.path), lock)

    def file(self, name: str) -> Path:
        return self.path / name


OWNER_LOCK = ".owner.lock"
UNLOCKED_GRACE_SECONDS = 60.0
"""A work folder without its lock file is left alone this long: its run may be creating it."""


def _remove_own(path: str, lock: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.close(lock)


def remove_abandoned(parent: Path) -> None:
    """Remove the work folders that runs left behind when they were killed: the folders whose
    owner lock nobody holds (of an older cleaner's, without a lock file: whose process is gone)."""
    try:
        folders = list(parent.glob(f"{WORK_PREFIX}*-*"))
    except OSError:
        return
    for folder in folders:
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _abandoned(folder: Path) -> bool:
    try:
        lock = os.open(folder / OWNER_LOCK, os.O_RDWR)
    except FileNotFoundError:
        try:
            young = time.time() - folder.stat().st_mtime < UNLOCKED_GRACE_SECONDS
        except OSError:
            return False
        pid = folder.name[len(WORK_PREFIX):].split("-", 1)[0]
        return not young and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: the run is alive, in this PID namespace or another (or no locks here)
    finally:
        os.close(lock)
    return True


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


OUTPUT_ROW_GROUP_ROWS = 100_000
"""Rows per Parquet row group of the output tables: large enough for fast scans, small enough
to read one at a time."""
WRITES_IN_FLIGHT = 2
"""Pieces of one table that may wait for its writer thread (:meth:`SpillTable._write_behind`)."""
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
    ``metadata``), so that writing the output is a file copy. Intermediate files
    (``intermediate=True``: text, band keys and shingle sets, read back by the run itself) are
    Arrow IPC files, one record batch per piece: no encoding on the way out and no decoding on
    the way in. As plain Parquet (no compression, dictionary or statistics), loading the
    shingle sets of the paired texts of 1,000,000 paragraphs took 1.6-1.8 s, and 0.6 s so; the
    whole run went from 23.2-23.4 s to 21.6-22.6 s.
    """

    def __init__(
        self,
        folder: WorkFolder,
        name: str,
        schema: pl.Schema,
        *,
        row_group_rows: int = OUTPUT_ROW_GROUP_ROWS,
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
        self.intermediate = intermediate
        if intermediate:
            self.path = self.path.with_suffix(".arrow")
        self._options = {"compression": "zstd"}
        self._writer: pq.ParquetWriter | pa.ipc.RecordBatchFileWriter | None = None
        self._writing: ThreadPoolExecutor | None = None
        self._in_flight: deque[Future[None]] = deque()
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
            self._writer = (
                pa.ipc.new_file(self.path, self._arrow) if self.intermediate else pq.ParquetWriter(self.path, self._arrow, **self._options)
            )
            self._on_disk = True
        if self._pending_rows >= self.row_group_rows:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self._pending or self._writer is None:
            return
        pending = pl.concat(self._pending, rechunk=True)
        full = pending.height if final else pending.height - pending.height % self.row_group_rows
        self._write_behind(pending.slice(0, full))
        rest = pending.slice(full)
        self._pending, self._pending_rows = ([rest] if rest.height else []), rest.height

    def _write_behind(self, rows: pl.DataFrame) -> None:
        """Encode and write ``rows`` on this table's own writer thread, in order, while the
        caller goes on (pyarrow encodes and compresses without the GIL).

        Assembling the output of 1,000,000 paragraphs spent 4 s of the run's 21 s in the main
        thread encoding the three text-carrying tables one after the other (zstd on 0.9 GB of
        text), with the second core idle. At most :data:`WRITES_IN_FLIGHT` pieces wait, so
        memory stays bounded; an error in a write is raised by the next append or ``close``."""
        while len(self._in_flight) >= WRITES_IN_FLIGHT:
            self._in_flight.popleft().result()
        if self._writing is None:
            self._writing = ThreadPoolExecutor(1, thread_name_prefix=f"cleaner-write-{self.path.stem}")
        self._in_flight.append(self._writing.submit(_write_groups, self._writer, rows, self.row_group_rows, self._arrow))

    def _writes_done(self) -> None:
        try:
            while self._in_flight:
                self._in_flight.popleft().result()
        finally:
            self._in_flight.clear()
            if self._writing is not None:
                self._writing.shutdown(wait=True)
                self._writing = None

    def close(self) -> None:
        """Finish the table; further ``append`` calls are errors."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            try:
                self._flush(final=True)
            finally:
                self._writes_done()
            self._writer.close()
            self._writer = None
            return
        self._cache = pl.concat(self._pending, rechunk=True) if self._pending else schemas.empty(self.schema)
        self._pending, self._pending_rows = [], 0

    def _batches(self) -> pa.ipc.RecordBatchFileReader:
        """The intermediate file's record batches, memory-mapped afresh for each read: what is
        read stays mapped only while it is used (a map held for the run kept every page it had
        touched resident, all 42 bands' at the end of candidate search; reading without a map
        reads every column of a batch to use one)."""
        return pa.ipc.open_file(pa.memory_map(str(self.path)))

    def row_group_sizes(self) -> list[int]:
        """The number of rows of each piece, in order."""
        self.close()
        if self._cache is not None:
            return [min(self.row_group_rows, self.rows - start) for start in range(0, self.rows, self.row_group_rows)]
        if self.intermediate:
            reader = self._batches()
            return [reader.get_batch(index).num_rows for index in range(reader.num_record_batches)]
        metadata = pq.ParquetFile(self.path).metadata
        return [metadata.row_group(group).num_rows for group in range(metadata.num_row_groups)]

    def piece(self, group: int) -> pl.DataFrame:
        """Row group ``group``."""
        self.close()
        if self._cache is not None:
            return self._cache.slice(group * self.row_group_rows, self.row_group_rows)
        if self.intermediate:
            return schemas.frame_from_arrow(self._batches().get_batch(group)).cast(self.schema)
        return schemas.frame_from_arrow(pq.ParquetFile(self.path).read_row_group(group)).cast(self.schema)

    def pieces(self) -> Iterator[pl.DataFrame]:
        """The rows in order, one row group at a time."""
        for group in range(len(self.row_group_sizes())):
            yield self.piece(group)

    def frame(self) -> pl.DataFrame:
        """The whole table (read from disk on first use)."""
        self.close()
        if self._cache is None:
            if not self.rows:
                self._cache = schemas.empty(self.schema)
            elif self.intermediate:
                self._cache = schemas.frame_from_arrow(self._batches().read_all()).cast(self.schema)
            else:
                self._cache = pl.read_parquet(self.path).cast(self.schema)
        return self._cache

    def column(self, name: str) -> pl.Series:
        """One column, whole (read alone from disk when the table was spilled)."""
        self.close()
        if not self._on_disk or self._cache is not None:
            return self.frame()[name]
        if self.intermediate:
            return schemas.series_from_arrow(name, self._batches().read_all().column(name)).cast(self.schema[name])
        return pl.read_parquet(self.path, columns=[name]).cast({name: self.schema[name]}).to_series()

    def write_to(self, path: Path, output_format: str, metadata: Mapping[str, str] | None = None) -> None:
        """Put the table into an output file: a copy (or a hard link) when it was written
        with this metadata, otherwise a rewrite one row group at a time."""
        self.close()
        wanted = dict(metadata or {})
        if output_format == "parquet" and (not self._on_disk or self.intermediate):
            schema = self._arrow.with_metadata(wanted or None)
            with pq.ParquetWriter(path, schema, **self._options) as writer:
                for piece in self.pieces():
                    _write_groups(writer, piece, self.row_group_rows, schema)
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


def _write_groups(
    writer: pq.ParquetWriter | pa.ipc.RecordBatchFileWriter, frame: pl.DataFrame, row_group_rows: int, schema: pa.Schema
) -> None:
    """``frame`` in pieces of ``row_group_rows`` rows: Parquet row groups, or IPC record batches."""
    for start in range(0, frame.height, row_group_rows):
        table = frame.slice(start, row_group_rows).to_arrow()
        # the same types need only the metadata: Arrow's cast imports pyarrow.compute (0.06 s a run)
        table = table.replace_schema_metadata(schema.metadata) if table.schema.equals(schema) else table.cast(schema)
        if isinstance(writer, pq.ParquetWriter):
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
        else:
            writer.write_table(table.combine_chunks())  # one chunk: one record batch
