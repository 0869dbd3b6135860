"""Local execution of the per-batch map stages: a process pool over all cores, in order.

Batches whose work runs in Polars and numpy kernels (no per-line Python) go to threads of
this process instead, which parallelise them as well without starting workers.

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
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, islice
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PENDING_PER_WORKER = 3


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of freshly spawned processes (``fork`` is unsafe once Polars has started threads)
    that end themselves when this process is gone (:func:`exit_with_parent`)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent, initargs=(os.getpid(),)
    )


PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(parent: int) -> None:
    """A worker's initializer: a thread that ends the worker once the process that started it
    is gone. A killed run's workers (about 300 MB each) would otherwise live on, waiting for
    work that never comes. Polling ``getppid`` works everywhere; ``PR_SET_PDEATHSIG`` would
    fire when the parent's *thread* that started the worker ends, not the parent."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="cleaner-parent-watch", daemon=True).start()


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
    in_threads: Callable[[T], bool] | None = None,
) -> Iterator[R]:
    """``map(function, items)`` over ``workers`` processes, yielding results in input order.

    With one worker, or when the input fits in one batch, everything runs in this process:
    starting a pool would cost more than it saves. Items for which ``in_threads(item)`` is true
    run on ``workers`` threads of this process instead: work that spends its time in Polars and
    numpy kernels (which release the GIL) parallelises as well there, without starting worker
    processes (~0.4 s of imports each) or pickling results back. The process pool is started
    only when an item needs it. ``isolate(item)`` recomputes an item whose worker process died;
    without it the pool's error propagates.
    """
    iterator = iter(items)
    head = list(islice(iterator, 2))
    if workers <= 1 or len(head) < 2:
        for item in head:
            yield function(item)
        for item in iterator:
            yield function(item)
        return
    pools = _Pools(workers)
    pending: deque[_Pending[T, R]] = deque()
    finished = False
    try:
        for item in chain(head, iterator):
            threaded = in_threads is not None and in_threads(item)
            pending.append(_Pending(item, pools.submit(function, item, threaded), threaded))
            while len(pending) >= workers * PENDING_PER_WORKER:
                yield _next_result(pending, pools, function, isolate)
        while pending:
            yield _next_result(pending, pools, function, isolate)
        finished = True
    finally:
        pools.shutdown(finished)


@dataclass
class _Pending(Generic[T, R]):
    item: T
    future: Future[R]
    threaded: bool


class _Pools:
    """A thread pool and a process pool, each started on first use."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.threads: ThreadPoolExecutor | None = None
        self.processes: ProcessPoolExecutor | None = None

    def submit(self, function: Callable[[T], R], item: T, threaded: bool) -> Future[R]:
        if threaded:
            if self.threads is None:
                self.threads = ThreadPoolExecutor(self.workers, thread_name_prefix="cleaner-map")
            return self.threads.submit(function, item)
        if self.processes is None:
            self.processes = new_pool(self.workers)
        return _submit(self.processes, function, item)

    def discard_processes(self) -> None:
        """Drop a broken process pool; the next item that needs one starts a fresh pool."""
        if self.processes is not None:
            self.processes.shutdown(wait=False, cancel_futures=True)
        self.processes = None

    def shutdown(self, finished: bool = True) -> None:
        """Close both pools. A run that stops early (an error, Ctrl-C, SIGTERM) does not wait
        for the batches its worker processes are cleaning: they are ended, where waiting took a
        run of extraction-dev's pages 8.4 s to stop after SIGTERM (a scheduler's grace period
        may be shorter). A thread's batch cannot be ended: it finishes (about a second)."""
        if self.threads is not None:
            self.threads.shutdown(wait=True, cancel_futures=True)
        if self.processes is None:
            return
        if not finished:
            for process in list((getattr(self.processes, "_processes", None) or {}).values()):  # no public way before 3.14
                process.terminate()
        self.processes.shutdown(wait=True, cancel_futures=True)


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
    pending: deque[_Pending[T, R]],
    pools: _Pools,
    function: Callable[[T], R],
    isolate: Callable[[T], R] | None,
) -> R:
    first = pending.popleft()
    try:
        return first.future.result()
    except BrokenProcessPool:
        if isolate is None or first.threaded:
            raise
    pools.discard_processes()
    result = isolate(first.item)
    for waiting in pending:
        if not waiting.threaded:
            waiting.future = pools.submit(function, waiting.item, threaded=False)
    return result
