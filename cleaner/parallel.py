"""Local execution of the per-batch map stages: a process pool over all cores, in order.

Results come back in submission order whatever the worker count, which is what keeps the
output byte-identical between ``--workers 1`` and ``--workers 8``. At most a few batches per
worker are in flight, so memory stays bounded while the input streams in.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PENDING_PER_WORKER = 3


def map_ordered(function: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(function, items)`` over ``workers`` processes, yielding results in input order.

    With one worker, or when the input fits in one batch, everything runs in this process:
    starting a pool would cost more than it saves.
    """
    iterator = iter(items)
    head = list(islice(iterator, 2))
    if workers <= 1 or len(head) < 2:
        for item in head:
            yield function(item)
        for item in iterator:
            yield function(item)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[R]] = deque()
        for item in head:
            pending.append(pool.submit(function, item))
        for item in iterator:
            pending.append(pool.submit(function, item))
            if len(pending) >= workers * PENDING_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
