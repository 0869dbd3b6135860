"""Hostile files cost themselves, never the run: each is reported by name, the rest is cleaned."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import cleaner
from cleaner.cli import cli
from cleaner.duplicates.canonical import WIDELY_SHARED_DOCUMENTS, duplicate_documents
from tests.conftest import ARTICLE, REPO


def _errors(result: cleaner.CleanResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in result.errors.iter_rows(named=True):
        found.setdefault(os.path.basename(row["path"]), []).append(f"{row['action']}: {row['error']}")
    return found


def test_gzip_bombs_and_huge_lines_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"\0" * 3_000_000 + b"x"))
    (tmp_path / "records.jsonl.gz").write_bytes(
        gzip.compress(b'{"id": "huge", "text": "' + b"a" * 3_000_000 + b'"}\n' + json.dumps({"id": "fine", "text": ARTICLE}).encode() + b"\n")
    )
    (tmp_path / "one-line.txt").write_bytes(b"word " * 700_000)
    (tmp_path / "good.txt").write_text(ARTICLE)
    result = cleaner.clean(tmp_path, workers=1, max_document_bytes=1_000_000)
    assert sorted(result.documents["doc_id"].to_list()) == ["fine", "good.txt"]
    errors = _errors(result)
    assert "limit of 1,000,000 bytes" in errors["bomb.txt.gz"][0] and "limit" in errors["one-line.txt"][0]
    huge = result.errors.filter(pl.col("path").str.ends_with("records.jsonl.gz"))
    assert huge["record"].to_list() == [1] and "limit" in huge["error"][0]


def test_a_gzip_bomb_costs_no_more_memory_than_the_cap(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "bomb.txt.gz", "wb", compresslevel=1) as bomb:
        for _ in range(40):
            bomb.write(b"\0" * 10_000_000)  # 400 MB of zeros, 400 KB on disk
    # VmHWM, not ru_maxrss: Linux carries the peak over exec, so a child of this large test
    # process would report the test process's peak
    probe = (
        "import cleaner\n"
        f"result = cleaner.clean([{str(tmp_path)!r}], workers=1, allow_empty=True)\n"
        "peak = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))\n"
        "print(result.errors.height, peak // 1024)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300, check=True)
    errors, peak_mb = map(int, run.stdout.split())
    assert errors == 1 and peak_mb < 700, run.stdout


def test_utf8_with_a_few_bad_bytes_stays_utf8_and_is_noted(tmp_path: Path) -> None:
    text = ARTICLE.replace("Millbrook", "Brücke Millbrook").encode("utf-8")
    damaged = text.replace(b"queued", b"que\xffued", 1)
    (tmp_path / "damaged.txt").write_bytes(damaged)
    result = cleaner.clean(tmp_path, workers=1)
    body = result.documents["text"][0] + " " + " ".join(result.removed["text"].to_list())
    assert "Brücke" in body and "BrÃ¼cke" not in body
    note = result.errors.row(0, named=True)
    assert note["action"] == "recovered" and "line(s) 11" in note["error"], note
    legacy = ARTICLE.replace("Millbrook", "Brücke Millbrook").encode("cp1252")
    (tmp_path / "damaged.txt").write_bytes(legacy)
    assert "Brücke" in cleaner.clean(tmp_path, workers=1).documents["text"][0]


def test_a_page_nested_deeper_than_the_parser_reads_is_cleaned_in_part_and_noted(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE.split("\n\n"))
    for name, depth in (("deep.html", 600), ("deeper.html", 2500)):
        (tmp_path / name).write_text("<html><body><nav>Home | World</nav>" + "<div>" * depth + paragraphs + "</div>" * depth + "</body></html>")
    result = cleaner.clean(tmp_path, workers=1)
    assert _errors(result) == {"deeper.html": [(
        "truncated: document 'deeper.html': HTML nested 2,048 elements deep, where the parser stops: "
        "only the page before that point was read"
    )]}
    texts = dict(result.documents.select("doc_id", "text").iter_rows())
    assert "town of Millbrook opened" in texts["deep.html"] and "Millbrook" not in (texts["deeper.html"] or "")


def test_odd_file_names_pipes_and_deep_json_do_not_stop_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9-story.txt"), "w") as handle:
        handle.write(ARTICLE.replace("Millbrook", "Greywater"))
    os.mkfifo(folder / "pipe.txt")
    (folder / "deep.jsonl").write_text('{"id": "deep", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + json.dumps({"id": "ok", "text": ARTICLE}) + "\n")
    (folder / "deep.json").write_text('{\n"text": ' + "[" * 100_000 + "]" * 100_000 + "}")
    probe = (
        "import json, cleaner\n"
        f"result = cleaner.clean([{str(folder)!r}], workers=1)\n"
        "print(json.dumps([result.documents['doc_id'].to_list(), result.errors.to_dicts()]))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300, check=True)
    documents, errors = json.loads(run.stdout)
    assert sorted(documents) == ["caf\ufffd-story.txt", "good.txt", "ok"]
    by_file = {os.path.basename(e["path"]): e for e in errors}
    assert "not a regular file" in by_file["pipe.txt"]["error"]
    assert "nested too deeply" in by_file["deep.jsonl"]["error"] and by_file["deep.jsonl"]["record"] == 1
    assert "nested too deeply" in by_file["deep.json"]["error"]


def test_a_csv_quote_left_open_is_an_error_not_a_merge(tmp_path: Path) -> None:
    rows = ["id,text"] + [f'r{i},"Row {i} of the table, a sentence of its own."' for i in range(1, 11)]
    rows[3] = 'r3,"Row 3 opens a quote and never closes it.'
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n")
    result = cleaner.clean(tmp_path, workers=1, strip=False)
    assert result.documents["doc_id"].to_list() == ["r1", "r2"]
    assert "malformed CSV after row 2" in result.errors["error"][0]


def test_links_out_of_the_input_folder_are_followed_only_when_asked(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(ARTICLE)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE.replace("Millbrook", "Greywater"))
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "other.txt").symlink_to(outside / "secret.txt")
    (folder / "inside.txt").symlink_to(folder / "good.txt")
    result = cleaner.clean(folder, workers=1)
    assert sorted(result.documents["doc_id"].to_list()) == ["good.txt"]
    assert "outside the input folder" in _errors(result)["secret.txt"][0]
    assert _errors(result)["inside.txt"] == [f"ignored: the same file as '{folder / 'good.txt'}', read once"]  # a link inside: one document
    runner = CliRunner()
    followed = runner.invoke(cli, ["clean", str(folder), "-o", str(tmp_path / "out"), "--follow-symlinks", "--workers", "1"])
    assert followed.exit_code == 0
    assert sorted(pl.read_parquet(tmp_path / "out" / "documents.parquet")["doc_id"].to_list()) == ["good.txt", "other.txt"]


def test_a_file_named_twice_or_also_inside_a_folder_given_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE)
    os.link(folder / "a.txt", folder / "hard-link.txt")
    result = cleaner.clean([folder / "a.txt", folder / "a.txt", folder], workers=1)
    assert result.documents["doc_id"].to_list() == ["a.txt"]
    assert result.errors.select("path", "action").rows() == [
        (str(folder / "a.txt"), "ignored"), (str(folder / "a.txt"), "ignored"), (str(folder / "hard-link.txt"), "ignored"),
    ]


def test_a_paragraph_in_every_document_costs_no_quadratic_memory() -> None:
    documents = 3 * WIDELY_SHARED_DOCUMENTS
    rows = [{"doc_id": f"d{i:05d}", "cluster_id": "sign-off"} for i in range(documents)]
    rows += [{"doc_id": f"d{i:05d}", "cluster_id": f"own-{i}"} for i in range(documents)]
    rows += [{"doc_id": "d00001", "cluster_id": "own-0"}, {"doc_id": "d00001", "cluster_id": "own-1"}]
    paragraphs = pl.DataFrame(rows)
    dated = pl.DataFrame({"doc_id": [f"d{i:05d}" for i in range(documents)], "date": [None] * documents}, schema={"doc_id": pl.String, "date": pl.String})
    found = duplicate_documents(paragraphs.filter(pl.col("cluster_id") != "x"), dated, 0.8)
    assert found.rows() == [("d00000", "d00001")]  # the sign-off is no evidence; own-0 makes d0 a copy of d1


def test_the_cap_applies_to_rows_of_tables_and_to_cleaner_strip(tmp_path: Path) -> None:
    frame = pl.DataFrame({"id": ["big", "small"], "text": ["word " * 300_000, ARTICLE]})
    frame.write_parquet(tmp_path / "rows.parquet")
    result = cleaner.clean(tmp_path, workers=1, max_document_bytes=1_000_000)
    assert result.documents["doc_id"].to_list() == ["small"]
    assert result.errors["record"].to_list() == [1] and "limit" in result.errors["error"][0]
    in_memory = cleaner.clean(frame, workers=1, max_document_bytes=1_000_000)
    assert in_memory.documents["doc_id"].to_list() == ["small"]
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a " * 15_000_000))
    refused = CliRunner().invoke(cli, ["strip", str(tmp_path / "bomb.txt.gz")])
    assert refused.exit_code == 1 and "limit" in refused.output


def test_files_on_a_mount_without_inode_numbers_are_all_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from cleaner import discover

    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(ARTICLE.replace("Millbrook", name))
    real_stat = os.stat
    monkeypatch.setattr(discover.os, "stat", lambda path, **kwargs: SimpleNamespace(**{
        **{field: getattr(real_stat(path, **kwargs), field) for field in ("st_mode", "st_dev", "st_size", "st_mtime_ns")}, "st_ino": 0,
    }))
    assert [item.relative for item in discover.discover([tmp_path, tmp_path / "a.txt"], [], False)] == ["a.txt", "b.txt", "a.txt"]
