"""Execution engines: where the per-document map stage runs.

One pipeline, two engines. Everything a document goes through (extraction or stripping,
splitting, normalising, signatures, band keys) is ``batch.clean_batch``, a pure function
from a Polars batch of raw documents to frames of declared schemas. An engine only decides
where that function runs and hands its outputs back in document order; the relational steps
after it (candidates, verification, clusters, canonical choice) are the same code for both.

* ``local`` (:class:`~cleaner.engines.local.LocalEngine`, the default): a process pool over
  this machine's cores (``pool.map_ordered``); batches that run in Polars and numpy kernels
  only go to threads instead.
* ``spark`` (:class:`~cleaner.engines.spark.SparkEngine`): the same function on Spark
  executors through ``mapInArrow``, in a given ``SparkSession`` (a cluster) or ``local[N]``.

Both engines return the rows of every document in input order, so the tables written
afterwards are identical whichever engine ran (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from cleaner.batch import BatchOutput
    from cleaner.config import CleanConfig

BatchFunction = Callable[[pl.DataFrame], "BatchOutput"]


class Engine(Protocol):
    """Runs the per-batch map stage and yields its outputs in document order, and labels the
    connected components of the verified-duplicate graph."""

    def map_batches(
        self,
        function: BatchFunction,
        batches: Iterator[pl.DataFrame],
        releases_gil: Callable[[pl.DataFrame], bool] | None = None,
        read_apart: bool = False,
    ) -> Iterator[BatchOutput]:
        """``function`` of every batch, in order; ``releases_gil(batch)`` says that a batch's
        work is Polars and numpy kernels only (an engine may run such batches on threads);
        ``read_apart``, that ``batches`` come from another process (``engines.reader``), so
        threads here do not share the GIL with the reading."""
        ...

    def components(self, n: int, edges: pl.DataFrame) -> np.ndarray: ...


def make_engine(config: CleanConfig, spark: Any = None) -> Engine:
    """The engine ``config.engine`` names; ``spark`` is an existing ``SparkSession`` to use."""
    if config.engine == "spark":
        from cleaner.engines.spark import SparkEngine

        return SparkEngine(
            config.resolved_workers(), config.batch_size, config.spark_master, spark, config.work_dir, config.driver_edges
        )
    from cleaner.engines.local import LocalEngine

    return LocalEngine(config.resolved_workers())


def is_spark_dataframe(value: Any) -> bool:
    """Whether ``value`` is a PySpark DataFrame (checked without importing PySpark)."""
    return type(value).__module__.startswith("pyspark.") and hasattr(value, "mapInArrow")
