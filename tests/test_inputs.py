from __future__ import annotations

import polars as pl

from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow
from cleaner.inputs import ONE_WORKER_BATCH_CHARS, batches_of

PAGE = "<html><body><p>" + "A sentence of a page that is long enough to count. " * 20 + "</p></body></html>"


def batch_sizes(workers: int) -> list[int]:
    records = [{"id": f"p{number}", "html": PAGE} for number in range(40)]
    config = CleanConfig(workers=workers, batch_chars=len(PAGE) * 4)
    errors: list[ErrorRow] = []
    info: list[pl.DataFrame] = []
    return [batch.height for batch in batches_of(records, config, errors, info)]


def test_batches_end_at_batch_chars_when_pages_are_spread_over_workers() -> None:
    assert batch_sizes(2) == [4] * 10


def test_one_worker_takes_larger_batches_as_there_is_nothing_to_spread() -> None:
    assert batch_sizes(1) == [4 * ONE_WORKER_BATCH_CHARS] * 2 + [40 - 8 * ONE_WORKER_BATCH_CHARS]
