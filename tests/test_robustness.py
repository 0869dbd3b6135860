"""Bad input, hostile pages and interruption: nothing crashes, nothing is half-written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import cleaner
from cleaner.cli import cli
from cleaner.tables.write import read_output
from tests.conftest import ARTICLE, REPO


def test_hostile_html_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "deep.html").write_text("<html><body>" + "<div>" * 20_000 + "deep" + "</div>" * 20_000 + "</body></html>")
    (tmp_path / "entities.html").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><html><body><p>&c;&c;&c;&c;</p></body></html>'
    )
    (tmp_path / "script.html").write_text("<html><head><script>" + "var a=1;" * 50_000 + "</script></head><body></body></html>")
    (tmp_path / "attr.html").write_text(
        '<html><body><p title="' + "x" * 2_000_000 + '">A normal sentence that is long enough to be the text of this page.</p></body></html>'
    )
    (tmp_path / "good.txt").write_text(ARTICLE)
    result = cleaner.clean(tmp_path, workers=1)
    assert result.documents.height + result.errors.filter(pl.col("action") == "skipped").height == 5
    by_id = dict(zip(result.documents["doc_id"], result.documents["n_paragraphs"]))
    assert by_id["good.txt"] == 3
    assert "aaaaaaaaaa" * 100 not in " ".join(result.documents["text"].to_list())
    empty = result.removed.filter(pl.col("reason") == "extraction-empty")["doc_id"].to_list()
    assert "script.html" in empty


def test_nul_bytes_and_mixed_encodings_in_one_jsonl(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "utf8", "text": "Caf\u00e9 owners said the bridge closure cost them a third of their sales this year."}).encode(),
        '{"id": "latin1", "text": "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e and more words to make a sentence here."}'.encode("latin-1"),
        json.dumps({"id": "nul", "text": "Text with a NUL\u0000 byte inside a perfectly ordinary sentence of words."}).encode(),
    ]
    (tmp_path / "mixed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = cleaner.clean(tmp_path / "mixed.jsonl", workers=1, strip=False)
    texts = dict(zip(result.documents["doc_id"], result.documents["text"]))
    assert texts["latin1"].startswith("Caf\u00e9 cr\u00e8me")
    assert "\x00" not in texts["nul"]
    assert result.errors.height == 0


def test_a_huge_single_line(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text(("the town said that " * 300_000) + "\n" + ARTICLE)
    result = cleaner.clean(tmp_path, workers=1)
    assert result.documents.height == 1
    lines = result.removed.filter(pl.col("doc_id") == "huge.txt")["line"].to_list()
    kept = result.paragraphs.filter(pl.col("doc_id") == "huge.txt")
    covered = {n for s, e in zip(kept["line_start"], kept["line_end"]) for n in range(s, e + 1)}
    assert sorted(covered | set(lines)) == list(range(1, len(ARTICLE.removesuffix("\n").split("\n")) + 2))


def test_symlink_loops_and_unreadable_entries(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.txt").write_text(ARTICLE)
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    result = cleaner.clean(root, workers=1)
    assert result.documents["doc_id"].to_list() == ["a/x.txt"]
    errors = {Path(p).name: e for p, e in zip(result.errors["path"], result.errors["error"])}
    assert "loop" in errors and "dangling.txt" in errors


def _corpus(path: Path, documents: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(documents):
            text = ARTICLE.replace("Millbrook", f"Town{index}")
            handle.write(json.dumps({"id": f"d{index}", "text": text}) + "\n")
    return path


def test_sigkill_leaves_previous_output_or_none(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl", 3000)
    out = tmp_path / "out"
    work = tmp_path / "work"
    command = [
        sys.executable, "-m", "cleaner", "clean", str(corpus), "-o", str(out), "--overwrite", "--workers", "1", "-q", "--work-dir", str(work)
    ]
    started = time.monotonic()
    complete = subprocess.run(command, cwd=REPO, capture_output=True, timeout=600)
    assert complete.returncode == 0, complete.stderr
    duration = time.monotonic() - started
    reference = {name: frame.height for name, frame in read_output(out).items()}
    running_when_killed = []
    for share in (0.1, 0.2, 0.35, 0.5, 0.65):  # of a whole run, however fast the machine is
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(share * duration)
        running_when_killed.append(process.poll() is None)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert out.exists(), f"previous output lost after a kill at {share:.0%} of a run"
        assert {name: frame.height for name, frame in read_output(out).items()} == reference
        assert json.loads((out / "manifest.json").read_text())["counts"]["documents"] == 3000
    assert running_when_killed[-1] or running_when_killed[0]
    # a run killed once it has spilled cannot remove its spill files: the next run removes them
    # (killed when its files appear, not at a share of a run: under load a run may not have
    # spilled yet at any given share)
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while process.poll() is None and not list(work.glob("*/*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert list(work.iterdir()), "a run killed while spilling left no spill files"
    assert subprocess.run(command, cwd=REPO, capture_output=True, timeout=600).returncode == 0
    assert list(work.iterdir()) == []


def test_an_unusable_work_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["clean", str(REPO / "samples"), "-o", str(tmp_path / "out"), "--work-dir", str(blocker / "sub")])
    assert result.exit_code == 1 and "work folder" in result.output and str(blocker) in result.output
    assert not (tmp_path / "out").exists()


def test_truncated_gzip_jsonl_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    import gzip

    records = "".join(json.dumps({"id": f"r{i}", "text": ARTICLE}) + "\n" for i in range(200))
    data = gzip.compress(records.encode())
    (tmp_path / "feed.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = cleaner.clean(tmp_path, workers=1)
    assert 0 < result.documents.height < 200
    error = result.errors.row(0, named=True)
    assert error["path"].endswith("feed.jsonl.gz") and "abruptly" in error["error"]


def test_gzip_jsonl_cut_before_its_first_line_says_so(tmp_path: Path) -> None:
    import gzip

    data = gzip.compress((json.dumps({"id": "r0", "text": ARTICLE}) + "\n").encode())
    (tmp_path / "feed.jsonl.gz").write_bytes(data[:20])
    result = cleaner.clean(tmp_path, workers=1, allow_empty=True)
    error = result.errors.row(0, named=True)
    assert error["record"] == 1 and "ends abruptly before its first line" in error["error"]


def test_csv_with_huge_fields_and_legacy_encoding(tmp_path: Path) -> None:
    body = "Caf\u00e9 owners said the closure cost them a third of their sales. " * 5000
    (tmp_path / "rows.csv").write_bytes(("id,text\nbig,\"" + body + "\"\nsmall,\"" + ARTICLE + "\"\n").encode("cp1252"))
    result = cleaner.clean(tmp_path, workers=1)
    assert result.documents["doc_id"].to_list() == ["big", "small"]
    assert result.documents["text"][0].startswith("Caf\u00e9 owners")


def test_files_that_vanish_or_cannot_be_opened(tmp_path: Path, monkeypatch) -> None:
    import builtins

    from cleaner import read

    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(ARTICLE)
    real_discover = read.discover

    def discover_then_delete(inputs, errors, follow_symlinks=False):
        found = real_discover(inputs, errors, follow_symlinks)
        (tmp_path / "b.txt").unlink()
        return found

    real_open = builtins.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("c.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(read, "discover", discover_then_delete)
    monkeypatch.setattr(builtins, "open", refuse)
    result = cleaner.clean(tmp_path, workers=1, site_templates=False)
    assert result.documents["doc_id"].to_list() == ["a.txt"]
    messages = dict(zip((Path(p).name for p in result.errors["path"]), result.errors["error"]))
    assert "No such file" in messages["b.txt"] and "Permission denied" in messages["c.txt"]


def test_many_small_files(tmp_path: Path) -> None:
    for index in range(2000):
        folder = tmp_path / f"outlet-{index % 7}"
        folder.mkdir(exist_ok=True)
        (folder / f"{index:05d}.txt").write_text(f"Story number {index} was filed on a quiet day in the newsroom of the town.\n")
    result = cleaner.clean(tmp_path, workers=2)
    assert result.documents.height == 2000
    assert result.documents["source"].n_unique() == 7


def test_same_bytes_whatever_the_hash_seed_workers_and_listing_order(tmp_path: Path) -> None:
    outputs = []
    for seed, workers in (("1", "1"), ("2", "2")):
        out = tmp_path / f"out-{seed}"
        env = {**__import__("os").environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-m", "cleaner", "clean", "samples", "-o", str(out), "--workers", workers, "-q"],
            cwd=REPO, env=env, capture_output=True, timeout=300,
        )
        assert run.returncode == 0, run.stderr
        outputs.append({p.name: p.read_bytes() for p in out.glob("*.parquet")})
    assert outputs[0] == outputs[1]


def test_listing_order_does_not_matter(monkeypatch) -> None:
    import os as _os

    from tests.conftest import SAMPLES

    expected = cleaner.clean(SAMPLES, workers=1)
    real_scandir = _os.scandir

    class Reversed(list):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def shuffled(path):
        with real_scandir(path) as entries:
            return Reversed(reversed(list(entries)))

    monkeypatch.setattr(_os, "scandir", shuffled)
    shuffled_result = cleaner.clean(SAMPLES, workers=1)
    for name, table in expected.tables.items():
        assert table.equals(shuffled_result.tables[name]), name


def test_readability_first_and_trafilatura_when_it_finds_almost_nothing() -> None:
    from cleaner.extract import extract_html, readability_text

    html = (
        '<html><body><div class="content"><h2>Roads</h2><p>'
        + "The council met again on Monday to discuss the long delayed plan for the roads. " * 3
        + "</p><ul><li>First point of the plan</li></ul></div></body></html>"
    )
    lines = [line for line in readability_text(html).splitlines() if line.strip()]
    assert lines[0] == "Roads" and lines[1].startswith("The council met again")
    assert readability_text("") == "" and isinstance(readability_text("<<<>>>"), str)
    assert extract_html(html).extractor == "readability"
    table = "<html><body><table><tr><td>Opening hours</td><td>Monday to Friday, nine to five</td></tr></table></body></html>"
    result = extract_html(table)
    assert result.extractor in ("trafilatura", "readability", "none")
    assert extract_html("").extractor == "none"
    byline = html.replace("<h2>Roads</h2>", "<h2>Roads</h2><p>By Jane Smith, Example Post | March 3, 2026</p>")
    found = extract_html(byline)
    assert found.metadata["author"] == "Jane Smith" and ("By Jane Smith, Example Post | March 3, 2026", "byline") in found.removed


def test_json_arrays_stream_and_report_truncation(tmp_path: Path) -> None:
    from cleaner.discover import InputFile, file_kind
    from cleaner.read import iter_json_array

    records = [{"id": f"r{i}", "text": "word " * (i * 50 + 1)} for i in range(60)]
    (tmp_path / "whole.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    (tmp_path / "cut.json").write_text(json.dumps(records)[:-300], encoding="utf-8")
    item = InputFile(str(tmp_path / "whole.json"), "whole.json", *file_kind("whole.json"))
    assert [n for n, _ in iter_json_array(item, chunk_size=256)] == list(range(1, 61))
    result = cleaner.clean(tmp_path / "cut.json", workers=1, strip=False)
    assert 50 < result.documents.height < 60
    assert "after element" in result.errors["error"][0]
