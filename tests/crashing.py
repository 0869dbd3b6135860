"""A module the spawned workers of the crash tests can import (test modules are not importable there)."""

from __future__ import annotations

import multiprocessing
import os
import time


def crash_on_three(value: int) -> int:
    """Kill the worker process on item 3, like a parser crashing on a hostile page."""
    if value == 3:
        os._exit(1)
    return value * 10


def die_on_start() -> None:
    """A worker initializer that kills the process before any work, like a broken main module."""
    os._exit(1)


def pid_and_tenfold(value: int) -> tuple[int, int]:
    """The process that handled ``value``, and ``value * 10``; kills its worker on item 3."""
    if value == 3 and multiprocessing.parent_process() is not None:
        os._exit(1)
    return os.getpid(), value * 10


def worker_pid(_: int) -> int:
    """The process that handled an item (spawned workers can import this module)."""
    return os.getpid()


def pid_then_sleep(seconds: int) -> int:
    """The worker's process id, after ``seconds`` of sleep (a batch that takes long)."""
    time.sleep(seconds)
    return os.getpid()
