"""The command line through click's runner and through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cleaner
from cleaner.cli import cli
from cleaner.tables.write import read_output
from tests.conftest import ARTICLE, REPO, SAMPLES, write_jsonl


def test_clean_writes_all_tables_and_a_summary(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(corpus), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "documents: 2" in result.output and "removed lines:" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["clusters.parquet", "documents.parquet", "errors.parquet", "manifest.json", "paragraphs.parquet", "removed.parquet"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == 2
    assert manifest["parameters"]["workers"] == 1
    assert set(manifest["timings"]) >= {"total", "canonical"}


def test_jsonl_format_has_the_same_columns(tmp_path: Path, corpus: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["clean", str(corpus), "-o", str(tmp_path / "p"), "--workers", "1"]).exit_code == 0
    assert runner.invoke(cli, ["clean", str(corpus), "-o", str(tmp_path / "j"), "--format", "jsonl", "--workers", "1"]).exit_code == 0
    for name in ("documents", "paragraphs", "clusters", "removed", "errors"):
        parquet = pl.read_parquet(tmp_path / "p" / f"{name}.parquet")
        lines = (tmp_path / "j" / f"{name}.jsonl").read_text().splitlines()
        assert len(lines) == parquet.height
        if lines:
            assert list(json.loads(lines[0])) == parquet.columns


def test_existing_output_is_a_usage_error(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(cli, ["clean", str(corpus), "-o", str(out)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert list(out.iterdir()) == []


def test_strict_makes_input_errors_fatal(tmp_path: Path, corpus: Path) -> None:
    write_jsonl(corpus / "feed.jsonl", [{"title": "no text"}])
    out = tmp_path / "out"
    lenient = CliRunner().invoke(cli, ["clean", str(corpus), "-o", str(out), "--workers", "1"])
    assert lenient.exit_code == 0
    assert "feed.jsonl (record 1)" in lenient.output
    strict = CliRunner().invoke(cli, ["clean", str(corpus), "-o", str(tmp_path / "strict"), "--strict"])
    assert strict.exit_code == 1
    assert not (tmp_path / "strict").exists()


def test_field_options_and_prefer(tmp_path: Path) -> None:
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"guid": "a", "body": ARTICLE, "outlet": "one"},
        {"guid": "b", "body": ARTICLE, "outlet": "two"},
    ])
    out = tmp_path / "out"
    args = ["clean", str(feed), "-o", str(out), "--text-field", "body", "--id-field", "guid", "--source-field", "outlet", "--prefer", "two"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    paragraphs = pl.read_parquet(out / "paragraphs.parquet")
    assert paragraphs.filter(pl.col("is_canonical"))["doc_id"].unique().to_list() == ["b"]


def test_records_keep_their_other_fields_in_a_metadata_struct(tmp_path: Path) -> None:
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        {"guid": "a", "body": ARTICLE, "outlet": "one", "rank": 1, "tags": ["x"]},
        {"guid": "b", "body": ARTICLE, "outlet": "two", "rank": 2.5, "tags": None},
    ])
    out = tmp_path / "out"
    args = ["clean", str(feed), "-o", str(out), "--text-field", "body", "--id-field", "guid", "--source-field", "outlet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    documents = pl.read_parquet(out / "documents.parquet")
    assert documents.schema["metadata"] == pl.Struct({"rank": pl.Float64, "tags": pl.String})  # read fields are not repeated
    assert documents["metadata"].to_list() == [{"rank": 1.0, "tags": '["x"]'}, {"rank": 2.5, "tags": None}]


def test_strip_explain(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    plain = CliRunner().invoke(cli, ["strip", str(page)])
    assert plain.exit_code == 0
    assert plain.output.startswith("The town of Millbrook")
    assert "Share this article" not in plain.output
    explained = CliRunner().invoke(cli, ["strip", "--explain", str(page)])
    assert "# title: A quiet town gets its first library in fifty years" in explained.output
    assert any(line.split()[1:3] == ["drop", "social"] for line in explained.output.splitlines() if line[:5].strip().isdigit())
    assert "# strip confidence: 1.00" in explained.output  # nothing else on the page reads like an article
    piped = CliRunner().invoke(cli, ["strip", "-"], input=ARTICLE)
    assert piped.output == plain.output


def test_bad_pattern_file_is_a_usage_error(tmp_path: Path, corpus: Path) -> None:
    patterns = tmp_path / "p.txt"
    patterns.write_text("x\t(unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["clean", str(corpus), "-o", str(tmp_path / "o"), "--patterns", str(patterns)])
    assert result.exit_code == 2
    assert "p.txt:1" in result.output


def test_real_subprocess_on_samples_and_stdin(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(SAMPLES), "-o", str(out), "--workers", "2"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "documents: 14" in run.stderr
    assert pl.read_parquet(out / "documents.parquet").height == 14
    piped = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", "-", "-o", str(tmp_path / "stdin"), "-q"],
        input=json.dumps({"id": "s1", "text": ARTICLE}) + "\n", capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert pl.read_parquet(tmp_path / "stdin" / "documents.parquet")["doc_id"].to_list() == ["s1"]
    usage = subprocess.run([sys.executable, "-m", "cleaner", "clean"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert usage.returncode == 2


def test_readme_quick_start_matches_ci() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pip install . && cleaner clean samples -o out" in readme
    assert "python3 -m pip install '.[test]' && python3 -m pytest" in readme
    assert "python3 -m pytest\n" in ci and "'.[test]'" in ci


def test_explain_shows_cluster_scores_and_shared_text(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(out), "--workers", "1"]).exit_code == 0
    paragraphs = pl.read_parquet(out / "paragraphs.parquet")
    near = paragraphs.filter(pl.col("match") == "near").row(0, named=True)
    result = CliRunner().invoke(cli, ["explain", str(out), near["para_id"]])
    assert result.exit_code == 0, result.output
    assert near["cluster_id"] in result.output
    assert "shared with the canonical:" in result.output
    assert f"Jaccard {near['similarity']:.3f}" in result.output
    missing = CliRunner().invoke(cli, ["explain", str(out), "no-such-paragraph"])
    assert missing.exit_code == 1 and "no paragraph" in missing.output


def test_dedup_options(tmp_path: Path) -> None:
    runner = CliRunner()
    exact = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "e"), "--exact-only", "--workers", "1"])
    assert exact.exit_code == 0, exact.output
    near = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "n"), "--jaccard", "0.6", "--workers", "1"])
    assert near.exit_code == 0, near.output
    exact_matches = set(pl.read_parquet(tmp_path / "e" / "paragraphs.parquet")["match"].to_list())
    assert exact_matches <= {"canonical", "exact"}
    manifest = json.loads((tmp_path / "n" / "manifest.json").read_text())
    assert manifest["parameters"]["jaccard_threshold"] == 0.6
    assert manifest["dedup"]["banding"]["p_candidate_at_threshold"] >= 0.95
    bad = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "b"), "--jaccard", "2"])
    assert bad.exit_code == 2


def test_strip_html_page() -> None:
    page = SAMPLES / "valley-courier" / "kessel-bridge.html.gz"
    plain = CliRunner().invoke(cli, ["strip", str(page)])
    assert plain.exit_code == 0, plain.output
    assert "north caf\u00e9" in plain.output and "Related:" not in plain.output
    explained = CliRunner().invoke(cli, ["strip", "--explain", str(page)])
    assert "# extractor: trafilatura" in explained.output  # closer than readability's to the page's third reading
    assert "drop related" in explained.output


def test_huggingface_layout_shards_every_table_and_reads_back(tmp_path: Path) -> None:
    plain, sharded = tmp_path / "plain", tmp_path / "hf"
    runner = CliRunner()
    assert runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(plain), "--workers", "1"]).exit_code == 0
    result = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(sharded), "--workers", "1", "--layout", "huggingface", "--shard-rows", "10"])
    assert result.exit_code == 0, result.output
    clusters = pl.read_parquet(plain / "clusters.parquet")
    shards = sorted(p.name for p in (sharded / "data").iterdir())
    expected_shards = -(-clusters.height // 10)
    assert shards == [f"train-{i:05d}-of-{expected_shards:05d}.parquet" for i in range(expected_shards)]
    for name in ("documents", "paragraphs", "removed", "errors"):
        assert sorted((sharded / name).glob("train-*-of-*.parquet")), name
    card = (sharded / "README.md").read_text()
    assert card.startswith("---\nconfigs:\n") and "path: data/train-*.parquet" in card and "default: true" in card
    plain_tables, sharded_tables = read_output(plain), read_output(sharded)
    assert sorted(sharded_tables) == sorted(plain_tables)
    for name, table in plain_tables.items():
        assert sharded_tables[name].equals(table), name
    near = sharded_tables["paragraphs"].filter(pl.col("match") == "near")["para_id"][0]
    assert runner.invoke(cli, ["explain", str(sharded), near]).exit_code == 0


def test_parquet_files_carry_parameters_and_versions_but_nothing_run_specific(tmp_path: Path, corpus: Path) -> None:
    runner = CliRunner()
    for workers in ("1", "2"):
        assert runner.invoke(cli, ["clean", str(corpus), "-o", str(tmp_path / workers), "--workers", workers]).exit_code == 0
    for name in ("documents", "paragraphs", "clusters", "removed", "errors"):
        metadata = pq.read_metadata(tmp_path / "1" / f"{name}.parquet").metadata
        parameters = json.loads(metadata[b"cleaner.parameters"])
        assert parameters["jaccard_threshold"] == 0.5 and "workers" not in parameters
        assert "polars" in json.loads(metadata[b"cleaner.libraries"])
        assert (tmp_path / "1" / f"{name}.parquet").read_bytes() == (tmp_path / "2" / f"{name}.parquet").read_bytes()


def test_partitioned_output_holds_the_same_rows_in_hive_folders(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "plain"), "-q"]).exit_code == 0
    plain = read_output(tmp_path / "plain")
    for option, key in (("source", "source"), ("date", "day")):
        out = tmp_path / option
        result = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(out), "--partition-by", option, "-q"])
        assert result.exit_code == 0, result.output
        folders = sorted(p.name for p in (out / "documents").iterdir())
        assert folders and all(name.startswith(f"{key}=") for name in folders)
        assert (out / "removed.parquet").exists() and (out / "errors.parquet").exists()
        partitioned = read_output(out)
        for name, table in plain.items():
            order = [c for c in ("doc_id", "para_id", "cluster_id", "line", "path", "error") if c in table.columns]
            assert partitioned[name].sort(order, nulls_last=True).equals(table.sort(order, nulls_last=True)), (option, name)
        documents = pl.read_parquet(out / "documents", hive_partitioning=True)  # as any Hive-aware reader sees it
        assert documents.height == plain["documents"].height and key in documents.columns
    by_source = pl.read_parquet(tmp_path / "source" / "paragraphs", hive_partitioning=True)
    sources = plain["paragraphs"].join(plain["documents"].select("doc_id", "source"), on="doc_id")
    assert by_source.select("para_id", "source").sort("para_id").equals(sources.select("para_id", "source").sort("para_id"))
    canonical = plain["paragraphs"].filter(pl.col("match") == "near")["para_id"][0]
    assert runner.invoke(cli, ["explain", str(tmp_path / "source"), canonical]).exit_code == 0


def test_partition_values_are_escaped_and_nulls_get_the_hive_default_folder(tmp_path: Path) -> None:
    records = [
        {"id": "a", "source": "news/world: 50%", "text": "One paragraph about the harbour works.", "date": "2026-03-01T10:00:00"},
        {"id": "b", "text": "Another paragraph, with no source and no date."},
    ]
    result = cleaner.clean(records, partition_by="source")
    result.write(tmp_path / "out")
    folders = sorted(p.name for p in (tmp_path / "out" / "documents").iterdir())
    assert folders == ["source=news%2Fworld%3A%2050%25", "source=records"]
    result = cleaner.clean(records, partition_by="date")
    result.write(tmp_path / "by-day")
    assert sorted(p.name for p in (tmp_path / "by-day" / "documents").iterdir()) == ["day=2026-03-01", "day=__HIVE_DEFAULT_PARTITION__"]
    assert read_output(tmp_path / "by-day")["documents"].sort("doc_id")["date"].to_list() == ["2026-03-01T10:00:00", None]


def test_partitioning_needs_the_tables_layout_and_parquet(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "o"), "--partition-by", "source", "--format", "jsonl"])
    assert result.exit_code == 2 and "--partition-by" in result.output
    with pytest.raises(ValueError, match="tables layout"):
        cleaner.CleanConfig(partition_by="date", layout="huggingface")


def test_a_missing_input_or_a_folder_with_nothing_to_read_is_a_usage_error(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["clean", str(tmp_path / "typo"), "-o", str(tmp_path / "out")])
    assert missing.exit_code == 2 and "no such input" in missing.output and "typo" in missing.output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "image.png").write_bytes(b"\x89PNG")
    nothing = runner.invoke(cli, ["clean", str(tmp_path / "notes"), "-o", str(tmp_path / "out")])
    assert nothing.exit_code == 2 and "no file cleaner reads" in nothing.output
    (tmp_path / "empty.jsonl").write_text('{"id": "a", "body": "text under another name"}\n')
    empty = runner.invoke(cli, ["clean", str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "out")])
    assert empty.exit_code == 1 and "--allow-empty" in empty.output
    assert not (tmp_path / "out").exists()
    allowed = runner.invoke(cli, ["clean", str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "out"), "--allow-empty"])
    assert allowed.exit_code == 0 and pl.read_parquet(tmp_path / "out" / "documents.parquet").height == 0
    with pytest.raises(cleaner.errors.InputNotFoundError):
        cleaner.clean([str(tmp_path / "typo")])


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner import cli as cli_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "clean", interrupted)
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out")])
    assert result.exit_code == 130 and "nothing was written" in result.output and not (tmp_path / "out").exists()


SIGTERM_IN_A_RUN = """
import os, signal, sys, time
import cleaner.pipeline as pipeline
from cleaner.cli import main
real = pipeline.deduplicate

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)  # after the map stage: the work folder holds its spilled text
    time.sleep(30)
    return real(*args, **kwargs)

pipeline.deduplicate = killed
sys.argv = ["cleaner", "clean", *sys.argv[1:]]
main()
"""


def test_sigterm_stops_a_run_as_ctrl_c_does_removing_its_work_folder(tmp_path: Path) -> None:
    work = tmp_path / "scratch"
    work.mkdir()
    command = [sys.executable, "-c", SIGTERM_IN_A_RUN, str(SAMPLES), "-o", str(tmp_path / "out"), "--work-dir", str(work), "--workers", "1"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 143, run.stderr
    assert "terminated (SIGTERM): nothing was written" in run.stderr
    assert not (tmp_path / "out").exists() and list(work.iterdir()) == []


def test_a_run_stopped_while_writing_says_what_it_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner.duplicates.index import IndexUpdate

    def interrupted(self: IndexUpdate) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexUpdate, "commit", interrupted)
    index = tmp_path / "index"
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--index", str(index), "--workers", "1"])
    assert result.exit_code == 130
    assert f"{tmp_path / 'out'} was written, but the index {str(index)!r} was not updated (it is as it was)" in result.output
    assert (tmp_path / "out" / "manifest.json").exists() and not index.exists()


def test_a_full_disk_names_the_work_folder_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cleaner import cli as cli_module

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "Error writing bytes to file")  # as Arrow words it: no file named

    monkeypatch.setattr(cli_module, "clean", disk_full)
    work = tmp_path / "scratch"
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--work-dir", str(work)])
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert f"work folder '{work}'" in result.output and "--work-dir" in result.output and "nothing was written" in result.output


def test_strip_reads_compressed_standard_input() -> None:
    import gzip

    result = CliRunner().invoke(cli, ["strip", "-"], input=gzip.compress(ARTICLE.encode("utf-8")))
    assert result.exit_code == 0, result.output
    assert "The town of Millbrook opened" in result.output
    damaged = CliRunner().invoke(cli, ["strip", "-"], input=gzip.compress(ARTICLE.encode("utf-8"))[:-20])
    assert damaged.exit_code == 1 and "Error: -:" in damaged.output


def test_strip_reads_each_record_of_a_records_file(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "feed.jsonl", [{"id": "one", "text": ARTICLE}, {"id": "two", "html": "<html><body><p>" + ARTICLE + "</p></body></html>"}, {"id": "bad"}])
    result = CliRunner().invoke(cli, ["strip", str(tmp_path / "feed.jsonl")])
    assert result.exit_code == 0, result.output
    assert "=== one" in result.output and "=== two" in result.output and '{"id"' not in result.output
    assert "The town of Millbrook opened" in result.output and "record 3" in result.output


def test_the_summary_counts_lines_not_page_summaries_and_has_no_phantom_line(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("\n".join(ARTICLE.splitlines()) + "\n")
    (tmp_path / "page.html").write_text("<html><body><article><p>" + "</p><p>".join(ARTICLE.splitlines()[8:13]) + "</p></article></body></html>")
    result = CliRunner().invoke(cli, ["clean", str(tmp_path), "-o", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "HTML pages extracted: 1" in result.output and "input errors: none" in result.output
    removed = pl.read_parquet(tmp_path / "out" / "removed.parquet").filter(pl.col("doc_id") == "story.txt")
    assert removed["line"].max() <= len(ARTICLE.splitlines())  # no line after the final newline
    reasons = result.output.split("removed lines: ", 1)[1].split("\n", 1)[0]
    assert "html-extraction" not in reasons


def test_limit_json_and_verbose_for_trial_runs(tmp_path: Path) -> None:
    args = ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--limit", "3", "--json", "-v", "--workers", "1"]
    result = subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["counts"]["documents"] == 3 and summary["output"] == str(tmp_path / "out")
    assert "INFO cleaner: read, strip and extract: 3 documents" in result.stderr
    metadata = pl.read_parquet(tmp_path / "out" / "documents.parquet")["metadata"]
    assert metadata.struct.field("section").to_list() == [None, "Transport", "Weather"]  # samples/feeds
    refused = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "again"), "--limit", "0"])
    assert refused.exit_code == 2 and "--limit" in refused.output


def test_settings_come_from_the_command_line_then_the_environment_then_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)  # the settings file is found in the working folder
    Path("pyproject.toml").write_text('[tool.cleaner]\njaccard = 0.6\ntext-field = "body"\nworkers = 1\nmin_chars = 3\n')
    shown = runner.invoke(
        cli, ["clean", str(SAMPLES), "-o", "out", "--print-config", "--min-chars", "5"], env={"CLEANER_WORKERS": "2", "CLEANER_JACCARD": "0.7"}
    )
    assert shown.exit_code == 0, shown.output
    rows = {line.split()[0]: line.split() for line in shown.output.splitlines()}
    assert rows["min_chars"][1:] == ["5", "command", "line"]
    assert rows["workers"][1:] == ["2", "environment"] and rows["jaccard"][1:] == ["0.7", "environment"]
    assert rows["text_field"][1:] == ['"body"', "file", "pyproject.toml"] and rows["quiet"][1:] == ["false", "default"]
    assert not Path("out").exists()
    Path("run.toml").write_text('output = "from-file"\nworkers = 1\nlimit = 2\n')
    ran = runner.invoke(cli, ["clean", str(SAMPLES), "--config", "run.toml"])
    assert ran.exit_code == 0, ran.output
    assert pl.read_parquet(Path("from-file") / "documents.parquet").height == 2
    Path("bad.toml").write_text("jaccard = 0.5\nbogus = 1\n")
    bad = runner.invoke(cli, ["clean", str(SAMPLES), "-o", "x", "--config", "bad.toml"])
    assert bad.exit_code == 2 and "unknown setting 'bogus'" in bad.output


def test_from_manifest_reruns_with_the_same_parameters_and_inputs(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "one"), "--jaccard", "0.6", "--min-chars", "5", "--workers", "1"])
    assert first.exit_code == 0, first.output
    manifest = tmp_path / "one" / "manifest.json"
    again = runner.invoke(cli, ["clean", "-o", str(tmp_path / "two"), "--from-manifest", str(manifest)])
    assert again.exit_code == 0, again.output
    for name in ("paragraphs", "clusters", "removed"):
        assert (tmp_path / "one" / f"{name}.parquet").read_bytes() == (tmp_path / "two" / f"{name}.parquet").read_bytes()
    changed = runner.invoke(cli, ["clean", "-o", str(tmp_path / "three"), "--from-manifest", str(manifest), "--min-chars", "1"])
    assert changed.exit_code == 0, changed.output
    parameters = json.loads((tmp_path / "three" / "manifest.json").read_text())["parameters"]
    assert parameters["min_paragraph_chars"] == 1 and parameters["jaccard_threshold"] == 0.6


def test_the_command_sets_polars_allocator_before_polars_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import cleaner.__main__ as command

    monkeypatch.setattr("cleaner.cli.main", lambda: None)
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    command.main()
    assert os.environ["_RJEM_MALLOC_CONF"] == command.POLARS_ALLOCATOR
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")
    command.main()
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0"  # the user's setting wins
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, cleaner.__main__; print('polars' in sys.modules)"],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    assert loaded.stdout.strip() == "False"  # the setting is in place before Polars is imported


IMPORTS_AFTER_A_RUN = """
import sys
from cleaner.__main__ import main
sys.argv = ["cleaner", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    assert not stop.code, stop.code
print("pyarrow.compute" in sys.modules)
"""


def test_a_run_of_the_command_never_imports_pyarrow_compute(tmp_path: Path) -> None:
    """Arrow's compute module costs a run 0.055 s to import (a cast, or a Series made from an
    Arrow array, imports it); a run on plain text, deduplication and tables included, needs none of it."""
    records = tmp_path / "records.jsonl"
    write_jsonl(records, [{"id": f"d{i}", "text": f"{ARTICLE}\n\nA closing line of story {i} for the record."} for i in range(40)])
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_AFTER_A_RUN, "clean", str(records), "-o", str(tmp_path / "out"), "--no-strip", "-q"],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=True,
    )
    assert done.stdout.strip() == "False"
    assert (tmp_path / "out" / "clusters.parquet").exists()


def test_strip_prints_each_item_of_a_feed() -> None:
    result = CliRunner().invoke(cli, ["strip", str(SAMPLES / "harbor-gazette" / "local-news.rss")])
    assert result.exit_code == 0, result.output
    assert "=== harbor-gazette-ferries-0305" in result.output and "=== harbor-gazette-market-0306" in result.output
    assert "Schools in the county were closed" in result.output and "appeared first on" not in result.output
