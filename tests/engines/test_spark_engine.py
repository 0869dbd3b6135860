"""The Spark engine gives the local engine's tables, byte for byte.

The encoding across the Spark boundary is tested without Spark; the end-to-end comparisons
need PySpark (in the ``test`` extra) and Java 17+ (``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

import cleaner
from cleaner.batch import BATCH_FRAMES, clean_batch
from cleaner.cli import cli
from cleaner.config import CleanConfig
from cleaner.duplicates.clusters import components
from cleaner.engines import is_spark_dataframe
from cleaner.engines.spark import (
    decode_output,
    distributed_components,
    encode_output,
    ordered_parts,
)
from cleaner.schemas import OUTPUT_TABLES as WRITTEN_TABLES
from cleaner.schemas import RAW_DOCUMENTS, frame
from tests.conftest import ARTICLE, SAMPLES


def _raw(bodies: list[tuple[str, str]]) -> pl.DataFrame:
    rows = [
        {"doc_id": f"d{i}", "source": "s", "path": "p", "content_type": kind, "body": body, "order": i}
        for i, (kind, body) in enumerate(bodies)
    ]
    return frame(rows, RAW_DOCUMENTS)


def test_encoding_for_spark_round_trips_every_table_in_document_order() -> None:
    config = CleanConfig(max_document_bytes=200)
    raw = _raw([("text", ARTICLE), ("html", "<html>" + "x" * 300 + "</html>"), ("text", ARTICLE.upper()), ("html", "<p>a</p>" * 100)])
    output = clean_batch(raw, config)
    assert output.errors.height == 2 and output.paragraphs["shingles"].explode().max() > 2**63  # unsigned range used
    encoded = encode_output(raw, output)
    assert all(dtype != pl.UInt64 for dtype in encoded.schema.values())
    shuffled = encoded.sample(fraction=1.0, shuffle=True, seed=7)
    decoded = decode_output(shuffled)
    for name in BATCH_FRAMES:
        assert getattr(decoded, name).equals(getattr(output, name)), name


def test_spark_output_files_are_read_in_partition_then_file_order(tmp_path: Path) -> None:
    names = ["part-00010-job-c000.snappy.parquet", "part-00002-job-c1000.snappy.parquet", "part-00002-job-c999.snappy.parquet",
             "part-00002-job-c000.snappy.parquet", "_SUCCESS"]
    for name in names:
        (tmp_path / name).touch()
    assert [path.name for path in ordered_parts(tmp_path)] == [
        "part-00002-job-c000.snappy.parquet", "part-00002-job-c999.snappy.parquet", "part-00002-job-c1000.snappy.parquet",
        "part-00010-job-c000.snappy.parquet",
    ]


def test_a_polars_frame_is_not_taken_for_a_spark_dataframe() -> None:
    assert not is_spark_dataframe(pl.DataFrame({"text": ["a"]}))


def _java() -> bool:
    return shutil.which("java") is not None


spark_only = pytest.mark.skipif(not _java(), reason="the Spark engine needs Java 17+ (.ci/run installs it)")




@spark_only
def test_spark_engine_writes_the_local_engines_bytes(tmp_path: Path, spark) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    local = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "local"), "--workers", "2", "-q"])
    assert local.exit_code == 0, local.output
    distributed = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "spark"), "--engine", "spark", "-q"])
    assert distributed.exit_code == 0, distributed.output
    for name in WRITTEN_TABLES:
        local_bytes = (tmp_path / "local" / f"{name}.parquet").read_bytes()
        assert (tmp_path / "spark" / f"{name}.parquet").read_bytes() == local_bytes, name
    assert pl.read_parquet(tmp_path / "spark" / "clusters.parquet").filter(pl.col("size") > 1).height > 0


@spark_only
def test_a_spark_dataframe_of_records_is_cleaned_like_the_same_polars_frame(spark) -> None:  # type: ignore[no-untyped-def]
    records = [
        {"id": "a", "source": "one", "text": ARTICLE, "html": None},
        {"id": "b", "source": "two", "text": ARTICLE.replace("Saturday", "Sunday"), "html": None},
        {"id": "a", "source": "two", "text": "A renamed duplicate id.\n\nIts second paragraph is here.", "html": None},
        {"id": "c", "source": "three", "text": None, "html": "<html><body>" + "<p>too big</p>" * 50 + "</body></html>"},
        {"id": "d", "source": "three", "text": None, "html": None},
    ]
    schema = "id string, source string, text string, html string"
    local = cleaner.clean(pl.DataFrame(records), workers=1, max_document_bytes=500)
    distributed = cleaner.clean(spark.createDataFrame([tuple(r.values()) for r in records], schema), max_document_bytes=500)
    assert distributed.config.engine == "spark"
    assert local.errors.height >= 3  # a renamed id, a page over the size limit, a record without text
    for name in WRITTEN_TABLES:
        assert getattr(distributed, name).equals(getattr(local, name)), name


@spark_only
def test_a_preferred_source_no_document_has_is_warned_about_on_spark(tmp_path: Path, spark, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "harbor-gazette").mkdir()
    (tmp_path / "harbor-gazette" / "story.txt").write_text(ARTICLE, encoding="utf-8")
    with caplog.at_level("WARNING", logger="cleaner"):
        cleaner.clean(tmp_path, engine="spark", spark=spark, prefer_sources=("harbour-gazette", "harbor-gazette"))
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING" and "--prefer" in record.getMessage()]
    assert warnings == ["--prefer 'harbour-gazette': no document of this run has that source (sources: harbor-gazette)"]


def test_the_spark_engine_without_pyspark_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "pyspark", None)
    monkeypatch.setitem(__import__("sys").modules, "pyspark.sql", None)
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--engine", "spark"])
    assert result.exit_code == 1
    assert "pip install 'cleaner[spark]'" in result.output
    assert not (tmp_path / "out").exists()


@spark_only
def test_spark_reads_the_partitioned_output(tmp_path: Path, spark) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--partition-by", "source", "-q"])
    assert result.exit_code == 0, result.output
    documents = spark.read.parquet(str(tmp_path / "out" / "documents"))
    local = pl.read_parquet(tmp_path / "out" / "documents", hive_partitioning=True)
    assert "source" in documents.columns and documents.count() == local.height
    counts = {row["source"]: row["count"] for row in documents.groupBy("source").count().collect()}
    assert counts == dict(local.group_by("source").len().iter_rows())


@spark_only
def test_an_unusable_work_folder_is_a_clear_error(tmp_path: Path, spark) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(
        cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--engine", "spark", "--work-dir", str(blocker / "sub")]
    )
    assert result.exit_code == 1 and "work folder" in result.output and str(blocker) in result.output
    assert not (tmp_path / "out").exists()


@spark_only
def test_components_on_the_cluster_are_the_drivers(tmp_path: Path, spark) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    n = 300
    a = rng.integers(0, n, 260)
    b = rng.integers(0, n, 260)
    chain = np.arange(40, 80)  # a long path: the case that needs several rounds
    edges = pl.DataFrame({"a": np.concatenate([a, chain[:-1]]), "b": np.concatenate([b, chain[1:]])}).cast(pl.UInt32)
    expected = components(n, edges)
    labels = distributed_components(spark, n, edges, tmp_path)
    assert labels.tolist() == expected.tolist()
    assert distributed_components(spark, 5, edges.clear(), tmp_path / "empty").tolist() == [0, 1, 2, 3, 4]


@spark_only
def test_a_graph_too_large_for_the_driver_gives_the_same_tables(spark) -> None:  # type: ignore[no-untyped-def]
    on_driver = cleaner.clean(SAMPLES, workers=1)
    on_cluster = cleaner.clean(SAMPLES, workers=1, engine="spark", spark=spark, driver_edges=0)
    for name in ("documents", "paragraphs", "clusters"):
        assert getattr(on_cluster, name).equals(getattr(on_driver, name)), name
    assert on_driver.clusters.filter(pl.col("size") > 1).height > 0


def test_the_spark_engine_without_java_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    from cleaner.engines import spark as spark_module

    monkeypatch.setattr(spark_module.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--engine", "spark", "--workers", "1"])
    assert result.exit_code == 1 and "Java 17" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
