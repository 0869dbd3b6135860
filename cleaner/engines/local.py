"""The local engine: the map stage over a pool of this machine's processes, or its threads.

A worker process that dies (a parser crashing on a hostile page, the kernel killing it for
memory) breaks the pool; its batch is then cleaned one document per throw-away process
(:func:`isolate_documents`), so only the guilty document is lost, and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl

from cleaner.batch import BatchOutput
from cleaner.duplicates.clusters import components
from cleaner.engines import BatchFunction
from cleaner.engines.pool import map_ordered, new_pool, workers_start
from cleaner.errors import WorkerStartError

THREADED_BATCHES = 128
"""At most this many batches (about a million paragraphs of news text) run on threads of this
process (``batch.releases_gil``); later ones go to worker processes, unless the input is read
by a process of its own (``engines.reader``). Threads save the workers' start (~0.4 s each),
which is most of a small run's overhead; over a long run where this process also reads,
worker processes keep the map's short-lived allocations out of this process, whose memory
then holds only what deduplication needs (10M paragraphs all on threads: peak 7.67 GB
instead of 7.35 GB). With the input read apart, threads throughout are faster: 10M paragraphs
(2 cores, the benchmark corpus), map stage 132.0 / 132.5 s -> 104.5 / 90.6 / 94.0 s, wall
256.5 / 263.5 -> 231.8 / 225.2 / 228.8 s, peak 6.98 / 6.98 -> 7.44 / 7.04 / 7.08 GB, page
faults 26.3 -> 11.6 million (no batch and no output pickled through a pipe twice)."""


class FirstBatchesOnThreads:
    """Thread routing: the first ``limit`` batches that release the GIL (every one, without a
    limit). Called once per batch, in input order, so the routing is deterministic."""

    def __init__(self, releases_gil: Callable[[pl.DataFrame], bool], limit: int | None = THREADED_BATCHES) -> None:
        self.releases_gil = releases_gil
        self.limit = limit
        self.batches = 0

    def __call__(self, raw: pl.DataFrame) -> bool:
        self.batches += 1
        return (self.limit is None or self.batches <= self.limit) and self.releases_gil(raw)


@dataclass(frozen=True)
class LocalEngine:
    """A pool of ``workers`` processes on this machine (one process: no pool at all)."""

    workers: int

    def map_batches(
        self,
        function: BatchFunction,
        batches: Iterator[pl.DataFrame],
        releases_gil: Callable[[pl.DataFrame], bool] | None = None,
        read_apart: bool = False,
    ) -> Iterator[BatchOutput]:
        limit = None if read_apart else THREADED_BATCHES
        in_threads = FirstBatchesOnThreads(releases_gil, limit) if releases_gil is not None else None
        return map_ordered(function, batches, self.workers, isolate=partial(isolate_documents, function), in_threads=in_threads)

    def components(self, n: int, edges: pl.DataFrame) -> np.ndarray:
        return components(n, edges)


def isolate_documents(function: BatchFunction, raw: pl.DataFrame) -> BatchOutput:
    """``function`` of a batch whose worker died, one document per throw-away process.

    Only a document that kills its process again is lost, and it is reported in ``errors``.
    If workers die before doing anything at all, every document would be "lost" one spawn at
    a time: that is detected on the first death and raised as :class:`WorkerStartError`.
    """
    outputs = []
    for row in range(raw.height):
        single = raw.slice(row, 1)
        with new_pool(1) as pool:
            try:
                outputs.append(pool.submit(function, single).result())
                continue
            except BrokenProcessPool:
                pass
        if row == 0 and not workers_start():
            raise WorkerStartError(
                "worker processes die as they start, so nothing can be cleaned in parallel; in a script, call "
                "cleaner under `if __name__ == \"__main__\":` (worker processes import the main module), or pass workers=1"
            )
        doc = single.row(0, named=True)
        message = f"document {doc['doc_id']!r}: the worker process died while cleaning it (a crash, or out of memory)"
        outputs.append(BatchOutput.failed(doc["path"], message))
    return BatchOutput.concat(outputs)
