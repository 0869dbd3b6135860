"""Local execution of the per-batch map stages: a process pool over all cores, in order.

Results come back in submission order whatever the worker count, which is what keeps the
output byte-identical between ``--workers 1`` and ``--workers 8``. At most a few batches per
worker are in flight, so memory stays bounded while the input streams in.

A worker process that dies (a parser crashing on a hostile page, the kernel killing it for
memory) breaks the whole pool. The batch it was working on is then handed to ``isolate``,
which cleans it one document at a time in throw-away processes so that only the guilty
document is lost (and reported); a fresh pool takes over the remaining batches.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PENDING_PER_WORKER = 3


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of freshly spawned processes (``fork`` is unsafe once Polars has started threads)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


class WorkerStartError(RuntimeError):
    """Worker processes die before doing any work, so isolating documents cannot help."""


def workers_start() -> bool:
    """Whether a fresh worker process starts and runs at all (a script that calls cleaner at
    import time without an ``if __name__ == "__main__":`` guard makes every spawned worker fail)."""
    with new_pool(1) as pool:
        try:
            pool.submit(int).result()
        except BrokenProcessPool:
            return False
    return True


def map_ordered(
    function: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    isolate: Callable[[T], R] | None = None,
) -> Iterator[R]:
    """``map(function, items)`` over ``workers`` processes, yielding results in input order.

    With one worker, or when the input fits in one batch, everything runs in this process:
    starting a pool would cost more than it saves. ``isolate(item)`` recomputes an item whose
    worker died; without it the pool's error propagates.
    """
    iterator = iter(items)
    head = list(islice(iterator, 2))
    if workers <= 1 or len(head) < 2:
        for item in head:
            yield function(item)
        for item in iterator:
            yield function(item)
        return
    pool = new_pool(workers)
    pending: deque[tuple[T, Future[R]]] = deque()
    try:
        for item in chain(head, iterator):
            pending.append((item, _submit(pool, function, item)))
            while len(pending) >= workers * PENDING_PER_WORKER:
                result, pool = _next_result(pending, pool, function, workers, isolate)
                yield result
        while pending:
            result, pool = _next_result(pending, pool, function, workers, isolate)
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, function: Callable[[T], R], item: T) -> Future[R]:
    """``pool.submit``, except that a pool already broken yields a failed future instead of raising.

    A worker can die while later items are being submitted; the failure then surfaces, in
    order, when the item's result is asked for, and is handled there like any other.
    """
    try:
        return pool.submit(function, item)
    except BrokenProcessPool as exc:
        failed: Future[R] = Future()
        failed.set_exception(exc)
        return failed


def _next_result(
    pending: deque[tuple[T, Future[R]]],
    pool: ProcessPoolExecutor,
    function: Callable[[T], R],
    workers: int,
    isolate: Callable[[T], R] | None,
) -> tuple[R, ProcessPoolExecutor]:
    item, future = pending.popleft()
    try:
        return future.result(), pool
    except BrokenProcessPool:
        if isolate is None:
            raise
    pool.shutdown(wait=False, cancel_futures=True)
    result = isolate(item)
    pool = new_pool(workers)
    resubmitted = [(waiting, _submit(pool, function, waiting)) for waiting, _ in pending]
    pending.clear()
    pending.extend(resubmitted)
    return result, pool
