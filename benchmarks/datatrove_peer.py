"""datatrove's MinHash deduplication, the four steps of its own example, on one JSON Lines file.

    python benchmarks/datatrove_peer.py PARAGRAPHS.jsonl WORK_DIR [--tasks 2]

Each record is one paragraph (``text``, ``id``). The steps run as datatrove runs them, with its
``LocalPipelineExecutor``: signatures (``--tasks`` tasks), buckets (one task per bucket),
clusters (one task), filter (``--tasks`` tasks, writing the kept records). The MinHash is
datatrove's default (word 5-grams, 14 buckets of 8 hashes), as its users run it; ``--matched``
sets it up like cleaner's default instead (word 3-grams, 42 buckets of 3 hashes, 64-bit hashes),
which costs datatrove about 2.5 times more (42 bucket tasks instead of 14).
Prints the wall time of the four steps together, in seconds, on its last line.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--matched", action="store_true", help="cleaner's shingles and banding instead of datatrove's defaults")
    args = parser.parse_args()

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    if args.matched:
        config = MinhashConfig(n_grams=3, num_buckets=42, hashes_per_bucket=3, hash_config=HashConfig(precision=64))
    else:
        config = MinhashConfig()
    work = args.work
    reader = JsonlReader(str(args.corpus.parent), glob_pattern=args.corpus.name, text_key="text", id_key="id")
    steps = [
        LocalPipelineExecutor(
            [reader, MinhashDedupSignature(output_folder=str(work / "signatures"), config=config)],
            tasks=args.tasks, workers=args.tasks, logging_dir=str(work / "logs1"),
        ),
        LocalPipelineExecutor(
            [MinhashDedupBuckets(input_folder=str(work / "signatures"), output_folder=str(work / "buckets"), config=config)],
            tasks=config.num_buckets, workers=args.tasks, logging_dir=str(work / "logs2"),
        ),
        LocalPipelineExecutor(
            [MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove_ids"), config=config)],
            tasks=1, logging_dir=str(work / "logs3"),
        ),
        LocalPipelineExecutor(
            [reader, MinhashDedupFilter(input_folder=str(work / "remove_ids")), JsonlWriter(str(work / "output"))],
            tasks=args.tasks, workers=args.tasks, logging_dir=str(work / "logs4"),
        ),
    ]
    started = time.perf_counter()
    for step in steps:
        step.run()
    print(f"{time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
