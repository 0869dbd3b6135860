"""The collector held off during a batch, and handed back as it was, whatever the threads do."""

from __future__ import annotations

import gc
import threading

import pytest

from cleaner import strip_texts
from cleaner.gc_paused import gc_paused


@pytest.fixture(autouse=True)
def _collector_as_found():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_collection_is_off_inside_and_as_it_was_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled(), "a caller that had turned it off keeps it off"


def test_overlapping_threads_leave_it_on_only_when_the_last_one_is_done() -> None:
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False], "the first thread to leave turned collection back on under the second"
    assert gc.isenabled()


def test_stripping_a_batch_hands_the_collector_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner.strip import decide

    during: list[bool] = []
    classify = decide.classify

    def watched(*args, **kwargs):
        during.append(gc.isenabled())
        return classify(*args, **kwargs)

    monkeypatch.setattr("cleaner.strip.classify", watched)
    gc.enable()
    [result] = strip_texts(["A headline\n\nA first paragraph of the article, long enough to be prose, with its words.\n\nShare this"])
    assert "first paragraph" in result.text
    assert during == [False]
    assert gc.isenabled()
