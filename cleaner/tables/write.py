"""Write stage: the output tables and manifest land in OUT all at once, or not at all.

Everything is written into a temporary folder beside OUT and put in place at the end
(``tables.place``: a no-replace rename, or an atomic swap with an earlier output of
cleaner's), so a run that fails or is killed leaves the previous OUT (or none), never a
partial one, and never replaces a folder it did not write.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import polars as pl

from cleaner.config import Layout, OutputFormat
from cleaner.errors import write_failure
from cleaner.schemas import OUTPUT_TABLES
from cleaner.tables.place import MANIFEST, check_writable, put_in_place, staging_folder
from cleaner.tables.spill import OUTPUT_ROW_GROUP_ROWS

DEFAULT_TABLE = "clusters"
"""The canonical dataset: the default configuration (folder ``data``) of the Hugging Face layout."""



class SpilledTable(Protocol):
    """A table already on disk (the ``removed`` audit) that copies itself into the output."""

    def write_to(self, path: Path, output_format: str, metadata: Mapping[str, str] | None = None) -> None: ...


def _write_table(
    df: pl.DataFrame | SpilledTable, path: Path, output_format: OutputFormat, metadata: Mapping[str, str] | None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if not isinstance(df, pl.DataFrame):
            df.write_to(path, output_format, metadata)
        elif output_format == "parquet":
            df.write_parquet(
                path, compression="zstd", statistics=True, row_group_size=OUTPUT_ROW_GROUP_ROWS, metadata=dict(metadata or {})
            )
        else:
            df.write_ndjson(path)
    except pl.exceptions.ComputeError as exc:
        raise write_failure(exc, path.name) from exc


HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
"""The folder of rows whose partition value is null (Hive's, Spark's and Polars' convention)."""


@dataclass(frozen=True)
class Partitioning:
    """Hive-style partitions of one table: ``<table>/<key>=<value>/part-00000.<ext>``.

    ``values`` holds each row's partition value. A table column named ``key`` is left out of
    the files (readers such as Spark, Polars, pyarrow and DuckDB restore it from the path and
    reject it twice); a derived key (``day``) adds a column on reading.
    """

    key: str
    values: pl.Series


def _partition_files(
    name: str, table: pl.DataFrame, partitioning: Partitioning, extension: str
) -> list[tuple[str, pl.DataFrame]]:
    keyed = table.with_columns(partitioning.values.alias("__partition__"))
    groups = keyed.partition_by("__partition__", maintain_order=True, as_dict=True)
    files = []
    for (value,), rows in sorted(groups.items(), key=lambda item: (item[0][0] is None, item[0][0] or "")):
        folder = HIVE_NULL if value is None else quote(str(value), safe="")
        files.append((f"{name}/{partitioning.key}={folder}/part-00000.{extension}", rows.drop("__partition__", partitioning.key, strict=False)))
    return files


def _layout_files(
    name: str,
    table: pl.DataFrame | SpilledTable,
    output_format: OutputFormat,
    layout: Layout,
    shard_rows: int,
    partitioning: Partitioning | None = None,
) -> list[tuple[str, pl.DataFrame | SpilledTable]]:
    """The files of one table in an output folder, as ``(relative path, rows)``."""
    extension = "parquet" if output_format == "parquet" else "jsonl"
    if partitioning is not None and isinstance(table, pl.DataFrame):
        return [*_partition_files(name, table, partitioning, extension)]
    if layout == "tables":
        return [(f"{name}.{extension}", table)]
    folder = "data" if name == DEFAULT_TABLE else name
    if not isinstance(table, pl.DataFrame):
        return [(f"{folder}/train-00000-of-00001.{extension}", table)]
    shards = max(1, -(-table.height // shard_rows))
    return [
        (f"{folder}/train-{i:05d}-of-{shards:05d}.{extension}", table.slice(i * shard_rows, shard_rows))
        for i in range(shards)
    ]


def dataset_card(output_format: OutputFormat) -> str:
    """README.md of the Hugging Face layout: one configuration per table, ``clusters`` by default."""
    extension = "parquet" if output_format == "parquet" else "jsonl"
    configs = []
    for name in OUTPUT_TABLES:
        folder = "data" if name == DEFAULT_TABLE else name
        configs.append(
            f"- config_name: {name}\n" + ("  default: true\n" if name == DEFAULT_TABLE else "")
            + f"  data_files:\n  - split: train\n    path: {folder}/train-*.{extension}\n"
        )
    return (
        "---\nconfigs:\n" + "".join(configs) + "---\n\n"
        "# Canonical paragraphs written by cleaner\n\n"
        "`clusters` (the default configuration) holds one canonical paragraph per cluster of near-duplicates, "
        "with the documents and sources that carried it; `documents`, `paragraphs`, `removed` and `errors` "
        "are the cleaned documents, every kept paragraph with its cluster, every removed input line with its "
        "reason, and the inputs that could not be read. `manifest.json` records the parameters and counts.\n"
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_output(
    out_dir: str | os.PathLike[str],
    tables: Mapping[str, pl.DataFrame | SpilledTable],
    manifest: Mapping[str, Any],
    *,
    output_format: OutputFormat = "parquet",
    overwrite: bool = False,
    layout: Layout = "tables",
    shard_rows: int = 500_000,
    metadata: Mapping[str, str] | None = None,
    partitions: Mapping[str, Partitioning] | None = None,
    finish: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``tables`` and ``manifest.json`` into ``out_dir`` atomically; returns the folder.

    ``metadata`` goes into every Parquet file's key-value metadata (the run's parameters and
    library versions), so that a file separated from its folder still says how it was made.
    ``partitions`` splits the named tables into Hive-style folders (``tables`` layout only).
    ``finish`` adds to the complete folder before it is put in place (the report).
    """
    if partitions and layout != "tables":
        raise ValueError("partitioned output needs the tables layout")
    target = Path(out_dir)
    check_writable(target, overwrite=overwrite)
    staging = staging_folder(target)
    try:
        with ThreadPoolExecutor(max_workers=len(tables) or 1) as writers:
            # Polars writes without the GIL: tables written side by side take about 60% of the time.
            written = [
                writers.submit(_write_table, rows, staging / relative, output_format, metadata)
                for name, table in tables.items()
                for relative, rows in _layout_files(
                    name, table, output_format, layout, shard_rows, (partitions or {}).get(name)
                )
            ]
            for future in written:
                future.result()
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
        if layout == "huggingface":
            (staging / "README.md").write_text(dataset_card(output_format))
        if finish is not None:
            finish(staging)
        for child in sorted(staging.rglob("*")):
            if child.is_file():
                with open(child, "rb") as handle:
                    os.fsync(handle.fileno())
            else:
                _fsync_dir(child)
        _fsync_dir(staging)
        put_in_place(staging, target, overwrite=overwrite)
        _fsync_dir(target.absolute().parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def read_output(out_dir: str | os.PathLike[str]) -> dict[str, pl.DataFrame]:
    """Load the tables of an output folder (either format, either layout)."""
    return {name: table.collect() for name, table in scan_output(out_dir).items()}


def scan_output(out_dir: str | os.PathLike[str]) -> dict[str, pl.LazyFrame]:
    """The tables of an output folder as lazy frames (either format, either layout): a
    summary of a large dataset (``cleaner report``) reads only the columns it needs."""
    folder = Path(out_dir)
    tables: dict[str, pl.LazyFrame] = {}
    for name, schema in OUTPUT_TABLES.items():
        partitioned = _scan_partitions(folder / name, schema)
        if partitioned is not None:
            tables[name] = partitioned
            continue
        shard_folder = folder / ("data" if name == DEFAULT_TABLE else name)
        for extension in ("parquet", "jsonl"):
            files = [folder / f"{name}.{extension}"] if (folder / f"{name}.{extension}").exists() else []
            files = files or sorted(shard_folder.glob(f"train-*.{extension}"))
            if files:
                tables[name] = pl.concat([_scan_file(path, schema) for path in files], how="vertical")
                break
    return tables


PARTITION_KEYS = {"source": pl.String, "day": pl.String}


def _scan_partitions(folder: Path, schema: pl.Schema) -> pl.LazyFrame | None:
    """A Hive-partitioned table with its key restored (rows grouped by partition), or None."""
    keyed = sorted(folder.glob("*=*/part-*.parquet"))
    if not keyed:
        return None
    key = keyed[0].parent.name.split("=", 1)[0]
    frame = pl.scan_parquet(
        [str(path) for path in keyed], hive_partitioning=True, hive_schema={key: PARTITION_KEYS.get(key, pl.String)}
    )
    return _declared_first(frame if key in schema else frame.drop(key), schema)


def _scan_file(path: Path, schema: pl.Schema) -> pl.LazyFrame:
    if path.suffix == ".parquet":
        return _declared_first(pl.scan_parquet(path), schema)
    if not path.stat().st_size:
        return pl.LazyFrame(schema=schema)
    return _declared_first(pl.scan_ndjson(path, schema_overrides=schema, infer_schema_length=None), schema)


def _declared_first(frame: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    """``frame`` with its declared columns first, in their types, then any other (the documents'
    ``metadata`` struct, present when the records had fields of their own)."""
    columns = frame.collect_schema().names()
    declared = [pl.col(c).cast(schema[c]) for c in schema if c in columns]
    return frame.select(*declared, *[c for c in columns if c not in schema])
