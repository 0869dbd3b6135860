"""Peak memory against input size: it should follow the paragraphs kept, not the input bytes.

    python benchmarks/memory.py [--documents 20000]

Runs ``cleaner clean`` in a fresh process per corpus and prints its peak resident memory:

* corpora of N, 2N and 4N documents (memory grows with the paragraphs kept for dedup);
* the N-document corpus again with ten times more clutter per document (more input bytes,
  the same kept paragraphs: memory should hardly move).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from syndication import Generator

CLUTTER = ["Home | News | Sport | Weather", "Share this article", "Related stories", "Sign up for our newsletter"]

MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def write_corpus(path: Path, documents: int, clutter_repeats: int, seed: int = 3) -> int:
    generator = Generator(seed=seed)
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(documents):
            lines = [line for _ in range(clutter_repeats) for line in CLUTTER]
            body = "\n\n".join(generator.paragraph() for _ in range(5))
            handle.write(json.dumps({"id": f"d{index}", "text": "\n".join(lines) + "\n\n" + body + "\n\n" + "\n".join(lines)}) + "\n")
    return path.stat().st_size


def peak_mb(corpus: Path, out: Path) -> float:
    command = [sys.executable, "-m", "cleaner", "clean", str(corpus), "-o", str(out), "-q", "--workers", "2"]
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=20_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for factor, clutter in ((1, 1), (2, 1), (4, 1), (1, 10)):
            corpus = Path(tmp) / f"corpus-{factor}-{clutter}.jsonl"
            size = write_corpus(corpus, args.documents * factor, clutter)
            memory = peak_mb(corpus, Path(tmp) / f"out-{factor}-{clutter}")
            rows.append((args.documents * factor, clutter, size / 1e6, memory))
    base = rows[0][3]
    print(f"{'documents':>10}{'clutter':>9}{'input MB':>10}{'peak MB':>9}{'x base':>8}")
    for documents, clutter, size, memory in rows:
        print(f"{documents:>10}{clutter:>9}{size:>10.0f}{memory:>9.0f}{memory / base:>8.2f}")


if __name__ == "__main__":
    main()
