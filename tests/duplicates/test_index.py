"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import polars as pl

from tests.conftest import BASE, PARAGRAPHS


def test_incremental_index_dedups_against_earlier_runs(tmp_path):
    from click.testing import CliRunner

    from cleaner.cli import cli
    from cleaner.duplicates.index import DedupIndex

    day1 = tmp_path / "day1"
    day2 = tmp_path / "day2"
    day1.mkdir()
    day2.mkdir()
    (day1 / "wire.txt").write_text(BASE + "\n\n" + PARAGRAPHS[2] + "\n", encoding="utf-8")
    (day2 / "copy.txt").write_text(PARAGRAPHS[1] + "\n\nA new paragraph that only appeared on the second day of the story.\n", encoding="utf-8")
    index = tmp_path / "index"
    runner = CliRunner()
    first = runner.invoke(cli, ["clean", str(day1), "-o", str(tmp_path / "out1"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out2"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert second.exit_code == 0, second.output
    paragraphs = pl.read_parquet(tmp_path / "out2" / "paragraphs.parquet")
    assert paragraphs["doc_id"].unique().to_list() == ["copy.txt"]
    copy = paragraphs.row(0, named=True)
    assert copy["match"] == "near" and not copy["is_canonical"]
    clusters = pl.read_parquet(tmp_path / "out2" / "clusters.parquet")
    shared = clusters.filter(pl.col("cluster_id") == copy["cluster_id"]).row(0, named=True)
    assert shared["canonical_para_id"] == "wire.txt#p0" and shared["doc_ids"] == ["copy.txt", "wire.txt"]
    first_clusters = pl.read_parquet(tmp_path / "out1" / "clusters.parquet")
    assert copy["cluster_id"] in first_clusters["cluster_id"].to_list()
    assert DedupIndex(index).meta()["paragraphs"] == 4
    rerun = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out3"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert rerun.exit_code == 0
    again = pl.read_parquet(tmp_path / "out3" / "paragraphs.parquet")
    assert again.equals(paragraphs)
    mismatch = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out4"), "--index", str(index), "--jaccard", "0.9"])
    assert mismatch.exit_code == 2 and "index" in mismatch.output
