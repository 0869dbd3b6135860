"""Reading on Spark's executors gives the driver's documents, ids, order, errors and templates
(the reader's own part, files read in pieces, is tested in ``tests/test_read.py``).

Each case is a folder of files that exercises one of the reader's sequential rules (ids made
unique in reading order, errors between documents, a source's template lines); both engines
clean it and every table, the errors and the counts must be equal. Without Java the ``spark``
fixture skips those cases; the rest runs anywhere.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import polars as pl
import pytest

import cleaner
from cleaner import schemas
from cleaner.config import CleanConfig
from cleaner.engines import spark_read
from cleaner.engines.spark_read import reads_on_executors
from cleaner.read import FILES_TO_READ
from cleaner.schemas import OUTPUT_TABLES
from tests.conftest import ARTICLE


def _same_run(local: cleaner.CleanResult, distributed: cleaner.CleanResult) -> None:
    for name in OUTPUT_TABLES:
        assert getattr(distributed, name).equals(getattr(local, name)), name
    assert distributed.errors.equals(local.errors)
    assert distributed.manifest["counts"] == local.manifest["counts"]


def _records(path: Path, rows: list[object]) -> None:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))


def test_ids_order_and_errors_on_the_executors_are_the_drivers(tmp_path: Path, spark, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    inputs = tmp_path / "in"
    (inputs / "outlet-a").mkdir(parents=True)
    (inputs / "outlet-b").mkdir()
    # the same id in three files, a native "x#2" that the rule must step over, bad records between good ones
    _records(inputs / "outlet-a" / "one.jsonl", [{"id": "x", "text": ARTICLE}, "{broken", {"id": "x#2", "text": ARTICLE + " Two."}, {"id": "y"}])
    _records(inputs / "outlet-b" / "two.jsonl", [{"id": "x", "text": ARTICLE + " Three."}, {"id": "z", "text": "Short."}, "[1]"])
    with gzip.open(inputs / "outlet-b" / "three.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({"id": "x", "text": ARTICLE + " Four."}) + "\n" + json.dumps({"id": "x#2", "text": "Again."}) + "\n")
    (inputs / "outlet-a" / "page.html").write_text(f"<html><body><article><p>{ARTICLE}</p></article></body></html>")
    damaged = ARTICLE.replace("Millbrook", "Brücke Millbrook").encode("utf-8").replace(b"queued", b"que\xffued", 1)
    (inputs / "outlet-a" / "damaged.txt").write_bytes(damaged)
    (inputs / "outlet-a" / "empty.txt").write_text("  \n")
    (inputs / "outlet-a" / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE + " Five.")
    pl.DataFrame({"id": ["p1", "x"], "text": [ARTICLE + " Six.", ARTICLE + " Seven."]}).write_parquet(inputs / "outlet-b" / "table.parquet")
    pl.DataFrame({"id": ["c1", "c2"], "text": [ARTICLE + " Eight.", ""]}).write_csv(inputs / "outlet-b" / "table.csv")
    _web_archive(inputs / "outlet-b" / "crawl.warc.wet.gz")
    monkeypatch.chdir(tmp_path)  # a relative input: the executors open absolute paths, the tables show the given ones
    local = cleaner.clean("in", workers=1)
    distributed = cleaner.clean("in", workers=1, engine="spark", spark=spark)
    _same_run(local, distributed)
    assert local.errors["path"].str.starts_with("in/").all()
    assert {"x", "x#2", "x#3", "x#4", "x#2#2"} <= set(local.documents["doc_id"].to_list())
    assert set(local.errors["action"].to_list()) == {"renamed", "skipped", "recovered"}
    assert local.documents.height == 14


def _web_archive(path: Path) -> None:
    """A WET file: its text records are documents, but not counted for site templates."""
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number in range(2):
            payload = BytesIO((ARTICLE + f" Archived {number}.").encode("utf-8"))
            writer.write_record(writer.create_warc_record(f"https://news.example/{number}", "conversion", payload=payload, warc_content_type="text/plain"))


def test_site_templates_found_on_the_executors_are_the_drivers(tmp_path: Path, spark) -> None:  # type: ignore[no-untyped-def]
    inputs = tmp_path / "in"
    for outlet in ("outlet-a", "outlet-b"):
        (inputs / outlet).mkdir(parents=True)
        for number in range(6):
            menu = f"Home\nWorld\nSports at {outlet}\nSubscribe to {outlet} today\n"
            story = f"Story {number} of {outlet} is about the council's long debate on the roads."
            (inputs / outlet / f"{number}.txt").write_text(f"{menu}{story}\n{ARTICLE} Number {number}.\n")
        (inputs / outlet / "6.txt").write_text((inputs / outlet / "5.txt").read_text())  # a copy counts once, as locally
    local = cleaner.clean(inputs, workers=1)
    distributed = cleaner.clean(inputs, workers=1, engine="spark", spark=spark)
    _same_run(local, distributed)
    assert local.removed.filter(pl.col("reason") == "template").height >= 12


def test_a_json_lines_file_read_in_parts_by_many_tasks_gives_the_local_tables(tmp_path: Path, spark, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    rows: list[object] = [{"id": f"d{number % 40}", "text": f"{ARTICLE} Copy {number}."} for number in range(120)]
    rows[7], rows[50] = "{broken", ""
    _records(tmp_path / "export.jsonl", rows)
    monkeypatch.setattr(spark_read, "PIECE_BYTES", 2_000)  # about 60 parts, most cut inside a record
    local = cleaner.clean(tmp_path / "export.jsonl", workers=1)
    distributed = cleaner.clean(tmp_path / "export.jsonl", workers=1, engine="spark", spark=spark)
    _same_run(local, distributed)
    assert local.errors.filter(pl.col("action") == "renamed").height == 78


def test_a_limit_or_records_are_read_by_the_driver() -> None:
    config = CleanConfig()
    assert reads_on_executors("samples", config) and reads_on_executors(["a", Path("b")], config)
    assert not reads_on_executors("samples", config.with_options(limit=10))
    assert not reads_on_executors(["-"], config)
    assert not reads_on_executors([{"text": "records"}], config)


def test_a_file_read_in_parts_knows_each_parts_line_breaks_and_one_that_cannot_be_read_is_whole_again() -> None:
    def part(file: int, piece: int, start: int | None) -> dict[str, object]:
        end = None if start is None else start + 10
        return {"file": file, "piece": piece, "path": b"x", "absolute": b"/x", "relative": b"x", "kind": "records",
                "compressed": False, "start": start, "end": end}

    # the same file listed twice (two input arguments): its parts are counted per listing
    pieces = schemas.frame([part(0, 0, None), part(1, 1, 0), part(1, 2, 10), part(1, 3, 20), part(2, 4, 0), part(2, 5, 10)],
                           pl.Schema({**FILES_TO_READ, "file": pl.Int64}))
    newlines = pl.DataFrame({"piece": [1, 2, 3, 4, 5], "newlines": [3, 0, 2, 4, -1]})
    counted = spark_read.with_line_counts(pieces, newlines)
    assert counted.select("piece", "start", "newlines_before").rows() == [(0, None, None), (1, 0, 0), (2, 10, 3), (3, 20, 3), (4, None, None)]
