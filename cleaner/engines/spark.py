"""The Spark engine: the map stage on Apache Spark executors, through ``mapInArrow``.

The documents become a Spark DataFrame (written as Parquet into a shared work folder) and
``batch.clean_batch`` runs on the executors; an existing ``SparkSession`` (a cluster) is used
when given, otherwise ``local[N]``. Spark carries no unsigned integers, so the 64-bit hash
lists cross the boundary reinterpreted as signed and come back bit for bit. Connected
components of a large duplicate graph can be labelled on the cluster as well
(:func:`distributed_components`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cleaner import schemas
from cleaner.batch import BATCH_FRAMES, BatchOutput
from cleaner.duplicates.clusters import components
from cleaner.engines import BatchFunction
from cleaner.errors import EngineUnavailableError


def spark_type(dtype: pl.DataType) -> str:
    """The Spark SQL type that carries a Polars column (unsigned 64-bit as ``bigint``)."""
    if isinstance(dtype, pl.List):
        return f"array<{spark_type(dtype.inner)}>"
    names = {
        pl.String: "string", pl.Int32: "int", pl.Int64: "bigint", pl.UInt64: "bigint", pl.Float64: "double", pl.Boolean: "boolean",
        pl.Binary: "binary",
    }
    for polars_type, name in names.items():
        if dtype == polars_type:
            return name
    raise TypeError(f"no Spark type for {dtype}")


def _struct_type(schema: pl.Schema) -> str:
    return "struct<" + ", ".join(f"`{name}`: {spark_type(dtype)}" for name, dtype in schema.items()) + ">"


SPARK_OUTPUT = ", ".join(
    ["`order` bigint", "`row` bigint", *(f"`{name}` {_struct_type(schema)}" for name, schema in BATCH_FRAMES.items())]
)
"""The schema of the Spark map stage's rows: a document's order, the row's place among that
document's rows, and one struct per output table (exactly one is set on each row)."""


def _reinterpreted(schema: pl.Schema, *, signed: bool) -> list[pl.Expr]:
    """``list[u64]`` columns as ``list[i64]`` (which Spark can carry) or back, bit for bit."""
    return [
        pl.col(name).list.eval(pl.element().reinterpret(signed=signed)) if dtype == pl.List(pl.UInt64) else pl.col(name)
        for name, dtype in schema.items()
    ]


def encode_output(raw: pl.DataFrame, output: BatchOutput) -> pl.DataFrame:
    """One frame of :data:`SPARK_OUTPUT` rows for a processed batch.

    Rows are keyed by their document's ``order``; an error row belongs to the document that
    failed, which is the only kind of document without a ``meta`` row (one error each, in
    batch order).
    """
    orders = raw.select("doc_id", "order")
    failed = orders.join(output.meta.select("doc_id"), on="doc_id", how="anti", maintain_order="left")
    if failed.height != output.errors.height:
        raise RuntimeError(f"{output.errors.height} error rows for {failed.height} failed documents")
    keyed = {
        "meta": output.meta.join(orders, on="doc_id", how="left", maintain_order="left"),
        "paragraphs": output.paragraphs.join(orders, on="doc_id", how="left", maintain_order="left"),
        "removed": output.removed.join(orders, on="doc_id", how="left", maintain_order="left"),
        "errors": output.errors.with_columns(failed["order"]),
    }
    parts = [
        frame.select(
            "order",
            pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
            pl.struct(_reinterpreted(BATCH_FRAMES[name], signed=True)).alias(name),
        )
        for name, frame in keyed.items()
    ]
    return pl.concat(parts, how="diagonal").select("order", "row", *BATCH_FRAMES)


def decode_table(rows: pl.DataFrame, name: str) -> pl.DataFrame:
    """One of the map stage's frames back from :data:`SPARK_OUTPUT` rows (``order``, ``row`` and
    its struct column suffice), in document order."""
    schema = BATCH_FRAMES[name]
    table = rows.filter(pl.col(name).is_not_null()).sort("order", "row").select(pl.col(name).struct.unnest())
    return schemas.conform(table.select(_reinterpreted(schema, signed=False)), schema)


def decode_output(rows: pl.DataFrame) -> BatchOutput:
    """The map stage's output back from :data:`SPARK_OUTPUT` rows, in document order."""
    return BatchOutput(**{name: decode_table(rows, name) for name in BATCH_FRAMES})


def _arrow_for_spark(arrow_type: Any) -> Any:
    """The same Arrow type with 32-bit offsets: Spark reads neither large strings nor large lists."""
    import pyarrow as pa

    if pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type):
        return pa.string()
    if pa.types.is_large_list(arrow_type) or pa.types.is_list(arrow_type):
        return pa.list_(_arrow_for_spark(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _arrow_for_spark(f.type)) for f in arrow_type])
    return arrow_type


def to_spark_arrow(frame: pl.DataFrame) -> Any:
    """``frame`` as an Arrow table that Spark accepts."""
    import pyarrow as pa

    table = frame.to_arrow()
    return table.cast(pa.schema([pa.field(f.name, _arrow_for_spark(f.type)) for f in table.schema]))


def _spark_partition(batches: Iterator[Any], function: BatchFunction, batch_size: int) -> Iterator[Any]:
    """Run on an executor: each Arrow batch of raw documents, in slices of ``batch_size``."""
    for batch in batches:
        documents = schemas.conform(pl.from_arrow(batch), schemas.RAW_DOCUMENTS)  # type: ignore[arg-type]
        for start in range(0, documents.height, batch_size):
            raw = documents.slice(start, batch_size)
            yield from to_spark_arrow(encode_output(raw, function(raw))).to_batches()


@dataclass(frozen=True)
class SparkEngine:
    """The map stage on Apache Spark through ``mapInArrow``.

    ``session`` is an existing ``SparkSession`` (a cluster, or one the caller configured);
    without it a local session is started on ``master`` (default ``local[workers]``).
    Executors need cleaner installed (or shipped with ``--py-files``), as for any Python UDF.

    Documents go to Spark, and its output comes back, as Parquet files in ``work_dir`` (a
    temporary folder by default; on a cluster, a shared folder mounted at the same path on the
    driver and every executor): nothing is collected through the JVM, whose driver heap is a
    fraction of the machine, and the driver never holds all raw documents at once.
    """

    workers: int
    batch_size: int = 1024
    master: str | None = None
    session: Any = None
    work_dir: str | None = None
    driver_edges: int = 50_000_000

    def spark(self) -> Any:
        if self.session is not None:
            return self.session
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineUnavailableError("the Spark engine needs PySpark and Java 17+: pip install 'cleaner[spark]'") from exc
        if not _java_found():
            raise EngineUnavailableError(
                "the Spark engine needs Java 17 or newer, and no java is on the PATH or in JAVA_HOME: install one "
                "(Debian or Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17)"
            )
        session = (
            SparkSession.builder.master(self.master or f"local[{self.workers}]")
            .appName("cleaner")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Spark's 200 shuffle partitions are made for clusters: on one machine each of
            # deduplication's shuffles would run 200 tasks of a few rows each
            .config("spark.sql.shuffle.partitions", str(max(4, 4 * self.workers)))
            # executors run this interpreter (the one with cleaner installed), not whatever
            # "python3" the PATH finds when the virtual environment is not activated
            .config("spark.pyspark.python", os.environ.get("PYSPARK_PYTHON", sys.executable))
            .config("spark.pyspark.driver.python", sys.executable)
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        return session

    def map_batches(
        self,
        function: BatchFunction,
        batches: Iterator[pl.DataFrame],
        releases_gil: Callable[[pl.DataFrame], bool] | None = None,
        read_apart: bool = False,
    ) -> Iterator[BatchOutput]:
        """One Spark job over all the documents. Spark retries a task whose Python worker
        died, and a document that fails raises no further than ``batch.clean_batch``, which
        reports it in ``errors``. ``releases_gil`` and ``read_apart`` are local-engine
        choices (threads); Spark's executors run every batch."""
        with self.exchange() as work:
            mapped_dir = self.map_to_folder(function, batches, Path(work))
            if mapped_dir is None:
                yield BatchOutput(**{name: schemas.empty(schema) for name, schema in BATCH_FRAMES.items()})
                return
            # one frame at a time, reading only its struct column: the driver never holds two copies
            parts = sorted(str(path) for path in mapped_dir.glob("*.parquet"))
            yield BatchOutput(**{name: decode_table(pl.read_parquet(parts, columns=["order", "row", name]), name) for name in BATCH_FRAMES})

    def map_to_folder(self, function: BatchFunction, batches: Iterator[pl.DataFrame], work: Path) -> Path | None:
        """Run ``function`` over every batch on the executors and leave its :data:`SPARK_OUTPUT`
        rows as Parquet in ``work/mapped`` (``None``: there was no document). The files, in
        :func:`ordered_parts` order, hold the rows in document order."""
        import pyarrow.parquet as pq  # only the Spark engine needs it: local workers start faster

        spark = self.spark()
        documents_dir = work / "documents"
        documents_dir.mkdir()
        parts = 0
        for parts, batch in enumerate(batches, start=1):
            pq.write_table(to_spark_arrow(batch), documents_dir / f"part-{parts:06d}.parquet")
        if parts == 0:
            return None
        return self.map_documents(function, spark.read.parquet(str(documents_dir)), parts * 2, work / "mapped")

    def map_documents(self, function: BatchFunction, documents: Any, slices: int, mapped_dir: Path) -> Path:
        """Run ``function`` over a Spark DataFrame of :data:`schemas.RAW_DOCUMENTS` in (at most
        about) ``slices`` tasks, and leave its :data:`SPARK_OUTPUT` rows as Parquet in
        ``mapped_dir``: the files, in :func:`ordered_parts` order, hold them in document order."""
        slices = max(1, min(slices, self.spark().sparkContext.defaultParallelism * 4))
        (
            documents.repartitionByRange(slices, "order")
            .sortWithinPartitions("order")
            .mapInArrow(partial(_spark_partition, function=function, batch_size=self.batch_size), SPARK_OUTPUT)
            .write.option("maxRecordsPerFile", FILE_ROWS)
            .parquet(str(mapped_dir))
        )
        return mapped_dir

    def components(self, n: int, edges: pl.DataFrame) -> np.ndarray:
        """Component labels of ``n`` nodes: on the driver up to ``driver_edges`` edges, else on
        the cluster (:func:`distributed_components`)."""
        if edges.height <= self.driver_edges:
            return components(n, edges)
        with self.exchange() as work:
            return distributed_components(self.spark(), n, edges, Path(work))

    def exchange(self) -> tempfile.TemporaryDirectory[str]:
        """A temporary folder under ``work_dir`` for files Spark reads or writes."""
        try:
            if self.work_dir is not None:
                Path(self.work_dir).mkdir(parents=True, exist_ok=True)
            return tempfile.TemporaryDirectory(prefix="cleaner-spark-", dir=self.work_dir)
        except OSError as exc:
            raise EngineUnavailableError(f"the Spark work folder {self.work_dir!r} cannot be used: {exc}") from exc


FILE_ROWS = 16_384
"""Rows per Parquet file that Spark writes for the driver to read back: the driver reads a
file's row group at a time, and Spark's row groups are as large as the file (a map output
row carries a paragraph's shingles and band keys, about 1 KB)."""


def ordered_parts(folder: Path) -> list[Path]:
    """The Parquet files of a Spark output folder in its rows' order: by partition, then by the
    file's number within the partition (``part-00003-<job>-c001...``), compared as numbers."""
    pattern = re.compile(r"part-(\d+)-.*?-c(\d+)")

    def place(path: Path) -> tuple[int, int, str]:
        found = pattern.match(path.name)
        return (int(found.group(1)), int(found.group(2)), path.name) if found else (-1, -1, path.name)

    return sorted(folder.glob("part-*.parquet"), key=place)


def _java_found() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or (home is not None and os.path.exists(os.path.join(home, "bin", "java")))


def distributed_components(spark: Any, n: int, edges: pl.DataFrame, work: Path) -> np.ndarray:
    """Connected components of ``n`` nodes (edges ``a``, ``b``) on the cluster
    (``spark_dedup.component_labels``), through Parquet in ``work``. Returns each node's
    label: the smallest node of its component."""
    from pyspark.sql import functions as F

    from cleaner.engines.spark_dedup import component_labels

    (work / "edges").mkdir(parents=True)
    edges.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64)).write_parquet(work / "edges" / "part-0.parquet")
    read = spark.read.parquet(str(work / "edges")).select(F.col("a").alias("u"), F.col("b").alias("v"))
    component_labels(spark, read, work / "checkpoints").write.parquet(str(work / "labels"))
    labels = np.arange(n, dtype=np.int64)
    parts = sorted((work / "labels").glob("*.parquet"))
    if parts:
        stars = pl.read_parquet(parts)
        labels[stars["node"].to_numpy()] = stars["label"].to_numpy()
    return labels
