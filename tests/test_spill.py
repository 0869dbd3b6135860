"""The work folder: spilled tables, signatures stored once per text, tables assembled in pieces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import schemas, spill
from cleaner.assemble import assemble_tables
from cleaner.candidates import BandLists
from cleaner.spill import (
    WORK_PREFIX,
    SignatureStore,
    SpillTable,
    WorkFolder,
    remove_abandoned,
)

ROWS = pl.Schema({"id": pl.Int64, "text": pl.String})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=8), st.integers(1, 5), st.sampled_from([0, 2**30]))
def test_row_groups_do_not_depend_on_how_rows_arrive(sizes: list[int], group: int, memory_bytes: int) -> None:
    folder = WorkFolder()
    table = SpillTable(folder, "rows", ROWS, row_group_rows=group, memory_bytes=memory_bytes)
    start = 0
    for size in sizes:
        table.append(pl.DataFrame({"id": range(start, start + size), "text": [f"t{i}" for i in range(start, start + size)]}, schema=ROWS))
        start += size
    table.close()
    expected = [group] * (start // group) + ([start % group] if start % group else [])
    assert table.spilled == (memory_bytes == 0 and start > 0)
    if table.spilled:
        source = pq.ParquetFile(table.path)
        assert [source.metadata.row_group(i).num_rows for i in range(source.num_row_groups)] == expected
    assert table.row_group_sizes() == expected
    assert [table.piece(i).height for i in range(len(expected))] == expected
    assert [row for piece in table.pieces() for row in piece["id"].to_list()] == list(range(start))
    assert table.frame()["id"].to_list() == list(range(start)) and table.rows == start


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
    remove_abandoned(tmp_path)
    assert not dead.exists() and alive.exists() and unrelated.exists()
    work = WorkFolder(tmp_path)
    assert work.path.parent == tmp_path and work.path.name.startswith(f"{WORK_PREFIX}{os.getpid()}-")


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_signatures_are_stored_once_per_text_and_read_back_by_band(monkeypatch: pytest.MonkeyPatch, memory_bytes: int) -> None:
    monkeypatch.setattr(spill, "IN_MEMORY_BYTES", memory_bytes)
    def keyed(keys: list[str], bands: list[list[int]]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "norm_key": keys,
                "shingles": [[hash(k) % 1000] for k in keys],
                "band_keys": bands,
                "anchors": [[len(k)] for k in keys],
            },
            schema={"norm_key": pl.String, "shingles": pl.List(pl.UInt64), "band_keys": pl.List(pl.UInt64), "anchors": pl.List(pl.UInt64)},
        )

    store = SignatureStore(WorkFolder(), bands=3)
    store.add(keyed(["a", "b", "a"], [[1, 2, 3], [], [1, 2, 3]]))
    store.add(keyed(["b", "c", "d", "c"], [[], [7, 8, 2**64 - 1], [4, 5, 6], [7, 8, 2**64 - 1]]))
    assert store.frame["norm_key"].to_list() == ["a", "b", "c", "d"]
    assert store.has_bands.tolist() == [True, False, True, True]
    assert [store.band(b).tolist() for b in range(3)] == [[1, 0, 7, 4], [2, 0, 8, 5], [3, 0, 2**64 - 1, 6]]
    rows = store.rows_of(pl.Series(["d", "a", "b"]))
    assert rows.tolist() == [3, 0, 1]
    assert store.band_lists(rows).to_list() == [[4, 5, 6], [1, 2, 3], []]
    shingles = {k: [hash(k) % 1000] for k in "abcd"}
    assert store.shingle_counts.tolist() == [1, 1, 1, 1]
    assert store.shingles_of(np.array([1, 3])).to_list() == [shingles["b"], shingles["d"]]
    assert store.shingle_lists(np.array([3, 0, 3])).to_list() == [shingles["d"], shingles["a"], shingles["d"]]
    lists = BandLists.from_lists(pl.Series([[1, 2, 3], [], [7, 8, 2**64 - 1], [4, 5, 6]], dtype=pl.List(pl.UInt64)))
    assert [lists.band(b).tolist() for b in range(3)] == [store.band(b).tolist() for b in range(3)]
    assert lists.has_bands.tolist() == store.has_bands.tolist()


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_tables_assembled_in_small_pieces_equal_the_whole_run(monkeypatch: pytest.MonkeyPatch, memory_bytes: int) -> None:
    """Row groups of two rows cut documents apart; bodies, clusters and order must not notice."""
    monkeypatch.setattr(spill, "IN_MEMORY_BYTES", memory_bytes)
    result = cleaner.clean(Path(__file__).resolve().parent.parent / "samples", workers=1)
    paragraphs = result.paragraphs
    folder = WorkFolder()
    texts = SpillTable(folder, "texts", schemas.PARAGRAPH_TEXTS, row_group_rows=2, intermediate=True)
    for start in range(0, paragraphs.height, 5):
        texts.append(paragraphs.slice(start, 5).select(*schemas.PARAGRAPH_TEXTS))
    today = paragraphs.select("para_id", "doc_id", "cluster_id", "is_canonical", "similarity", "containment", "match")
    clusters = result.clusters
    provenance = clusters.select("cluster_id", "size", "doc_ids", "sources")
    empty_texts = schemas.empty(schemas.PARAGRAPH_TEXTS)
    tables = assemble_tables(
        texts, today, empty_texts, today.clear(), provenance, result.documents.drop("text"), folder
    )
    assert tables["paragraphs"].frame().equals(paragraphs)
    assert tables["clusters"].frame().equals(clusters)
    assert tables["documents"].frame().equals(result.documents)


def test_a_run_in_memory_and_a_spilled_run_give_the_same_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = Path(__file__).resolve().parent.parent / "samples"
    in_memory = cleaner.clean(samples, workers=1)
    monkeypatch.setattr(spill, "IN_MEMORY_BYTES", 0)
    spilled = cleaner.clean(samples, workers=1)
    assert spilled.stored["paragraphs"].spilled and not in_memory.stored["paragraphs"].spilled
    for name in ("documents", "paragraphs", "clusters", "removed"):
        assert getattr(spilled, name).equals(getattr(in_memory, name)), name
    in_memory.write(tmp_path / "a")
    spilled.write(tmp_path / "b")
    for name in ("documents", "paragraphs", "clusters", "removed"):
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (tmp_path / "b" / f"{name}.parquet").read_bytes(), name
