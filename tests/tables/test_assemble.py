"""The work folder: spilled tables, signatures stored once per text, tables assembled in pieces."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

import cleaner
from cleaner import schemas
from cleaner.tables import spill
from cleaner.tables.assemble import assemble_streams, assemble_tables
from cleaner.tables.spill import SpillTable, WorkFolder
from tests.conftest import SAMPLES


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_tables_assembled_in_small_pieces_equal_the_whole_run(monkeypatch: pytest.MonkeyPatch, memory_bytes: int) -> None:
    """Row groups of two rows cut documents apart; bodies, clusters and order must not notice."""
    monkeypatch.setattr(spill, "IN_MEMORY_BYTES", memory_bytes)
    result = cleaner.clean(SAMPLES, workers=1)
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
        texts, today, empty_texts, today.clear(), provenance, _as_read(result.documents), folder
    )
    assert tables["paragraphs"].frame().equals(paragraphs)
    assert tables["clusters"].frame().equals(clusters)
    assert tables["documents"].frame().equals(result.documents)


def _streams(result: cleaner.CleanResult, text_rows: int, cluster_rows: int) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """The run's texts and its clusters (with provenance on canonical rows) as the Spark engine
    streams them, cut into pieces of unrelated sizes."""
    paragraphs = result.paragraphs
    heads = result.clusters.select("cluster_id", "size", "doc_ids", "sources").with_columns(pl.lit(True).alias("is_canonical"))
    assigned = paragraphs.drop("text", "position", "line_start", "line_end").join(
        heads, on=["cluster_id", "is_canonical"], how="left", maintain_order="left"
    )
    texts = paragraphs.select(*schemas.PARAGRAPH_TEXTS)
    return (
        [texts.slice(start, text_rows) for start in range(0, texts.height, text_rows)],
        [assigned.slice(start, cluster_rows) for start in range(0, assigned.height, cluster_rows)],
    )


def test_tables_assembled_from_two_streams_equal_the_whole_run() -> None:
    result = cleaner.clean(SAMPLES, workers=1)
    texts, assigned = _streams(result, 3, 7)
    passes = {"texts": 0, "assigned": 0}

    def stream(name: str, pieces: list[pl.DataFrame]) -> Callable[[], Iterator[pl.DataFrame]]:
        def start() -> Iterator[pl.DataFrame]:
            passes[name] += 1
            return iter(pieces)

        return start

    tables = assemble_streams(stream("texts", texts), stream("assigned", assigned), _as_read(result.documents), WorkFolder())
    for name in ("paragraphs", "clusters", "documents"):
        assert tables[name].frame().equals(getattr(result, name)), name
    assert passes == {"texts": 3, "assigned": 2}, "one table at a time: a pass over the streams for each"


def test_streams_out_of_step_are_an_error_not_a_wrong_table() -> None:
    result = cleaner.clean(SAMPLES, workers=1)
    texts, assigned = _streams(result, 4, 4)
    with pytest.raises(ValueError, match="out of step"):
        assemble_streams(lambda: texts, lambda: assigned[:-1], _as_read(result.documents), WorkFolder())
    with pytest.raises(ValueError, match="out of step"):
        assemble_streams(lambda: texts[:-1], lambda: assigned, _as_read(result.documents), WorkFolder())
    with pytest.raises(ValueError, match="out of step"):
        assemble_streams(lambda: texts, lambda: assigned[1:] + assigned[:1], _as_read(result.documents), WorkFolder())


def test_a_run_in_memory_and_a_spilled_run_give_the_same_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = SAMPLES
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


def _as_read(documents: pl.DataFrame) -> pl.DataFrame:
    """The ``documents`` output as the reader hands it on: no body, the records' other fields as JSON."""
    metadata = pl.col("metadata")
    return documents.drop("text").with_columns(pl.when(metadata.is_not_null()).then(metadata.struct.json_encode()))
