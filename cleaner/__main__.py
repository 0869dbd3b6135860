"""The ``cleaner`` command and ``python -m cleaner``: Polars' allocator and numba's start set up
for a whole run, then the command line (``cleaner.cli``)."""

from __future__ import annotations

import os

POLARS_ALLOCATOR = "dirty_decay_ms:5000,muzzy_decay_ms:0"
"""jemalloc's settings for Polars in a command's process (``_RJEM_MALLOC_CONF``, read when
Polars loads, so set before it is imported; a value already in the environment wins).

With Polars' own settings, memory a stage frees goes back to the system at once and the next
stage faults it in again: a 1M-paragraph ``--no-strip`` run took 1.9 million page faults and
6.5-7.2 s of system time. Keeping freed pages 5 s: 1.2 million faults, 4.8 s, wall time
24.0-24.5 s -> 22.5-23.1 s, peak 1.72 -> 1.88 GB; at 10M paragraphs 331 s -> 282 s, peak
7.38 -> 7.76 GB (``/usr/bin/time -v``, ``benchmarks/syndication.py`` paragraphs). 2 s kept
half the gain; never returning pages, 2.44 GB at 1M. A library caller's process keeps its own
settings: ``import cleaner`` changes nothing."""


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR)
    os.environ["_CLEANER_COMMAND_PROCESS"] = "1"  # cleaner.compiled.COMMAND_PROCESS: no BLAS probe
    from cleaner.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
