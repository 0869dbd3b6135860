"""Bad input, hostile pages and interruption: nothing crashes, nothing is half-written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

import cleaner
from cleaner.write import read_output
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
    assert sorted(covered | set(lines)) == list(range(1, len(ARTICLE.split("\n")) + 2))


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
    command = [sys.executable, "-m", "cleaner", "clean", str(corpus), "-o", str(out), "--overwrite", "--workers", "1", "-q"]
    complete = subprocess.run(command, cwd=REPO, capture_output=True, timeout=600)
    assert complete.returncode == 0, complete.stderr
    reference = {name: frame.height for name, frame in read_output(out).items()}
    for delay in (0.3, 1.0, 2.0, 3.0, 4.0):
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert out.exists(), f"previous output lost after a kill at {delay} s"
        assert {name: frame.height for name, frame in read_output(out).items()} == reference
        assert json.loads((out / "manifest.json").read_text())["counts"]["documents"] == 3000
