"""Near-duplicate paragraphs: quality against exact ground truth, and speed against datasketch.

    python benchmarks/dedup.py                      # 100k paragraphs, with the datasketch baseline
    python benchmarks/dedup.py --paragraphs 1000000 --no-baseline
    python benchmarks/dedup.py --paragraphs 1000000 --no-baseline --no-truth --engine both --repeat 1

Prints, for a generated multi-source corpus with known edits (benchmarks/syndication.py):

* candidate recall of cleaner's LSH + sentence anchors for pairs at Jaccard >= 0.8, >= 0.5
  and containment >= 0.8, measured against all pairs' exact similarities;
* final pair recall and precision: against the match rule (pairs that satisfy it and share a
  cluster), and against provenance (pairs derived from the same story paragraph);
* wall time and peak memory of the whole ``cleaner clean --no-strip`` (a subprocess: read,
  signatures, candidates, verification, clusters, write), and the time of datasketch's
  ``MinHash.bulk`` + ``MinHashLSH`` insert/query + union-find on the same shingles in the same
  run, with the ratio. Each side runs ``--repeat`` times and the best of each is compared, so
  that a burst of load on a shared machine does not decide the ratio (cleaner runs first,
  while this process is small: a child's peak memory would otherwise count the pages it
  shares with a large parent after ``fork``). The
  baseline is given ready-made shingles, so the ratio is conservative;
* the signature kernel alone (normalised text to band keys, one core) in paragraphs per second,
  compiled as in the ``cleaner`` command's processes (the machine's widest vectors) and as in a
  library caller's (numba's defaults), and what loading it costs a fresh process with and
  without numba's cache;
* datatrove's MinHash pipeline (its four steps with ``LocalPipelineExecutor``, ``--workers``
  tasks; ``benchmarks/datatrove_peer.py``) on the same paragraphs, one record each, once, with
  the ratio (skipped, and said so, when datatrove is not installed).

``--engine spark`` runs cleaner on Spark in ``local[WORKERS]`` mode instead; ``--engine both``
runs the local engine, then Spark, prints both and checks that their tables are identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
from syndication import Generator, exact_pairs, write_jsonl

from cleaner.compiled import COMMAND_PROCESS
from cleaner.config import CleanConfig
from cleaner.duplicates.banding import BandLists
from cleaner.duplicates.candidates import candidate_pairs
from cleaner.duplicates.keys import signature_columns
from cleaner.duplicates.signatures import SignatureParams, shingle_hash, shingles_of
from cleaner.normalize import exact_form, normalize_text, words

BOILERPLATE_SHARE = 0.02
"""About one paragraph in fifty is a short boilerplate line in an outlet's own punctuation."""


def run_cleaner(corpus: Path, out: Path, workers: int, engine: str = "local") -> tuple[float, float]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", str(corpus), "-o", str(out), "--no-strip", "--workers", str(workers),
         "--engine", engine, "-q"],
        check=True,
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


def compare_with_spark(corpus: Path, tmp: Path, workers: int) -> None:
    """Run the Spark engine on the corpus and compare its tables with the local run's (``out0``)."""
    seconds, peak_mb = run_cleaner(corpus, tmp / "spark", workers, "spark")
    print(f"cleaner clean --no-strip --engine spark (local[{workers}]): {seconds:.2f} s, peak memory {peak_mb:,.0f} MB"
          " (largest process, driver or JVM)")
    print(f"  stages: {json.loads((tmp / 'spark' / 'manifest.json').read_text())['timings']}")
    for table in ("documents", "paragraphs", "clusters", "removed", "errors"):
        same = pl.read_parquet(tmp / "out0" / f"{table}.parquet").equals(pl.read_parquet(tmp / "spark" / f"{table}.parquet"))
        print(f"  {table}: {'identical' if same else 'DIFFERENT'} to the local engine's")


def run_datasketch(shingle_bytes: list[list[bytes]], threshold: float) -> float:
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    minhashes = MinHash.bulk(shingle_bytes, num_perm=128)
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    for index, minhash in enumerate(minhashes):
        lsh.insert(index, minhash)
    parent = list(range(len(minhashes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for index, minhash in enumerate(minhashes):
        for other in lsh.query(minhash):
            ra, rb = find(index), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return time.perf_counter() - started


def run_datatrove(generated: list, tmp: Path, tasks: int) -> float | None:
    """datatrove's MinHash pipeline (``datatrove_peer.py``) on the same paragraphs, one record
    each; ``None`` when datatrove is not installed (``pip install datatrove tokenizers spacy 'xxhash<4'``:
    datatrove 0.10 hashes strings, which xxhash 4 refuses; its
    English word tokenizer is spaCy's blank one, no model)."""
    if importlib.util.find_spec("datatrove") is None:
        print("datatrove: not installed (pip install datatrove tokenizers spacy 'xxhash<4'): its pipeline is not measured")
        return None
    corpus = tmp / "datatrove-input" / "paragraphs.jsonl"
    corpus.parent.mkdir()
    with open(corpus, "w", encoding="utf-8") as handle:
        for index, paragraph in enumerate(generated):
            handle.write(json.dumps({"id": str(index), "text": paragraph.text}) + "\n")
    run = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "datatrove_peer.py"), str(corpus), str(tmp / "datatrove-work"), "--tasks", str(tasks)],
        capture_output=True, text=True, check=True,
    )
    return float(run.stdout.strip().splitlines()[-1])


KERNEL_LOAD = """
import time
started = time.perf_counter()
from cleaner.duplicates import kernel
import numpy as np
shingles, counts = kernel.fold_shingles(np.arange(8, dtype=np.uint64), np.array([8], dtype=np.int64), 3, 6)
kernel.minhash_band_keys(shingles, counts, np.ones(4, dtype=np.uint64), np.ones(4, dtype=np.uint64), 2, 2)
print(time.perf_counter() - started)
"""


KERNEL_RATE = """
import sys, time
import polars as pl
from cleaner.duplicates.banding import band_keys
from cleaner.duplicates.signatures import SignatureParams, scan_tokens, shingle_hashes
normalized = pl.read_parquet(sys.argv[1])["n"]
batch = int(sys.argv[2])
params = SignatureParams(**{key: int(value) for key, value in (item.split("=") for item in sys.argv[3:])})
band_keys(shingle_hashes(normalized.head(10), params), params)
batches = [normalized.slice(start, batch) for start in range(0, len(normalized), batch)]
parts = {"word hashes": float("inf"), "shingles, MinHash, band keys": float("inf")}
for _ in range(5):
    hashing = rest = 0.0
    for paragraphs in batches:
        started = time.perf_counter()
        hashed = scan_tokens(paragraphs).hashed
        hashed_at = time.perf_counter()
        band_keys(shingle_hashes(paragraphs, params, hashed), params)
        hashing += hashed_at - started
        rest += time.perf_counter() - hashed_at
    parts["word hashes"] = min(parts["word hashes"], hashing)
    parts["shingles, MinHash, band keys"] = min(parts["shingles, MinHash, band keys"], rest)
print(parts["word hashes"], parts["shingles, MinHash, band keys"])
"""

KERNEL_BATCH = 8192
"""Paragraphs per call of the kernel in its measurement: what the map stage hands it here (a
batch of 1,024 documents of 8 paragraphs). One call on all 100,000 at once spends 16% more,
faulting in fresh pages for its larger arrays (33,000 faults, measured)."""


def measure_kernel(texts: list[str], params: SignatureParams) -> None:
    """The map stage's signature kernel alone, in a fresh process on one core
    (``POLARS_MAX_THREADS=1``), in batches of :data:`KERNEL_BATCH`: the normalised paragraphs'
    bytes -> words and their hashes -> shingle hashes -> MinHash -> band keys (best of 5), compiled
    as the ``cleaner`` command's processes compile it and as a library caller's process does, and
    what loading it costs a fresh process of the command, with an empty cache (a compile) and
    with the cache it left."""
    with tempfile.TemporaryDirectory() as folder:
        pl.DataFrame({"n": texts}).write_parquet(Path(folder) / "texts.parquet")
        settings = [f"{key}={getattr(params, key)}" for key in ("num_perm", "seed", "shingle_words", "char_ngram", "min_words", "bands", "rows")]
        rates = {}
        unmarked = {key: value for key, value in os.environ.items() if key != COMMAND_PROCESS}
        for process, marker in (("the cleaner command's", {COMMAND_PROCESS: "1"}), ("a library caller's", {})):
            done = subprocess.run([sys.executable, "-c", KERNEL_RATE, str(Path(folder) / "texts.parquet"), str(KERNEL_BATCH), *settings],
                                  env={**unmarked, **marker, "POLARS_MAX_THREADS": "1"}, capture_output=True, text=True, check=True)
            rates[process] = tuple(map(float, done.stdout.split()))
        hashing, kernel = rates["the cleaner command's"]
        environment = {**os.environ, COMMAND_PROCESS: "1", "NUMBA_CACHE_DIR": str(Path(folder) / "cache")}
        loads = [float(subprocess.run([sys.executable, "-c", KERNEL_LOAD], env=environment, capture_output=True, text=True,
                                      check=True).stdout) for _ in range(2)]
    print(f"signature kernel alone (normalised text -> word hashes -> shingles -> MinHash -> band keys, one core, "
          f"batches of {KERNEL_BATCH:,}): "
          f"{len(texts) / (hashing + kernel):,.0f} paragraphs/s (target 400,000); from the word hashes on: "
          f"{len(texts) / kernel:,.0f}")
    library = rates["a library caller's"]
    print(f"  compiled as in a library caller's process (numba's own vector width, 256 bits on this kind of processor; "
          f"``cleaner.compiled._prefer_full_width_vectors``): {len(texts) / sum(library):,.0f} paragraphs/s; from the word "
          f"hashes on: {len(texts) / library[1]:,.0f}")
    print(f"  a fresh process loads the kernel in {loads[0]:.2f} s with an empty cache (compiles), {loads[1]:.2f} s from its cache")


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-truth", action="store_true", help="skip the exact all-pairs ground truth (speed only)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side; the best of each is compared")
    parser.add_argument("--engine", choices=["local", "spark", "both"], default="local")
    args = parser.parse_args()

    config = CleanConfig()
    params = config.signature_params()
    rule = config.match_rule()
    generated = Generator().corpus(args.paragraphs, boilerplate_share=BOILERPLATE_SHARE)
    print(f"corpus: {len(generated):,} paragraphs, {len({p.doc_id for p in generated}):,} documents, "
          f"{sum(p.origin >= 0 and p.edit != 'original' for p in generated):,} edited copies")

    cleaner_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_jsonl(generated, corpus)
        engine = "local" if args.engine == "both" else args.engine
        for attempt in range(args.repeat):
            seconds, peak_mb = run_cleaner(corpus, Path(tmp) / f"out{attempt}", args.workers, engine)
            cleaner_times.append(seconds)
        paragraphs = pl.read_parquet(Path(tmp) / "out0" / "paragraphs.parquet")
        manifest = json.loads((Path(tmp) / "out0" / "manifest.json").read_text())
        print(f"cleaner clean --no-strip --engine {engine} --workers {args.workers}: {min(cleaner_times):.2f} s best of "
              f"{', '.join(f'{t:.2f}' for t in cleaner_times)} ({len(generated) / min(cleaner_times):,.0f} paragraphs/s), "
              f"peak memory {peak_mb:,.0f} MB")
        print(f"  stages: {manifest['timings']}")
        print(f"  dedup steps: {manifest['dedup']['seconds']}; peak MB after stage: {manifest['peak_memory_mb_after_stage']}")
        if args.engine == "both":
            compare_with_spark(corpus, Path(tmp), args.workers)
        datatrove_seconds = None if args.no_baseline else run_datatrove(generated, Path(tmp), args.workers)
    texts = [normalize_text(p.text) for p in generated]
    measure_kernel(texts, params)
    shingle_bytes = [shingles_of(t, params) for t in texts]
    baseline_times = [
        run_datasketch([s or [b""] for s in shingle_bytes], config.jaccard_threshold)
        for _ in range(0 if args.no_baseline else args.repeat)
    ]
    cleaner_seconds = min(cleaner_times)
    if baseline_times:
        baseline = min(baseline_times)
        print(f"datasketch MinHash.bulk + MinHashLSH + union-find: {baseline:.2f} s best of "
              f"{', '.join(f'{t:.2f}' for t in baseline_times)} ({len(generated) / baseline:,.0f} paragraphs/s)")
        print(f"speed-up of the whole cleaner run over the datasketch core (best against best): {baseline / cleaner_seconds:.2f}x")
    if datatrove_seconds is not None:
        print(f"datatrove MinHash pipeline (its defaults; signatures, buckets, clusters, filter; LocalPipelineExecutor, {args.workers} tasks): "
              f"{datatrove_seconds:.2f} s ({len(generated) / datatrove_seconds:,.0f} paragraphs/s)")
        print(f"speed-up of the whole cleaner run over datatrove's pipeline: {datatrove_seconds / cleaner_seconds:.2f}x")
    if args.no_truth:
        return

    index_of = {p.para_id: i for i, p in enumerate(generated)}
    cluster_of = dict(zip((index_of[p] for p in paragraphs["para_id"]), paragraphs["cluster_id"]))
    shingle_sets = [{shingle_hash(s) for s in shingles} for shingles in shingle_bytes]
    truth = {"jaccard>=0.8": set(), "jaccard>=0.5": set(), "containment>=0.8": set(), "rule": set()}
    for a, b, jaccard, containment in exact_pairs(shingle_sets):
        small = min(len(shingle_sets[a]), len(shingle_sets[b]))
        if jaccard >= 0.8:
            truth["jaccard>=0.8"].add((a, b))
        if jaccard >= 0.5:
            truth["jaccard>=0.5"].add((a, b))
        if containment >= 0.8 and small >= rule.min_contained_words:
            truth["containment>=0.8"].add((a, b))
        if jaccard >= rule.jaccard_threshold or (containment >= rule.containment_threshold and small >= rule.min_contained_words):
            truth["rule"].add((a, b))

    # short lines have no shingles and only match exactly: their close copies are the lines with
    # the same words (Jaccard 1 on words), whatever their punctuation, case and spacing
    short_groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        if not shingle_sets[index]:
            short_groups[tuple(words(text))].append(index)
    short_pairs = {(a, b) for group in short_groups.values() for i, a in enumerate(group) for b in group[i + 1 :]}
    print(f"short lines with the same words (close copies that only match exactly): {len(short_pairs):,} pairs")

    shingles, band_key_lists, anchors = signature_columns(pl.Series("text", texts), config.signature_params(), config.min_contained_words)
    candidates = candidate_pairs(BandLists.from_lists(band_key_lists), anchors, np.arange(len(texts)), config.max_bucket)
    candidate_set = set(zip(candidates["a"].to_list(), candidates["b"].to_list()))
    print(f"candidate pairs: {len(candidate_set):,}")
    for name in ("jaccard>=0.8", "jaccard>=0.5", "containment>=0.8"):
        pairs = truth[name]
        print(f"  candidate recall at {name}: {ratio(len(pairs & candidate_set), len(pairs))} ({len(pairs):,} true pairs)")

    members: dict[str, list[int]] = defaultdict(list)
    for index, cluster in cluster_of.items():
        members[cluster].append(index)
    clustered = {(min(a, b), max(a, b)) for group in members.values() for i, a in enumerate(group) for b in group[i + 1 :]}
    rule_pairs = truth["rule"] | short_pairs
    print(f"final pairs in a shared cluster: {len(clustered):,}")
    print(f"  recall of pairs satisfying the match rule: {ratio(len(rule_pairs & clustered), len(rule_pairs))}")
    close = truth["jaccard>=0.8"] | short_pairs
    print(f"  recall of close copies (jaccard>=0.8) in one cluster: {ratio(len(close & clustered), len(close))} "
          f"({len(close - clustered):,} pairs apart, {len(short_pairs - clustered):,} of them short lines)")
    canonical_of = dict(
        paragraphs.filter(pl.col("is_canonical")).select("cluster_id", pl.col("para_id").replace_strict(index_of)).iter_rows()
    )
    forms = [exact_form(text) for text in texts]
    below = [
        index for index, cluster in cluster_of.items()
        if (centre := canonical_of[cluster]) != index and forms[centre] != forms[index]
        and (min(index, centre), max(index, centre)) not in rule_pairs
    ]
    print(f"  members below the match rule against their own canonical: {len(below):,} of {len(cluster_of):,}")
    print(f"  precision against the match rule: {ratio(len(rule_pairs & clustered), len(clustered))}")
    origin = [p.origin for p in generated]
    by_origin: dict[int, list[int]] = defaultdict(list)
    for index, value in enumerate(origin):
        if value != -1:  # a story paragraph, or one boilerplate line (-2 - line)
            by_origin[value].append(index)
    provenance = {(a, b) for group in by_origin.values() for i, a in enumerate(sorted(group)) for b in sorted(group)[i + 1 :]}
    print(f"  provenance recall (copies of one story paragraph clustered together): {ratio(len(provenance & clustered), len(provenance))}")
    print(f"  provenance precision (clustered pairs that share a story paragraph): {ratio(len(provenance & clustered), len(clustered))}")


if __name__ == "__main__":
    main()
