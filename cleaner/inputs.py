"""What a user can hand to ``clean``, turned into a stream of raw documents and batches.

Paths (files, folders, ``-`` for standard input), an iterable of record dicts, a Polars
frame, or a PySpark DataFrame: each goes to the reader that understands it (``read``), and
the documents that come out are grouped into batches for the map stage.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Union

import polars as pl

from cleaner import schemas
from cleaner.config import CleanConfig
from cleaner.discover import STDIN, ErrorRow, discover, supported_extensions
from cleaner.engines import is_spark_dataframe
from cleaner.errors import InputNotFoundError
from cleaner.read import file_size, iter_raw_documents, iter_record_documents

PathLike = Union[str, "os.PathLike[str]"]
Inputs = Union[PathLike, Iterable[PathLike], Iterable[Mapping[str, Any]], pl.DataFrame, Any]
"""Paths, records, a Polars frame, or a PySpark DataFrame of records (``Any``: PySpark is optional)."""

TEXT_KINDS = frozenset({"text", "records", "csv", "parquet", "feed"})
"""File kinds that can hold plain-text documents (pages and web archives hold HTML; a feed holds either)."""


def raw_documents(
    inputs: Inputs,
    config: CleanConfig,
    errors: list[ErrorRow],
    kinds: frozenset[str] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every raw document behind ``inputs`` in a stable order (the first ``config.limit`` of
    them, if set); problems go to ``errors``. ``kinds`` limits files to some kinds (a pass
    that only needs plain text skips pages); ``on_bytes`` hears the input bytes read, as they are read."""
    documents = _raw_documents(inputs, config, errors, kinds, on_bytes)
    return itertools.islice(documents, config.limit) if config.limit is not None else documents


def _raw_documents(
    inputs: Inputs,
    config: CleanConfig,
    errors: list[ErrorRow],
    kinds: frozenset[str] | None,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[dict[str, Any]]:
    frame = as_polars_frame(inputs)
    if frame is not None:
        return iter_record_documents(frame.iter_rows(named=True), config, errors, from_frame=True)
    if is_spark_dataframe(inputs):
        return iter_record_documents((row.asDict(recursive=True) for row in inputs.toLocalIterator()), config, errors)
    if isinstance(inputs, (str, os.PathLike)):
        return iter_raw_documents([inputs], config, errors, kinds, on_bytes)
    items = list(inputs) if not isinstance(inputs, Iterator) else inputs
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        return iter(())

    def chained() -> Iterator[Any]:
        yield first
        yield from iterator

    if isinstance(first, Mapping):
        return iter_record_documents(chained(), config, errors)
    return iter_raw_documents(list(chained()), config, errors, kinds, on_bytes)


ACCEPTED = "a path, a list of paths, an iterable of record dicts, or a frame of records (Polars, pandas, Arrow, PySpark)"


def check_input_kind(inputs: Inputs) -> None:
    """Refuse, with what is accepted, inputs of a kind nothing can read: ``None``, a number, a
    single record dict (iterating it would read its keys as file names), a list that mixes
    paths and records. An iterator is not looked into: that would consume it."""
    frame_like = isinstance(inputs, (pl.DataFrame, pl.LazyFrame)) or type(inputs).__module__.startswith(("pandas.", "pyarrow"))
    if isinstance(inputs, (str, os.PathLike)) or frame_like or is_spark_dataframe(inputs):
        return
    if isinstance(inputs, Mapping):
        raise TypeError(f"inputs are one record (a {type(inputs).__name__}); pass a list of records: [record]")
    if isinstance(inputs, (bytes, bytearray)) or not isinstance(inputs, Iterable):
        raise TypeError(f"inputs must be {ACCEPTED}, not {type(inputs).__name__}")
    if isinstance(inputs, (list, tuple)) and inputs:
        records = isinstance(inputs[0], Mapping)
        for position, item in enumerate(inputs):
            if records == isinstance(item, Mapping) and (records or isinstance(item, (str, os.PathLike))):
                continue
            first = "" if position == 0 else f", where inputs[0] is {'a record' if records else 'a path'}"
            raise TypeError(f"inputs[{position}] is of type {type(item).__name__}{first}: inputs must be {ACCEPTED}")


def check_inputs(inputs: Inputs, config: CleanConfig) -> None:
    """Refuse, before any work, inputs of a kind nothing can read (:func:`check_input_kind`),
    path inputs that do not exist and folders that hold no file cleaner reads: a typo must not
    give an empty dataset and exit 0."""
    check_input_kind(inputs)
    if not isinstance(inputs, (str, os.PathLike, list, tuple)):
        return
    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else [i for i in inputs if isinstance(i, (str, os.PathLike))]
    missing, empty = [], []
    for path in map(os.fspath, paths):
        if path == "-":
            continue
        if not os.path.lexists(path):
            missing.append(path)
        elif os.path.isdir(path) and not discover([path], [], config.follow_symlinks):
            empty.append(path)
    if missing:
        raise InputNotFoundError(f"no such input: {', '.join(map(repr, missing))}")
    if empty:
        raise InputNotFoundError(
            f"no file cleaner reads in {', '.join(map(repr, empty))} (it reads {supported_extensions()})"
        )


def as_polars_frame(inputs: Inputs) -> pl.DataFrame | None:
    """A frame of records as a Polars frame: Polars' own (a LazyFrame collected), pandas', or
    an Arrow table or record batch; ``None`` for anything else."""
    if isinstance(inputs, pl.DataFrame):
        return inputs
    if isinstance(inputs, pl.LazyFrame):
        return inputs.collect()
    module = type(inputs).__module__
    if module.startswith("pandas.") and hasattr(inputs, "to_dict"):
        return pl.from_pandas(inputs)
    if module.startswith("pyarrow") and type(inputs).__name__ in ("Table", "RecordBatch"):
        frame = pl.from_arrow(inputs)
        return frame if isinstance(frame, pl.DataFrame) else frame.to_frame()
    return None


def file_paths(inputs: Inputs) -> list[PathLike] | None:
    """``inputs`` as a list of file and folder paths, ``None`` when they are anything else
    (records, frames) or include standard input (``-``)."""
    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else inputs
    if not isinstance(paths, (list, tuple)) or not paths or not all(isinstance(i, (str, os.PathLike)) for i in paths):
        return None
    return None if any(os.fspath(i) == STDIN for i in paths) else list(paths)


def input_bytes(inputs: Inputs, config: CleanConfig) -> int | None:
    """The bytes of all input files (what reading's progress counts), ``None`` when the inputs
    are records or standard input."""
    paths = file_paths(inputs)
    return None if paths is None else sum(file_size(item) for item in discover(paths, [], config.follow_symlinks))


def rereadable(inputs: Inputs) -> bool:
    """Whether the inputs can be read twice (not standard input, not a one-shot iterator)."""
    if as_polars_frame(inputs) is not None or is_spark_dataframe(inputs):
        return True
    if isinstance(inputs, (str, os.PathLike)):
        return os.fspath(inputs) != "-"
    return isinstance(inputs, (list, tuple)) and not any(isinstance(i, (str, os.PathLike)) and os.fspath(i) == "-" for i in inputs)


def describe_inputs(inputs: Inputs) -> list[str]:
    """The inputs as the manifest names them."""
    frame = as_polars_frame(inputs)
    if frame is not None:
        return [f"<frame of {frame.height} rows>"]
    if is_spark_dataframe(inputs):
        return ["<Spark DataFrame>"]
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    if isinstance(inputs, (list, tuple)) and all(isinstance(i, (str, os.PathLike)) for i in inputs):
        return [os.fspath(i) for i in inputs]
    return ["<records>"]


def document_batches(
    documents: Iterator[dict[str, Any]], size: int, max_chars: int, info: list[pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    """Group raw documents into frames of at most ``size`` documents or ``max_chars`` characters.

    The character bound keeps batches of heavy HTML pages small enough to spread over the
    workers; their identity (without the body, :data:`schemas.DOCUMENT_INFO`) is kept in
    ``info``, a frame per batch.
    """
    batch: list[dict[str, Any]] = []
    chars = 0
    for doc in documents:
        batch.append(doc)
        chars += len(doc["body"])
        if len(batch) >= size or chars >= max_chars:
            info.append(schemas.frame(batch, schemas.DOCUMENT_INFO))
            yield schemas.frame(batch, schemas.RAW_DOCUMENTS)
            batch, chars = [], 0
    if batch:
        info.append(schemas.frame(batch, schemas.DOCUMENT_INFO))
        yield schemas.frame(batch, schemas.RAW_DOCUMENTS)


ONE_WORKER_BATCH_CHARS = 4
"""With one worker there is nothing to spread, so a batch may hold this many times
``batch_chars``: each batch of pages pays fixed costs (the text rules' two calls, about 40 ms
each), and the dev pages' 990 pages (143 MB) come in 9 batches instead of 36. Whole runs,
``--workers 1``, fresh processes alternating: 45.4 / 49.8 s -> 42.5 / 45.3 s (64 MB: 41.1 /
45.5 s); with two workers 24.4 / 25.0 s either way; the same tables. Several workers keep
``batch_chars``: 9 batches would leave most of 8 workers idle at the end of a run."""


def batches_of(
    inputs: Inputs,
    config: CleanConfig,
    errors: list[ErrorRow],
    info: list[pl.DataFrame],
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[pl.DataFrame]:
    """The map stage's batches of ``inputs`` (:func:`raw_documents` grouped by
    :func:`document_batches` as ``config`` sizes them), read in this process."""
    documents = raw_documents(inputs, config, errors, on_bytes=on_bytes)
    max_chars = config.batch_chars * (ONE_WORKER_BATCH_CHARS if config.resolved_workers() == 1 else 1)
    return document_batches(documents, config.batch_size, max_chars, info)
