"""How far a run is: named stages, each with its amount done and, when known, its total.

The library reports to a :class:`Progress` (``clean(..., progress=...)``); the command line
shows it with rich's progress bars and their ETAs in a terminal, and as a plain status line
every 30 seconds when standard error is a log file (:func:`progress_for`).

Stages: ``site templates``; ``reading`` (bytes of the input files read, of all of them);
``candidates``, ``verification`` and ``clusters`` (the deduplication steps); ``writing``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Protocol


class Progress(Protocol):
    """Where a run reports how far it is."""

    def stage(self, name: str, total: float | None = None) -> None:
        """A new stage begins (the previous one is over); ``total`` is its amount, if known."""

    def advance(self, amount: float) -> None:
        """``amount`` more of the current stage is done."""

    def close(self) -> None:
        """The run is over."""


STATUS_SECONDS = 30.0
"""Seconds between two status lines when standard error is not a terminal."""


class StatusLines:
    """A plain line on ``stream`` every :data:`STATUS_SECONDS` (a log file has no use for a
    bar redrawn ten times a second): the stage, its share done and the elapsed time."""

    def __init__(self, stream: IO[str], interval: float | None = None) -> None:
        self.stream = stream
        self.interval = STATUS_SECONDS if interval is None else interval
        self.began = time.monotonic()
        self.name, self.total, self.done = "starting", None, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, name="cleaner-status", daemon=True)
        self._thread.start()

    def stage(self, name: str, total: float | None = None) -> None:
        self.name, self.total, self.done = name, total, 0.0

    def advance(self, amount: float) -> None:
        self.done += amount

    def line(self) -> str:
        share = f" {100 * self.done / self.total:.0f}%" if self.total else ""
        return f"status: {self.name}{share}, {time.monotonic() - self.began:,.0f} s elapsed"

    def _report(self) -> None:
        while not self._stop.wait(self.interval):
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        self._stop.set()


class Bars:
    """rich's progress bars, one per stage, with the share done and an ETA where the stage's
    total is known (elapsed time otherwise)."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bars = Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.bars.start()
        self.task: int | None = None

    def stage(self, name: str, total: float | None = None) -> None:
        self._finish()
        self.task = self.bars.add_task(name, total=total)

    def advance(self, amount: float) -> None:
        if self.task is not None:
            self.bars.advance(self.task, amount)

    def _finish(self) -> None:
        if self.task is not None:
            task = self.bars.tasks[self.task]
            self.bars.update(self.task, total=task.total or max(task.completed, 1.0), completed=task.total or max(task.completed, 1.0))

    def close(self) -> None:
        if self.bars.live.is_started:
            self._finish()
            self.bars.stop()


def progress_for(stream: IO[str] | None = None) -> Progress:
    """Bars for a terminal, status lines for anything else."""
    stream = stream or sys.stderr
    return Bars(stream) if stream.isatty() else StatusLines(stream)
