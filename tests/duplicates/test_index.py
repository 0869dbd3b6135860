"""The incremental dedup index: matching against earlier runs, and never losing its history."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import pipeline
from cleaner.cli import cli
from cleaner.config import CleanConfig
from cleaner.duplicates.index import INDEX_ROWS, DedupIndex, TodaysKeys
from cleaner.errors import IndexCorruptError, IndexMismatchError
from cleaner.schemas import OUTPUT_TABLES
from tests.conftest import BASE, PARAGRAPHS, syndicated_records, write_jsonl

WIRE = [BASE, PARAGRAPHS[2], "The harbour master said ferries would resume their normal timetable by the weekend at the latest."]


def _day(records: list[dict], index: Path, **options: object) -> cleaner.CleanResult:
    return cleaner.clean(records, index_dir=str(index), strip=False, workers=1, **options)


def _run(tmp_path: Path, name: str, records: list[dict], index: Path, **options: object) -> cleaner.CleanResult:
    result = _day(records, index, **options)
    result.write(tmp_path / name, update_index=True)
    return result


def test_incremental_index_dedups_against_earlier_runs(tmp_path: Path) -> None:
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


def test_a_missing_meta_json_is_refused_not_started_anew(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    (index / "meta.json").unlink()
    with pytest.raises(IndexCorruptError, match="no meta.json"):
        _day([{"id": "copy", "text": BASE}], index)
    assert len(list(index.glob("part-*.parquet"))) == 1
    result = CliRunner().invoke(cli, ["clean", "-", "-o", str(tmp_path / "day2"), "--index", str(index)], input='{"id": "x", "text": "y"}\n')
    assert result.exit_code == 1 and "meta.json" in result.output and not (tmp_path / "day2").exists()
    assert CliRunner().invoke(cli, ["index", "verify", str(index)]).exit_code == 1


def test_a_damaged_part_names_the_index_and_the_file(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    part = next(index.glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[: len(part.read_bytes()) // 2])
    with pytest.raises(IndexCorruptError, match=part.name) as refused:
        _day([{"id": "copy", "text": BASE}], index)
    assert str(index) in str(refused.value)
    assert "restore it from a backup, or build the index anew" in str(refused.value)
    verify = CliRunner().invoke(cli, ["index", "verify", str(index)])
    assert verify.exit_code == 1 and part.name in verify.output and "build the index anew" in verify.output
    assert "lists the damage" not in verify.output  # verify is what it would send the user to


def test_days_run_at_once_against_one_index_keep_every_entry(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day0", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    days = [_day([{"id": f"doc{i}", "text": f"Paragraph number {i} of a story that only this day carried, in full."}], index) for i in range(6)]
    threads = [threading.Thread(target=day.write, args=(tmp_path / f"out{i}",), kwargs={"update_index": True}) for i, day in enumerate(days)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    info = DedupIndex(index).info()
    assert info["documents"] == 7 and info["parts"] == 7
    assert DedupIndex(index).verify() == []


def test_what_a_killed_update_leaves_is_removed_by_the_next(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    (index / ".part-killed.tmp").write_bytes(b"half a part")
    (index / "part-000001.parquet").write_bytes(b"a part never listed")
    assert len(DedupIndex(index).verify()) == 2
    verify = CliRunner().invoke(cli, ["index", "verify", str(index)])
    assert verify.exit_code == 1 and "2 problem(s)" in verify.output and "anew" not in verify.output  # harmless: no rebuild
    _run(tmp_path, "day2", [{"id": "copy", "text": BASE}], index)
    assert DedupIndex(index).verify() == [] and DedupIndex(index).info()["parts"] == 2


def test_a_failing_index_update_writes_neither_the_output_nor_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    before = json.loads((index / "meta.json").read_text())

    result = _day([{"id": "copy", "text": BASE}], index)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _disk_full)
    with pytest.raises(OSError, match="cannot write a part of the index .*No space"):
        result.write(tmp_path / "day2", update_index=True)
    monkeypatch.undo()
    assert not (tmp_path / "day2").exists() and json.loads((index / "meta.json").read_text()) == before
    assert sorted(path.name for path in index.iterdir()) == ["meta.json", "part-000000.parquet"]


def _disk_full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
    # what Polars raises when the disk fills up under write_parquet
    raise pl.exceptions.ComputeError("parquet: File out of specification: underlying IO error: No space left on device (os error 28)")


def test_a_first_index_update_that_fails_leaves_no_empty_folder_posing_as_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "new" / "index"
    result = _day([{"id": "copy", "text": BASE}], index)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _disk_full)
    write_jsonl(tmp_path / "day.jsonl", [{"id": "copy", "text": BASE}])
    failed = CliRunner().invoke(cli, ["clean", str(tmp_path / "day.jsonl"), "-o", str(tmp_path / "out"), "--index", str(index)])
    assert failed.exit_code == 1 and "cannot write a part of the index" in failed.output and "nothing was written" in failed.output
    assert not index.exists() and not (tmp_path / "out").exists()
    monkeypatch.undo()
    result.write(tmp_path / "day1", update_index=True)
    assert DedupIndex(index).verify() == []


def test_a_document_sent_again_supersedes_its_entries_and_keeps_its_clusters(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    shorter = _run(tmp_path, "day2", [{"id": "wire", "text": "\n\n".join(WIRE[:2])}], index)
    assert set(shorter.paragraphs["cluster_id"]) <= set(first.paragraphs["cluster_id"])
    latest = DedupIndex(index).latest_rows()
    assert latest["para_id"].to_list() == ["wire#p0", "wire#p1"]  # the dropped paragraph is gone
    copy = _run(tmp_path, "day3", [{"id": "copy", "text": WIRE[2]}], index)
    assert copy.paragraphs["is_canonical"].to_list() == [True]  # no current document carries the old one


def test_running_a_day_again_adds_nothing_and_compaction_keeps_the_latest(tmp_path: Path) -> None:
    index = tmp_path / "index"
    day = [{"id": "wire", "text": "\n\n".join(WIRE)}]
    _run(tmp_path, "day1", day, index)
    _run(tmp_path, "day1-again", day, index)
    assert DedupIndex(index).info()["parts"] == 1
    _run(tmp_path, "day2", [{"id": "wire", "text": "\n\n".join(WIRE[:2])}, {"id": "copy", "text": BASE}], index)
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "compact", str(index)]).exit_code == 0
    info = DedupIndex(index).info()
    assert info["parts"] == 1 and info["paragraphs"] == 3 and sorted(os.listdir(index)) == ["meta.json", "part-000002.parquet"]
    shown = runner.invoke(cli, ["index", "info", str(index)])
    assert shown.exit_code == 0 and "paragraphs: 3" in shown.output


def test_exact_only_runs_still_give_the_index_signatures(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index, near_duplicates=False)
    assert DedupIndex(index).latest_rows()["band_keys"].list.len().max() > 0
    copy = _run(tmp_path, "day2", [{"id": "copy", "text": PARAGRAPHS[1]}], index)
    assert copy.paragraphs["match"].to_list() == ["near"]


def test_explain_names_an_earlier_runs_canonical(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    _run(tmp_path, "day2", [{"id": "copy", "text": PARAGRAPHS[1]}], index)
    shown = CliRunner().invoke(cli, ["explain", str(tmp_path / "day2"), "copy#p0"])
    assert shown.exit_code == 0, shown.output
    assert "canonical: wire#p0 (from an earlier run" in shown.output and "copy#p0" in shown.output


def test_a_folder_that_is_not_an_index_is_neither_written_into_nor_cleaned(tmp_path: Path) -> None:
    spark_output = tmp_path / "spark"
    spark_output.mkdir()
    (spark_output / "part-00000.parquet").write_bytes(b"someone else's data")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")
    for folder in (spark_output, notes):
        with pytest.raises(IndexCorruptError):
            _day([{"id": "copy", "text": BASE}], folder)
    assert (spark_output / "part-00000.parquet").read_bytes() == b"someone else's data"
    assert sorted(os.listdir(notes)) == ["todo.txt"]


def test_re_sending_the_canonical_document_keeps_its_cluster_id(tmp_path: Path) -> None:
    """A copy dated earlier than the canonical joins its cluster (the canonical stays, as it was
    canonical first); the canonical's document sent again must not hand the cluster to it."""
    index = tmp_path / "index"
    wire = {"id": "wire", "text": BASE, "date": "2026-03-02"}
    first = _run(tmp_path, "day1", [wire], index)
    copy = _run(tmp_path, "day2", [{"id": "copy", "text": PARAGRAPHS[1], "date": "2026-03-01"}], index)
    cluster = first.paragraphs["cluster_id"][0]
    assert copy.paragraphs["cluster_id"].to_list() == [cluster] and not copy.paragraphs["is_canonical"][0]
    again = _run(tmp_path, "day3", [wire], index)
    assert again.paragraphs["cluster_id"].to_list() == [cluster] and again.paragraphs["is_canonical"][0]


def test_a_day_reads_only_its_neighbourhood_and_writes_the_same_bytes_as_with_the_whole_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = syndicated_records(4_000, seed=23)
    days = [records[start::4] for start in range(4)]
    index = tmp_path / "index"
    for number, day in enumerate(days[:3]):
        _run(tmp_path, f"day{number}", day, index)
    near = _day(days[3], index)
    near.write(tmp_path / "near")
    monkeypatch.setattr(pipeline, "todays_keys", lambda mapped: None)
    whole = _day(days[3], index)
    whole.write(tmp_path / "whole")
    loaded = {name: json.loads((tmp_path / name / "manifest.json").read_text())["dedup"]["index"]["paragraphs_loaded"] for name in ("near", "whole")}
    assert 0 < loaded["near"] < loaded["whole"] == DedupIndex(index).info()["paragraphs"]
    assert near.paragraphs["match"].is_in(["near", "contained"]).any()
    for table in OUTPUT_TABLES:
        assert (tmp_path / "near" / f"{table}.parquet").read_bytes() == (tmp_path / "whole" / f"{table}.parquet").read_bytes(), table


KEY = st.integers(0, 11)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(KEY, st.lists(KEY, max_size=3), st.lists(KEY, max_size=2)), min_size=1, max_size=25),
    st.lists(KEY, max_size=3), st.lists(KEY, max_size=3), st.lists(KEY, max_size=2),
)
def test_the_neighbourhood_is_every_row_a_chain_of_shared_keys_reaches(
    rows: list[tuple[int, list[int], list[int]]], norm_keys: list[int], band_keys: list[int], anchors: list[int]
) -> None:
    frame = pl.DataFrame(
        {
            "para_id": [f"d{i}#p0" for i in range(len(rows))], "doc_id": [f"d{i}" for i in range(len(rows))],
            "source": "s", "date": None, "position": 0, "text": "t", "norm_key": [f"k{n}" for n, _, _ in rows],
            "n_tokens": 1, "shingles": [[1]] * len(rows), "band_keys": [bands for _, bands, _ in rows],
            "anchors": [found for _, _, found in rows], "was_canonical": False,
        },
        schema_overrides=INDEX_ROWS,
    )
    with tempfile.TemporaryDirectory() as folder:
        index = DedupIndex(Path(folder) / "index")
        config = CleanConfig(index_dir=str(index.path))
        index.append(frame, config)
        today = TodaysKeys(pl.Series([f"k{n}" for n in norm_keys], dtype=pl.String), pl.Series(band_keys, dtype=pl.UInt64), pl.Series(anchors, dtype=pl.UInt64))
        loaded = index.load(config, replacing={"d0"}, near=today).rows["para_id"].to_list()
    keys = [({f"k{n}"}, set(bands), set(found)) for n, bands, found in rows]
    reached = ({f"k{n}" for n in norm_keys}, set(band_keys), set(anchors))
    expected: set[int] = set()
    while True:
        new = {i for i in range(1, len(rows)) if i not in expected and any(keys[i][c] & reached[c] for c in range(3))}
        if not new:
            break
        expected |= new
        for i in new:
            for channel in range(3):
                reached[channel].update(keys[i][channel])
    assert loaded == [f"d{i}#p0" for i in sorted(expected)]


def test_an_index_whose_signatures_follow_other_rules_is_refused_with_what_to_do(tmp_path: Path) -> None:
    index = tmp_path / "index"
    _run(tmp_path, "day1", [{"id": "wire", "text": "\n\n".join(WIRE)}], index)
    meta = json.loads((index / "meta.json").read_text())
    del meta["compatibility"]["signature"]["without_spaces"]  # as written before text without spaces had its rule
    (index / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match=r"other rules \(without_spaces\).*start a new index"):
        _day([{"id": "copy", "text": BASE}], index)
