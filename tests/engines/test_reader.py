"""Large inputs read in a process of their own: the same run as reading them here."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cleaner
from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow
from cleaner.engines import local, pool, reader
from cleaner.engines.reader import batches_read_apart, paths_to_read_apart
from cleaner.errors import ReaderDiedError
from tests.conftest import ARTICLE, PARAGRAPHS, REPO


class _Bytes:
    """A progress that adds up what the reading stage reports."""

    def __init__(self) -> None:
        self.read = 0.0
        self.current = ""

    def stage(self, name: str, total: float | None = None) -> None:
        self.current = name

    def advance(self, amount: float) -> None:
        if self.current == "reading":
            self.read += amount

    def close(self) -> None:
        pass


def _corpus(folder: Path) -> Path:
    """Records with a malformed line and a repeated id, and a text file: errors, renames, copies."""
    folder.mkdir()
    lines = [json.dumps({"id": f"r{n}", "source": f"s{n % 3}", "text": "\n\n".join(PARAGRAPHS[: 1 + n % len(PARAGRAPHS)])}) for n in range(12)]
    lines.insert(4, '{"id": "broken", "text": ')
    lines.append(json.dumps({"id": "r1", "text": ARTICLE}))
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "story.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_reading_apart_gives_the_tables_errors_and_progress_of_reading_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _corpus(tmp_path / "in")
    options = {"workers": 2, "strip": False, "batch_size": 3}
    here_progress, apart_progress = _Bytes(), _Bytes()
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 1 << 62)
    here = cleaner.clean(folder, progress=here_progress, **options)
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 0)
    assert paths_to_read_apart(folder, CleanConfig(**options)) == [folder]
    apart = cleaner.clean(folder, progress=apart_progress, **options)

    assert here.errors.height == 2  # the malformed line, and the repeated id renamed
    for name in ("documents", "paragraphs", "clusters", "removed", "errors"):
        assert_frame_equal(getattr(apart, name), getattr(here, name))
    sizes = sum(path.stat().st_size for path in folder.iterdir())
    assert apart_progress.read == here_progress.read == sizes


def test_only_large_files_for_a_map_stage_on_threads_are_read_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _corpus(tmp_path / "in")
    threads = CleanConfig(workers=2, strip=False)
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 0)
    assert paths_to_read_apart([folder], threads) == [folder]
    assert paths_to_read_apart([folder, "-"], threads) is None  # standard input
    assert paths_to_read_apart([{"text": ARTICLE}], threads) is None  # records
    assert paths_to_read_apart([folder], CleanConfig(workers=1, strip=False)) is None
    assert paths_to_read_apart([folder], CleanConfig(workers=2)) is None  # stripping runs on worker processes
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 1 << 62)
    assert paths_to_read_apart([folder], threads) is None


def test_a_reading_process_that_dies_midway_stops_the_run_with_an_error(tmp_path: Path) -> None:
    """Each batch outweighs the pipe's buffer, so the process is still there after the first."""
    large = tmp_path / "large.jsonl"
    body = ("A sentence of an article that goes on for a while. " * 4000).strip()
    large.write_text("".join(json.dumps({"id": f"d{n}", "text": body}) + "\n" for n in range(20)), encoding="utf-8")
    batches = batches_read_apart([large], CleanConfig(batch_size=1), [], [])
    assert next(batches).height == 1
    [process] = [child for child in multiprocessing.active_children() if child.name == "cleaner-reader"]
    process.kill()
    with pytest.raises(ReaderDiedError, match="ended without finishing"):
        list(batches)


def test_an_error_that_ends_the_reading_there_is_raised_here(tmp_path: Path) -> None:
    folder = _corpus(tmp_path / "in")
    config = CleanConfig()
    object.__setattr__(config, "batch_chars", "not a number")  # what a bug in the reading would do
    errors: list[ErrorRow] = []
    with pytest.raises(TypeError, match="'>=' not supported"):
        list(batches_read_apart([folder], config, errors, []))


def test_a_script_without_a_main_guard_reads_its_input_itself(tmp_path: Path) -> None:
    """The reading process imports such a script, which starts a run again and dies: the run
    reads its files in its own process instead, and says why."""
    folder = _corpus(tmp_path / "in")
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import cleaner\n"
        "from cleaner.engines import reader\n"
        "reader.READ_AHEAD_BYTES = 0\n"
        f"result = cleaner.clean({str(folder)!r}, workers=2, strip=False)\n"
        "print(result.documents.height, result.errors.height)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(script)], check=False, cwd=tmp_path, capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["14", "2"]
    assert "the process to read the inputs died before reading anything" in done.stderr


def test_the_reading_process_is_gone_when_its_batches_are_not_all_taken(tmp_path: Path) -> None:
    large = tmp_path / "large.jsonl"
    body = ("A sentence of an article that goes on for a while. " * 4000).strip()
    large.write_text("".join(json.dumps({"id": f"d{n}", "text": body}) + "\n" for n in range(20)), encoding="utf-8")
    batches = batches_read_apart([large], CleanConfig(batch_size=1), [], [])
    assert isinstance(next(batches), pl.DataFrame)
    batches.close()
    assert not [child for child in multiprocessing.active_children() if child.name == "cleaner-reader"]


def test_with_the_input_read_apart_every_batch_runs_on_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``THREADED_BATCHES`` the map goes to worker processes, unless the input is read apart."""
    folder = _corpus(tmp_path / "in")
    pools: list[int] = []
    real_pool = pool.new_pool

    def counted(workers: int) -> object:
        pools.append(workers)
        return real_pool(workers)

    monkeypatch.setattr(pool, "new_pool", counted)
    monkeypatch.setattr(local, "THREADED_BATCHES", 1)
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 0)
    apart = cleaner.clean(folder, workers=2, strip=False, batch_size=3)
    assert pools == []
    monkeypatch.setattr(reader, "READ_AHEAD_BYTES", 1 << 62)
    here = cleaner.clean(folder, workers=2, strip=False, batch_size=3)
    assert pools == [2]
    assert_frame_equal(apart.paragraphs, here.paragraphs)
