"""The work folder: spilled tables, signatures stored once per text, tables assembled in pieces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.tables import spill
from cleaner.tables.spill import WORK_PREFIX, SpillTable, WorkFolder, remove_abandoned

ROWS = pl.Schema({"id": pl.Int64, "text": pl.String})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=8), st.integers(1, 5), st.sampled_from([0, 2**30]), st.booleans())
def test_row_groups_do_not_depend_on_how_rows_arrive(sizes: list[int], group: int, memory_bytes: int, intermediate: bool) -> None:
    folder = WorkFolder()
    table = SpillTable(folder, "rows", ROWS, row_group_rows=group, memory_bytes=memory_bytes, intermediate=intermediate)
    start = 0
    for size in sizes:
        table.append(pl.DataFrame({"id": range(start, start + size), "text": [f"t{i}" for i in range(start, start + size)]}, schema=ROWS))
        start += size
    table.close()
    expected = [group] * (start // group) + ([start % group] if start % group else [])
    assert table.spilled == (memory_bytes == 0 and start > 0)
    if table.spilled and intermediate:  # an Arrow IPC file, a record batch per piece
        batches = pa.ipc.open_file(table.path)
        assert [batches.get_batch(i).num_rows for i in range(batches.num_record_batches)] == expected
    elif table.spilled:
        source = pq.ParquetFile(table.path)
        assert [source.metadata.row_group(i).num_rows for i in range(source.num_row_groups)] == expected
    assert table.row_group_sizes() == expected
    assert table.column("text").to_list() == [f"t{i}" for i in range(start)]
    assert [table.piece(i).height for i in range(len(expected))] == expected
    assert [row for piece in table.pieces() for row in piece["id"].to_list()] == list(range(start))
    assert table.frame()["id"].to_list() == list(range(start)) and table.rows == start


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_an_intermediate_table_is_written_out_as_parquet(tmp_path: Path, memory_bytes: int) -> None:
    table = SpillTable(WorkFolder(), "rows", ROWS, row_group_rows=2, intermediate=True, memory_bytes=memory_bytes)
    table.append(pl.DataFrame({"id": [1, 2, 3], "text": ["a", None, "c"]}, schema=ROWS))
    table.write_to(tmp_path / "rows.parquet", "parquet", {"cleaner.version": "x"})
    assert table.spilled == (memory_bytes == 0)
    written = pq.ParquetFile(tmp_path / "rows.parquet")
    assert written.metadata.metadata[b"cleaner.version"] == b"x" and written.num_row_groups == 2
    assert pl.read_parquet(tmp_path / "rows.parquet").equals(table.frame())


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_an_output_table_is_copied_when_its_metadata_matches(tmp_path: Path, memory_bytes: int) -> None:
    table = SpillTable(WorkFolder(), "rows", ROWS, metadata={"cleaner.version": "x"}, memory_bytes=memory_bytes)
    table.append(pl.DataFrame({"id": [1, 2], "text": ["a", None]}, schema=ROWS))
    table.write_to(tmp_path / "same.parquet", "parquet", {"cleaner.version": "x"})
    table.write_to(tmp_path / "other.parquet", "parquet", {"cleaner.version": "y"})
    table.write_to(tmp_path / "rows.jsonl", "jsonl")
    assert table.spilled == (memory_bytes == 0)
    if table.spilled:
        assert (tmp_path / "same.parquet").read_bytes() == table.path.read_bytes()
    else:
        assert not table.path.exists()
    assert pq.ParquetFile(tmp_path / "same.parquet").metadata.metadata[b"cleaner.version"] == b"x"
    assert pq.ParquetFile(tmp_path / "other.parquet").metadata.metadata[b"cleaner.version"] == b"y"
    for name in ("same.parquet", "other.parquet"):
        assert pl.read_parquet(tmp_path / name).equals(table.frame())
    assert pl.read_ndjson(tmp_path / "rows.jsonl", schema=ROWS).equals(table.frame())


def test_folders_of_killed_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{WORK_PREFIX}{finished.stdout.strip()}-abc"
    alive = tmp_path / f"{WORK_PREFIX}{os.getppid()}-abc"
    unrelated = tmp_path / "cleaner-run-notes"
    for folder in (dead, alive, unrelated):
        folder.mkdir()
        os.utime(folder, (0, 0))  # folders of an older cleaner, without an owner lock
    fresh = tmp_path / f"{WORK_PREFIX}{finished.stdout.strip()}-being-created"
    fresh.mkdir()
    remove_abandoned(tmp_path)
    assert fresh.exists()  # its run may be about to take its lock
    assert not dead.exists() and alive.exists() and unrelated.exists()
    work = WorkFolder(tmp_path)
    assert work.path.parent == tmp_path and work.path.name.startswith(f"{WORK_PREFIX}{os.getpid()}-")



def test_a_write_that_fails_behind_the_caller_is_raised_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(spill, "_write_groups", failing)
    schema = pl.Schema({"x": pl.Int64})
    many = SpillTable(WorkFolder(), "many", schema, row_group_rows=2, memory_bytes=0)
    with pytest.raises(OSError, match="disk full"):
        for start in range(0, 20, 2):  # more pieces than may wait: an append meets the failure
            many.append(pl.DataFrame({"x": [start, start + 1]}))
    last = SpillTable(WorkFolder(), "last", schema, row_group_rows=4, memory_bytes=0)
    last.append(pl.DataFrame({"x": [1, 2, 3]}))  # less than a row group: written at close
    with pytest.raises(OSError, match="disk full"):
        last.close()
