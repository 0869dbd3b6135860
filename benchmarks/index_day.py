"""A small day against a large dedup index: memory should follow the day, not the index.

    python benchmarks/index_day.py                         # 1,000 paragraphs against 1,000,000
    python benchmarks/index_day.py --index-paragraphs 200000

Builds an index of ``--index-paragraphs`` generated paragraphs (``benchmarks/syndication.py``,
one ``cleaner clean --no-strip --index`` run), then cleans a day of ``--day-paragraphs`` more
from the same stories (so some of its paragraphs are copies of indexed ones), each in a fresh
process, and prints the peak resident memory and wall time of:

* the day without the index (the baseline: what the day costs by itself);
* the day against the index, read by key (only the neighbourhood of today's paragraphs);
* the day against the index loaded whole, as before (``todays_keys`` switched off);

with the ratios, how many indexed paragraphs each read, and whether both index runs wrote the
same tables.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import PRINT_PEAK_MB
from syndication import Generator, write_jsonl

from cleaner.schemas import OUTPUT_TABLES

RUN = """
import sys
from cleaner import pipeline
from cleaner.cli import main
if sys.argv[1] == "whole":
    pipeline.todays_keys = lambda mapped: None
sys.argv = ["cleaner", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
""" + PRINT_PEAK_MB


def run(mode: str, corpus: Path, out: Path, *options: str) -> tuple[float, float]:
    """Wall seconds and peak MB of one ``cleaner clean`` in a fresh process."""
    command = [sys.executable, "-c", RUN, mode, "clean", str(corpus), "-o", str(out), "--no-strip", "-q", "--workers", "2", *options]
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, float(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-paragraphs", type=int, default=1_000_000)
    parser.add_argument("--day-paragraphs", type=int, default=1_000)
    args = parser.parse_args()
    generated = Generator(seed=5).corpus(args.index_paragraphs + args.day_paragraphs, boilerplate_share=0.02)
    documents = sorted({p.doc_id for p in generated}, key=lambda doc: int(doc[1:]))
    day_documents = set(documents[-(args.day_paragraphs // 8) :])
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        write_jsonl([p for p in generated if p.doc_id not in day_documents], tmp / "history.jsonl")
        write_jsonl([p for p in generated if p.doc_id in day_documents], tmp / "day.jsonl")
        seconds, peak = run("near", tmp / "history.jsonl", tmp / "history", "--index", str(tmp / "index"))
        meta = json.loads((tmp / "index" / "meta.json").read_text())
        print(f"index: {meta['paragraphs']:,} paragraphs, {sum(f.stat().st_size for f in (tmp / 'index').glob('part-*')) / 1e6:,.0f} MB "
              f"on disk, built in {seconds:.1f} s (peak {peak:,.0f} MB)")
        figures = {}
        for name, mode, options in (
            ("day alone", "near", ()),
            ("day, index read by key", "near", ("--index", str(tmp / "index"))),
            ("day, index loaded whole", "whole", ("--index", str(tmp / "index"))),
        ):
            out = tmp / name.replace(" ", "-").replace(",", "")
            if options:  # each day starts from the same index, at the same path (a run adds itself to it)
                shutil.rmtree(tmp / "day-index", ignore_errors=True)
                shutil.copytree(tmp / "index", tmp / "day-index")
                options = ("--index", str(tmp / "day-index"))
            figures[name] = (*run(mode, tmp / "day.jsonl", out, *options), out)
        baseline_peak = figures["day alone"][1]
        print(f"{'run':28s} {'seconds':>8s} {'peak MB':>8s} {'x alone':>8s}  index paragraphs read")
        for name, (seconds, peak, out) in figures.items():
            manifest = json.loads((out / "manifest.json").read_text())
            loaded = (manifest["dedup"].get("index") or {}).get("paragraphs_loaded", 0)
            print(f"{name:28s} {seconds:8.2f} {peak:8,.0f} {peak / baseline_peak:7.2f}x  {loaded:,}")
        by_key, whole = figures["day, index read by key"][2], figures["day, index loaded whole"][2]
        same = all((by_key / f"{t}.parquet").read_bytes() == (whole / f"{t}.parquet").read_bytes() for t in OUTPUT_TABLES)
        print(f"tables of the two index runs byte-identical: {same}")
        print(f"peak with the index read by key: {figures['day, index read by key'][1]:,.0f} MB (target under 500 MB)")


if __name__ == "__main__":
    main()
