"""Deduplication as Spark jobs decides exactly as the local engine, in every configuration.

Each case cleans one small syndicated corpus with both engines (Spark in the tests' own
``local[2]`` session) and compares every table.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cleaner
from cleaner.schemas import OUTPUT_TABLES
from tests.conftest import syndicated_corpus

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="the Spark engine needs Java 17+ (.ci/run installs it)")




@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return syndicated_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl", 3_000, seed=5)


CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "giant buckets become stars": {"max_bucket": 2},
    "preferred sources and a looser rule": {"prefer_sources": ("outlet-7", "outlet-3"), "jaccard_threshold": 0.3, "duplicate_doc_ratio": 0.5},
    "exact copies only": {"near_duplicates": False},
}


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_spark_deduplication_gives_the_local_tables(spark, corpus: Path, options: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    local = cleaner.clean(corpus, workers=1, strip=False, **options)
    distributed = cleaner.clean(corpus, workers=1, strip=False, engine="spark", spark=spark, **options)
    for name in OUTPUT_TABLES:
        assert getattr(distributed, name).equals(getattr(local, name)), name
    assert distributed.manifest["counts"] == local.manifest["counts"]
    if options.get("near_duplicates", True):
        for statistic in ("representatives", "candidate_pairs", "near_edges", "contained_edges", "shingle_sets_loaded"):
            assert distributed.manifest["dedup"][statistic] == local.manifest["dedup"][statistic], statistic
    assert local.paragraphs.filter(pl.col("is_canonical").not_()).height > 100
    assert local.documents.filter(pl.col("duplicate_of").is_not_null())["source"].unique().to_list() == ["aggregator"]


def test_a_spark_run_that_reads_no_document_writes_empty_tables(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty.jsonl").write_text("")
    result = cleaner.clean(tmp_path / "empty.jsonl", engine="spark", spark=spark, allow_empty=True)
    assert result.documents.height == 0 and result.paragraphs.height == 0
    assert result.manifest["counts"]["documents"] == 0


def test_with_a_dedup_index_spark_says_it_deduplicates_on_the_driver(spark, corpus: Path, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    local = cleaner.clean(corpus, workers=1, strip=False, index_dir=str(tmp_path / "local-index"))
    with caplog.at_level("WARNING", logger="cleaner"):
        distributed = cleaner.clean(corpus, workers=1, strip=False, engine="spark", spark=spark, index_dir=str(tmp_path / "index"))
    assert "deduplicates on the driver" in caplog.text and "without --index" in caplog.text
    for name in OUTPUT_TABLES:
        assert getattr(distributed, name).equals(getattr(local, name)), name
