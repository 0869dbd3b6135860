import threading
import time

from cleaner.normalize import word_characters
from cleaner.once import once


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
