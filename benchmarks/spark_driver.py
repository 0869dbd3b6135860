"""The Spark engine's driver against corpus size, and its wall time against the local engine's.

    python benchmarks/spark_driver.py [--paragraphs 200000] [--factor 5] [--workers 2]

For corpora of N and factor x N paragraphs (``syndication.Generator``, written as JSON Lines
and cleaned with ``--no-strip``), runs in fresh processes:

* ``cleaner clean --engine local`` (wall time, peak memory of the process);
* ``cleaner clean --engine spark`` in ``local[workers]`` mode (wall time, and the peak
  resident memory of the driver's Python process itself, not of the JVM it starts);

checks that both wrote the same bytes, and prints the two ratios that issue #22 sets targets
for: the driver's peak at factor x N over its peak at N (at most 1.3), and the Spark run's
wall time over the local run's at factor x N (at most 2), both measured in this run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from peak import PRINT_PEAK_MB
from syndication import Generator, write_jsonl

TABLES = ("documents", "paragraphs", "clusters", "removed", "errors")

MEASURE = """
import sys, time
from cleaner.__main__ import main  # the command as users run it, with its allocator settings
sys.argv = ["cleaner", *sys.argv[1:]]
started = time.perf_counter()
try:
    main()
except SystemExit as exit:
    if exit.code:
        raise
print(time.perf_counter() - started)
""" + PRINT_PEAK_MB


def run(corpus: Path, out: Path, engine: str, workers: int) -> tuple[float, float]:
    """Wall seconds and the peak resident MB of the process that ran ``cleaner clean``."""
    command = [sys.executable, "-c", MEASURE, "clean", str(corpus), "-o", str(out), "--no-strip", "-q",
               "--workers", str(workers), "--engine", engine]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1]), float(result.stderr.strip().splitlines()[-1])


def same_bytes(first: Path, second: Path) -> bool:
    return all((first / f"{t}.parquet").read_bytes() == (second / f"{t}.parquet").read_bytes() for t in TABLES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=200_000)
    parser.add_argument("--factor", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.paragraphs, args.paragraphs * args.factor):
            corpus = Path(tmp) / f"corpus-{n}.jsonl"
            write_jsonl(Generator().corpus(n, boilerplate_share=0.02), corpus)
            local = run(corpus, Path(tmp) / f"local-{n}", "local", args.workers)
            spark = run(corpus, Path(tmp) / f"spark-{n}", "spark", args.workers)
            stages = json.loads((Path(tmp) / f"spark-{n}" / "manifest.json").read_text())["timings"]
            rows.append((n, local, spark, same_bytes(Path(tmp) / f"local-{n}", Path(tmp) / f"spark-{n}"), stages))
            corpus.unlink()
    print(f"{'paragraphs':>11}{'local s':>9}{'local MB':>10}{'spark s':>9}{'driver MB':>11}{'spark/local':>13}  same bytes")
    for n, (local_s, local_mb), (spark_s, driver_mb), same, _ in rows:
        print(f"{n:>11,}{local_s:>9.1f}{local_mb:>10.0f}{spark_s:>9.1f}{driver_mb:>11.0f}{spark_s / local_s:>12.2f}x  {same}")
    for n, _, _, _, stages in rows:
        print(f"spark stages at {n:,}: {stages}")
    small, large = rows
    print(f"driver peak at {large[0]:,} over {small[0]:,} paragraphs: {large[2][1] / small[2][1]:.2f}x (target at most 1.3x)")
    print(f"spark local[{args.workers}] wall time over the local engine's at {large[0]:,}: {large[2][0] / large[1][0]:.2f}x (target at most 2x)")


if __name__ == "__main__":
    main()
