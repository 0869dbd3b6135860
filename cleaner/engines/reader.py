"""Large inputs read in a process of their own while the map stage runs on this one's threads.

Without per-line stripping (``--no-strip``) the map stage runs on threads of this process
(``batch.releases_gil``), and the reading (JSON parsing, a dict per record, the batch frames)
ran in this process too, holding the GIL the map threads wanted: on the 1M-paragraph benchmark
corpus (291 MB of JSON lines, 2 cores) reading alone takes 3.1 s of one core, and the map
stage kept 1.55 of the 2 cores busy (sampled every 0.5 s). A reading process takes that work
off this process's GIL. It sends each batch frame, its identity rows, the input errors found
since the last batch and the bytes read, in input order, so the tables, the errors and the
progress are those of reading here (a test compares them). The map stage of that corpus went
from 9.7-11.3 s to 8.6-10.2 s (seven alternating pairs, every table byte-identical); the
reading process's 135 MB come on top of this process's memory while it runs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import polars as pl

from cleaner.config import CleanConfig
from cleaner.discover import ErrorRow
from cleaner.engines.pool import exit_with_parent
from cleaner.errors import ReaderDiedError
from cleaner.inputs import Inputs, PathLike, batches_of, file_paths, input_bytes

log = logging.getLogger("cleaner")

READ_AHEAD_BYTES = 64 << 20
"""Inputs of at least this many bytes are read in a process of their own (when the map stage
runs on threads). The process's start (imports) costs about 0.45 s; reading apart saves about
7 ms per MB of JSON lines. Map stage, alternating runs of ``benchmarks/syndication.py``
corpora on 2 cores: 29 MB (forced apart) 1.52-1.63 -> 1.83-2.04 s; 146 MB 5.47-5.95 -> 5.08 s;
291 MB 9.67-11.30 -> 8.60-10.22 s. So the break-even is near 64 MB."""


def paths_to_read_apart(inputs: Inputs, config: CleanConfig, size: int | None = None) -> list[PathLike] | None:
    """The input paths, when they are worth a reading process: files (not standard input, not
    records) of :data:`READ_AHEAD_BYTES` or more, for a map stage on this process's threads
    (the local engine, two workers or more, ``--no-strip``). Otherwise ``None``: a map stage on
    worker processes does not share this process's GIL with the reading. ``size``: the
    inputs' bytes (``inputs.input_bytes``), when the caller has them already."""
    if config.engine != "local" or config.strip or config.resolved_workers() < 2:
        return None
    paths = file_paths(inputs)
    if paths is None:
        return None
    if size is None:
        size = input_bytes(paths, config)
    return paths if (size or 0) >= READ_AHEAD_BYTES else None


@dataclass(frozen=True)
class _Batch:
    frame: pl.DataFrame
    info: pl.DataFrame
    errors: list[ErrorRow]
    bytes_read: int


@dataclass(frozen=True)
class _End:
    errors: list[ErrorRow]
    bytes_read: int


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def batches_read_apart(
    paths: Sequence[PathLike],
    config: CleanConfig,
    errors: list[ErrorRow],
    info: list[pl.DataFrame],
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[pl.DataFrame]:
    """``inputs.batches_of`` the files ``paths``, read by a process of their own.

    ``errors``, ``info`` and ``on_bytes`` hear what they would hear from reading in this
    process, batch by batch. An error that ends the reading there is raised here; a reading
    process that dies raises :class:`~cleaner.errors.ReaderDiedError`, unless it died before
    sending anything (a script without a ``__main__`` guard, whose import starts a run again):
    the files are then read here. The process holds at most the batch it is sending: a pipe's
    send waits for this side to take the last one.
    """
    context = multiprocessing.get_context("spawn")  # fork is unsafe once Polars has started threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_read_into, args=([os.fspath(p) for p in paths], config, sender, os.getpid()), name="cleaner-reader", daemon=True
    )
    process.start()
    sender.close()
    heard = False
    try:
        while True:
            try:
                message = receiver.recv()
            except (EOFError, OSError) as ended:  # OSError: a message cut short, it died while sending
                process.join()
                if heard or not isinstance(ended, EOFError):
                    raise ReaderDiedError(
                        f"the process reading the inputs ended without finishing (exit code {process.exitcode}: "
                        "out of memory, or killed)"
                    ) from None
                break
            heard = True
            if isinstance(message, _Failed):
                raise message.error
            errors.extend(message.errors)
            if on_bytes is not None and message.bytes_read:
                on_bytes(message.bytes_read)
            if isinstance(message, _End):
                return
            info.append(message.info)
            yield message.frame
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()
    log.warning(
        "the process to read the inputs died before reading anything (exit code %s), so they are read here; in a script, call "
        "cleaner under `if __name__ == \"__main__\":` (new processes import the main module)", process.exitcode,
    )
    yield from batches_of(paths, config, errors, info, on_bytes)


def _read_into(paths: list[str], config: CleanConfig, sender: Connection, parent: int) -> None:
    """The reading process: every batch of ``paths`` into ``sender``, then the end (or the error)."""
    exit_with_parent(parent)
    errors: list[ErrorRow] = []
    info: list[pl.DataFrame] = []
    reported = unsent_bytes = 0

    def count(bytes_read: int) -> None:
        nonlocal unsent_bytes
        unsent_bytes += bytes_read

    def news() -> tuple[list[ErrorRow], int]:
        """The errors and bytes read since the last message."""
        nonlocal reported, unsent_bytes
        found, bytes_read = errors[reported:], unsent_bytes
        reported, unsent_bytes = len(errors), 0
        return found, bytes_read

    try:
        for frame in batches_of(paths, config, errors, info, count):
            sender.send(_Batch(frame, info.pop(), *news()))
        sender.send(_End(*news()))
    except BrokenPipeError:
        return  # the run stopped reading: nothing to tell
    except BaseException as exc:  # noqa: BLE001 - every failure is handed over to be raised there
        sender.send(_Failed(_picklable(exc)))
    finally:
        sender.close()


def _picklable(error: BaseException) -> BaseException:
    """``error``, or a :class:`RuntimeError` with its traceback when it cannot cross processes."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to pickle means: send its text instead
        return RuntimeError("reading the inputs failed:\n" + "".join(traceback.format_exception(error)))
    return error
