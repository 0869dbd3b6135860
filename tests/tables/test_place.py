"""Never lose a user's data: outputs never replace inputs, other runs' outputs or folders
cleaner did not write; a work folder in use is never taken for an abandoned one."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import cleaner
from cleaner.cli import cli
from cleaner.errors import OutputExistsError, OutputOverlapError
from cleaner.tables import place
from cleaner.tables.place import OLD_PREFIX, is_cleaner_output
from cleaner.tables.spill import OWNER_LOCK, WORK_PREFIX, WorkFolder, remove_abandoned
from tests.conftest import ARTICLE, SAMPLES


def _copy_samples(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data / "today")
    return data


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("output", ["today", "."])
def test_an_output_that_is_or_contains_an_input_is_refused_and_the_inputs_stay(tmp_path: Path, output: str) -> None:
    data = _copy_samples(tmp_path)
    before = _files(data)
    target = data / "today" if output == "today" else data
    result = CliRunner().invoke(cli, ["clean", str(data / "today"), "-o", str(target), "--overwrite", "--workers", "1"])
    assert result.exit_code == 2 and "input" in result.output, result.output
    assert _files(data) == before
    with pytest.raises(OutputOverlapError):
        cleaner.clean([str(data / "today")], workers=1).write(target, overwrite=True)
    assert _files(data) == before


def test_an_output_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    data = _copy_samples(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["clean", str(data), "-o", str(data / "out"), "--workers", "1"])
    assert first.exit_code == 0, first.output
    again = cleaner.clean([str(data)], workers=1)
    assert again.documents.height == cleaner.clean([str(data / "today")], workers=1).documents.height
    ignored = again.errors.filter(again.errors["path"] == str(data / "out"))
    assert ignored["action"].to_list() == ["ignored"]
    second = runner.invoke(cli, ["clean", str(data), "-o", str(data / "out"), "--overwrite", "--workers", "1"])
    assert second.exit_code == 0, second.output
    assert is_cleaner_output(data / "out")


def test_an_index_may_not_overlap_the_inputs_or_the_output(tmp_path: Path) -> None:
    data = _copy_samples(tmp_path)
    runner = CliRunner()
    inside_output = runner.invoke(cli, ["clean", str(data / "today"), "-o", str(tmp_path / "out"), "--index", str(tmp_path / "out" / "idx")])
    assert inside_output.exit_code == 2 and "index" in inside_output.output
    is_input = runner.invoke(cli, ["clean", str(data / "today"), "-o", str(tmp_path / "out"), "--index", str(data)])
    assert is_input.exit_code == 2 and "index" in is_input.output
    assert not (tmp_path / "out").exists()


def test_concurrent_writers_of_one_output_never_replace_each_other(tmp_path: Path) -> None:
    results = [cleaner.clean(SAMPLES, workers=1), cleaner.clean([{"id": "x", "text": ARTICLE}], workers=1)]
    target = tmp_path / "out"
    outcomes: list[str] = []

    def write(result: cleaner.CleanResult) -> None:
        try:
            result.write(target)
            outcomes.append("written")
        except OutputExistsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(result,)) for result in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "written"]
    assert is_cleaner_output(target) and not list(tmp_path.glob(".cleaner-*"))


def test_overwrite_replaces_only_an_output_cleaner_wrote(tmp_path: Path) -> None:
    result = cleaner.clean([{"id": "x", "text": ARTICLE}], workers=1)
    mine = tmp_path / "mine"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputExistsError, match="not written by cleaner"):
        result.write(mine, overwrite=True)
    assert (mine / "notes" / "thesis.txt").read_text() == "years of work"
    empty = tmp_path / "empty"
    empty.mkdir()
    result.write(empty, overwrite=True)
    result.write(empty, overwrite=True)
    assert is_cleaner_output(empty)


LAYOUTS = [[], ["--layout", "huggingface", "--format", "jsonl", "--shard-rows", "10"], ["--partition-by", "date", "--report"]]


@pytest.mark.parametrize("options", LAYOUTS)
def test_overwrite_keeps_what_a_user_put_in_an_output_of_cleaners(tmp_path: Path, options: list[str]) -> None:
    out = tmp_path / "out"
    command = ["clean", str(SAMPLES), "-o", str(out), "-q", "--workers", "1", *options]
    assert CliRunner().invoke(cli, command).exit_code == 0
    (out / ".DS_Store").write_bytes(b"a file browser's")
    assert CliRunner().invoke(cli, [*command, "--overwrite"]).exit_code == 0  # every file of every layout is cleaner's
    assert not (out / ".DS_Store").exists()
    (out / "analysis").mkdir()
    (out / "analysis" / "chart.csv").write_text("a user's")
    (out / "notes.txt").write_text("a user's")
    if "huggingface" not in options:
        (out / "README.md").write_text("# What I found in this dataset")
    refused = CliRunner().invoke(cli, [*command, "--overwrite"])
    found = "README.md, analysis/chart.csv, notes.txt" if "huggingface" not in options else "analysis/chart.csv, notes.txt"
    assert refused.exit_code == 2 and f"holds files cleaner did not write ({found})" in refused.output
    assert (out / "analysis" / "chart.csv").read_text() == "a user's" and (out / "notes.txt").read_text() == "a user's"


def test_without_renameat2_an_interrupted_swap_is_put_back_by_the_next_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cleaner.clean([{"id": "x", "text": ARTICLE}], workers=1)
    target = tmp_path / "out"
    result.write(target)
    before = _files(target)
    retired = tmp_path / f"{OLD_PREFIX}out-killed"
    retired.mkdir()
    os.rename(target, retired / "out")  # what a kill between the two renames leaves
    monkeypatch.setattr(place, "_renameat2_function", lambda: None)
    with pytest.raises(OutputExistsError):
        result.write(target)  # the earlier output is back first, so it is not silently replaced
    assert _files(target) == before and not retired.exists()
    result.write(target, overwrite=True)
    assert is_cleaner_output(target) and not list(tmp_path.glob(f"{OLD_PREFIX}*"))


def test_a_work_folder_whose_owner_holds_its_lock_is_never_removed(tmp_path: Path) -> None:
    live = WorkFolder(tmp_path)
    foreign = tmp_path / f"{WORK_PREFIX}1-other-namespace"  # pid 1 here, another run's pid there
    foreign.mkdir()
    holder = os.open(foreign / OWNER_LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    abandoned = tmp_path / f"{WORK_PREFIX}424242-killed"
    abandoned.mkdir()
    (abandoned / OWNER_LOCK).touch()
    try:
        remove_abandoned(tmp_path)
        assert live.path.exists() and foreign.exists() and not abandoned.exists()
    finally:
        os.close(holder)
    remove_abandoned(tmp_path)
    assert not foreign.exists() and live.path.exists()


def test_an_output_or_index_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner import cli as cli_module

    locked = tmp_path / "read-only"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(place.os, "access", lambda path, mode: Path(path) != locked and real_access(path, mode))  # as a read-only mount answers

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(cli_module, "clean", no_work)
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(locked / "new" / "out")])
    assert result.exit_code == 1 and f"cannot write the output '{locked / 'new' / 'out'}': the folder '{locked}' is not writable" in result.output
    index = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--index", str(locked / "index")])
    assert index.exit_code == 1 and f"cannot write the index '{locked / 'index'}': the folder '{locked}' is not writable" in index.output
    assert list(locked.iterdir()) == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_the_output_the_index_and_the_report_get_the_permissions_of_new_files(tmp_path: Path, umask: int) -> None:
    # the staging folder (mkdtemp) and the index's parts (mkstemp) are private until complete;
    # renamed into place so, a downstream job under another account could not read them
    (tmp_path / "a.txt").write_text(ARTICLE)
    previous = os.umask(umask)
    try:
        result = cleaner.clean(tmp_path / "a.txt", workers=1, index_dir=tmp_path / "index")
        result.write(tmp_path / "out", update_index=True, report=True)
    finally:
        os.umask(previous)
    folders = [tmp_path / "out", tmp_path / "index"]
    files = [path for folder in folders for path in folder.iterdir()]
    assert {"report.html", "meta.json", "part-000000.parquet"} <= {path.name for path in files}
    assert {oct(folder.stat().st_mode & 0o777) for folder in folders} == {oct(0o777 & ~umask)}
    assert {oct(path.stat().st_mode & 0o777) for path in files} == {oct(0o666 & ~umask)}
