import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cleaner.normalize import word_characters
from cleaner.once import cached_bits, once


def test_threads_that_ask_together_share_one_build() -> None:
    builds: list[int] = []
    started = threading.Barrier(4)

    @once
    def table() -> list[int]:
        builds.append(1)
        time.sleep(0.05)  # long enough for every other thread to arrive while it builds
        return [len(builds)]

    results: list[list[int]] = []

    def ask() -> None:
        started.wait()
        results.append(table())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert all(result is results[0] for result in results)


def test_cache_clear_builds_again() -> None:
    calls: list[int] = []

    @once
    def value() -> int:
        calls.append(1)
        return len(calls)

    assert value() == value() == 1
    value.cache_clear()
    assert value() == 2


def test_a_table_keeps_its_name_and_documentation() -> None:
    assert word_characters.__name__ == "word_characters"
    assert "code point" in (word_characters.__doc__ or "")


def _alternating(length: int) -> np.ndarray:
    return np.arange(length) % 3 == 0


def test_cached_bits_are_built_once_per_machine_and_read_back_equal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[int] = []

    def build() -> np.ndarray:
        builds.append(1)
        return _alternating(1001)

    first = cached_bits("table-v1", 1001, build)
    second = cached_bits("table-v1", 1001, build)
    assert builds == [1]
    assert second.dtype == np.bool_
    assert np.array_equal(first, second)
    assert np.array_equal(second, _alternating(1001))
    assert [path.name for path in (tmp_path / "cleaner" / "tables").iterdir()] == ["table-v1.npy"]


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cached_bits("table-v1", 64, lambda: _alternating(64))
    cached = tmp_path / "cleaner" / "tables" / "table-v1.npy"
    cached.write_bytes(cached.read_bytes()[:20])
    assert np.array_equal(cached_bits("table-v1", 64, lambda: _alternating(64)), _alternating(64))
    assert np.array_equal(cached_bits("table-v1", 64, lambda: np.zeros(64, dtype=np.bool_)), _alternating(64))


def test_an_unwritable_cache_costs_only_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert np.array_equal(cached_bits("table-v1", 10, lambda: _alternating(10)), _alternating(10))
    assert blocker.read_text() == "a file where the cache folder would go"


def test_the_word_table_from_the_cache_equals_the_regex_engine_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    word_characters.cache_clear()
    try:
        built = word_characters()
        word_characters.cache_clear()
        read_back = word_characters()
    finally:
        word_characters.cache_clear()
    assert len(list((tmp_path / "cleaner" / "tables").iterdir())) == 1
    assert np.array_equal(read_back, built)
    assert read_back[ord("a")] and read_back[ord("é")] and read_back[ord("7")] and not read_back[ord(" ")]
