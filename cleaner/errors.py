"""Every error that stops a run, under one base, each with the exit code the command gives it.

Problems with one input file or record are not errors of this kind: they become rows of the
``errors`` table and the run goes on. What is here ends the run: a bad option, an output in
the way, an engine that cannot start. Each class keeps the builtin base it had (a
``ValueError`` stays one), so code that caught those still does; the command line catches
:class:`CleanerError` alone and exits with :attr:`CleanerError.exit_code`.
"""

from __future__ import annotations

import errno

USAGE_EXIT_CODE = 2
"""Click's code for a usage error: the run was asked for something it cannot do."""
FATAL_EXIT_CODE = 1


class CleanerError(Exception):
    """A fatal error of a cleaning run (nothing was written)."""

    exit_code = FATAL_EXIT_CODE


class ConfigError(CleanerError, ValueError):
    """A :class:`cleaner.CleanConfig` value out of range, or options that cannot go together.

    ``field`` names the configuration field, so that the command line can name its option.
    """

    exit_code = USAGE_EXIT_CODE

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class OutputExistsError(CleanerError, FileExistsError):
    """The output folder exists and ``overwrite`` was not asked for."""

    exit_code = USAGE_EXIT_CODE


class OutputNotWritableError(CleanerError, PermissionError):
    """The output's folder cannot be written (no permission, a read-only file system): found
    before the work, not after it."""


class OutputOverlapError(CleanerError, ValueError):
    """The output (or index) folder is an input or contains one: writing it could delete inputs."""

    exit_code = USAGE_EXIT_CODE


class InputNotFoundError(CleanerError, FileNotFoundError):
    """An input path does not exist, or a folder holds no file cleaner reads: nothing to clean."""

    exit_code = USAGE_EXIT_CODE


class EmptyRunError(CleanerError, RuntimeError):
    """The inputs gave no document at all (``allow_empty`` accepts an empty dataset)."""


class IndexMismatchError(CleanerError, ValueError):
    """The dedup index was built with other signature or matching parameters."""

    exit_code = USAGE_EXIT_CODE


class IndexCorruptError(CleanerError, RuntimeError):
    """The dedup index is damaged (a part unreadable, ``meta.json`` missing or broken).

    ``finding`` is what is wrong, without the advice on what to do (``cleaner index verify``
    lists findings)."""

    def __init__(self, message: str, finding: str | None = None) -> None:
        super().__init__(message)
        self.finding = finding or message


class EngineUnavailableError(CleanerError, RuntimeError):
    """The chosen engine cannot start here (its package is not installed, its folder unusable)."""


class WorkerStartError(CleanerError, RuntimeError):
    """Worker processes die before doing any work, so isolating documents cannot help."""


class ReaderDiedError(CleanerError, RuntimeError):
    """The process reading a large input ended without finishing it (killed, or out of memory)."""


class WorkFolderError(CleanerError, RuntimeError):
    """The folder for a run's intermediate files cannot be created or written."""


class UnknownParagraphError(CleanerError, KeyError):
    """The paragraph id asked about is not in the output folder."""


class OutputUnreadableError(CleanerError, RuntimeError):
    """A table of an output folder cannot be read (``cleaner report`` of a damaged folder)."""


def write_failure(exc: Exception, what: str) -> OSError:
    """A failed write that Polars reports as a ``ComputeError`` (a full disk: "No space left on
    device" inside its message), as the ``OSError`` every other write raises, naming ``what``
    was being written: callers, and the command line, handle one kind of failed write."""
    full = "No space left" in str(exc)
    return OSError(errno.ENOSPC if full else errno.EIO, f"cannot write {what}: {exc}")
