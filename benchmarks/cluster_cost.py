"""What deduplicating 1B paragraphs on a cluster would cost, from stage costs measured here.

    python benchmarks/cluster_cost.py                          # 200k generated paragraphs, local engine
    python benchmarks/cluster_cost.py --engine spark           # every stage measured as Spark jobs, local[N]
    python benchmarks/cluster_cost.py --core-hour-price 0.05   # your cloud's price per vCPU-hour

One ``cleaner clean --no-strip`` run on a generated syndication corpus (benchmarks/syndication.py)
gives, per stage, the core-seconds spent (wall time x cores busy) and the rows and bytes
that the stage produces; the bytes are what a distributed run would shuffle or write between
stages (measured as zstd Parquet, like the engines write them, and as raw in-memory size).
Both are scaled linearly to ``--target`` paragraphs: every stage is linear in the paragraphs
for this kind of corpus (LSH buckets above ``max_bucket`` become stars, so pairs do not grow
quadratically). The model is printed with its assumptions, so it can be argued with:

* read (on Spark: the executors read the files, a JSON-lines export in parts) and map (split,
  normalise, shingle, MinHash, band keys): embarrassingly parallel;
* candidates: a shuffle of one (band key, paragraph id) row per band and representative;
* verification: a join of each candidate pair with both sides' shingle sets;
* clusters: connected components over the verified edges (large-star/small-star rounds);
* canonical: a shuffle of every paragraph's (cluster, rank) row, then the output write.

With ``--engine spark`` every stage is measured as the Spark jobs it runs as
(``cleaner.engines.spark_dedup``): core-seconds are each job's wall time x the cores of
``local[N]`` (an upper bound: not every task keeps every core busy), bytes are the Parquet
each job wrote (``manifest.dedup.parquet_bytes``: what a cluster stores or shuffles between
stages), and the driver's memory is split into a constant and a per-document part (the only
part of the driver that grows with the data), which is what would limit a 1B-paragraph run.

Stripping boilerplate or extracting HTML adds to the map stage only; benchmarks/text_strip.py
and benchmarks/html_extract.py give their pages per second per core.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import tempfile
import time
from pathlib import Path

import polars as pl
from syndication import Generator, write_jsonl

import cleaner

COMPONENT_ROUNDS = 6
"""Large-star/small-star rounds assumed for connected components (each shuffles every edge):
components here are stars of a few members, which converge in a handful of rounds."""


BAND_ROW_BYTES = 28
"""A band-key row as Spark shuffles it (rid, band, key, bucket: 8 + 4 + 8 + 8 bytes): the
candidates job's shuffle is not written as Parquet, so it is counted from its rows."""


def parquet_bytes(frame: pl.DataFrame) -> int:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.tell()


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000:
            return f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} EB"


def print_stages(stages: list, scale: float, shuffle_mb_per_core_second: float) -> float:
    """The table of stages (name, core-seconds, Parquet bytes, in-memory bytes or None, what
    moves) scaled by ``scale``; returns the vCPU-hours in all."""
    print(f"{'stage':32} {'compute h':>10} {'shuffle h':>10} {'bytes (Parquet)':>16} {'bytes (memory)':>15}  what moves")
    total_compute = total_shuffle = 0.0
    for name, core_seconds, on_disk, in_memory, what in stages:
        compute = core_seconds * scale / 3600
        shuffle = on_disk * scale / (shuffle_mb_per_core_second * 1e6) / 3600
        total_compute += compute
        total_shuffle += shuffle
        memory = human(in_memory * scale) if in_memory is not None else "-"
        print(f"{name:32} {compute:10,.1f} {shuffle:10,.1f} {human(on_disk * scale):>16} {memory:>15}  {what}")
    print(f"{'total (vCPU-hours)':32} {total_compute:10,.1f} {total_shuffle:10,.1f}")
    return total_compute + total_shuffle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=["local", "spark"], default="local")
    parser.add_argument("--target", type=float, default=1e9, help="paragraphs to estimate for")
    parser.add_argument("--core-hour-price", type=float, default=0.05, help="USD per vCPU-hour (on-demand, general purpose)")
    parser.add_argument(
        "--shuffle-mb-per-core-second", type=float, default=50.0,
        help="shuffle throughput (serialise, spill, network, read) one vCPU sustains; 50 MB/s is a common Spark figure",
    )
    args = parser.parse_args()

    generated = Generator().corpus(args.paragraphs)
    if args.engine == "spark":
        spark_estimate(generated, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_jsonl(generated, corpus)
        started = time.perf_counter()
        result = cleaner.clean(corpus, strip=False, workers=args.workers, engine=args.engine, index_dir=str(Path(tmp) / "index"))
        wall = time.perf_counter() - started
        input_bytes = corpus.stat().st_size
    n = result.paragraphs.height
    scale = args.target / n
    timings, dedup = result.manifest["timings"], result.manifest["dedup"]
    steps = dedup["seconds"]
    rows = result.index_rows
    assert rows is not None
    bands = int(dedup["banding"]["bands"])
    representatives = int(dedup["representatives"])
    pairs = int(dedup["candidate_pairs"])
    edges = int(dedup["near_edges"]) + int(dedup["contained_edges"])
    shingle_bytes = rows["shingles"].list.len().cast(pl.Int64).sum() * 8 / n

    # core-seconds: the map stage keeps every worker busy; the driver-side steps are counted
    # at one core (Polars uses more at times, so this is a lower bound for them).
    map_core_seconds = timings["read_strip_extract"] * args.workers
    stages = [
        ("map: read, normalise, sign", map_core_seconds,
         parquet_bytes(rows.select("doc_id", "position", "text", "para_id", "norm_key", "n_tokens", "shingles", "band_keys", "anchors")),
         rows.estimated_size(), "written once (Parquet spill / mapInArrow output)"),
        ("candidates: band buckets", steps["representatives"] + steps["candidates"],
         representatives * bands * 16, representatives * bands * 16, f"shuffled: {bands} (key, id) rows per representative"),
        ("verification: exact Jaccard", steps["verification"],
         int(pairs * 2 * shingle_bytes), int(pairs * 2 * shingle_bytes), "shuffled: both sides' shingle sets per candidate pair"),
        ("clusters: components, stars", steps["star_clusters"] + steps["assignment"],
         edges * 16 * COMPONENT_ROUNDS, edges * 16 * COMPONENT_ROUNDS, f"shuffled: every edge in each of {COMPONENT_ROUNDS} rounds"),
        ("canonical + write", timings["canonical"] + max(0.0, wall - timings["total"]),
         parquet_bytes(result.paragraphs) + parquet_bytes(result.clusters) + parquet_bytes(result.documents),
         result.paragraphs.estimated_size() + result.clusters.estimated_size() + result.documents.estimated_size(),
         "shuffled (cluster, rank) rows, then the output tables"),
    ]
    print(f"measured: {n:,} paragraphs ({human(input_bytes)} of JSON Lines), engine {args.engine}, {args.workers} workers, "
          f"{wall:.1f} s wall; {representatives:,} representatives, {bands} bands, {pairs:,} candidate pairs, {edges:,} edges, "
          f"{shingle_bytes:.0f} B of shingles per paragraph")
    print(f"scaled linearly to {args.target:,.0f} paragraphs (x{scale:,.0f}):")
    core_hours = print_stages(stages, scale, args.shuffle_mb_per_core_second)
    print(f"estimate for {args.target:,.0f} paragraphs: {core_hours:,.0f} vCPU-hours, ${core_hours * args.core_hour_price:,.2f} "
          f"at ${args.core_hour_price:.3f} per vCPU-hour (about {math.ceil(core_hours / 64):,} h on 64 vCPUs), "
          "plus storage of the Parquet bytes and the cluster's idle overhead")
    print("shuffle hours: the Parquet bytes at --shuffle-mb-per-core-second; the relational steps were measured on one "
          "driver with Polars and would run as Spark shuffles at that size.")


def spark_estimate(generated: list, args: argparse.Namespace) -> None:
    """The estimate from a run whose every stage was a Spark job (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_jsonl(generated, corpus)
        started = time.perf_counter()
        result = cleaner.clean(corpus, strip=False, workers=args.workers, engine="spark")
        wall = time.perf_counter() - started
    n = result.paragraphs.height
    documents = result.documents.height
    scale = args.target / n
    timings, dedup = result.manifest["timings"], result.manifest["dedup"]
    steps, written = dedup["seconds"], dedup["parquet_bytes"]
    cores = args.workers
    read = timings.get("read", 0.0)  # files read on the executors (spark_read), counted apart from the map
    stages = [
        ("read: files on the executors", read * cores, written.get("read", 0), None,
         "written once (the rows read; order and ids are joined on as they are scanned)"),
        ("map: normalise, sign", (timings["read_strip_extract"] - read) * cores, written["map_output"], None,
         "written once (mapInArrow output)"),
        ("representatives", steps["representatives"] * cores, written["representatives"], None,
         "shuffled: every paragraph's signatures, by text"),
        ("candidates: band buckets", steps["candidates"] * cores,
         written["pairs"] + int(dedup["with_signature"]) * int(dedup["banding"]["bands"]) * BAND_ROW_BYTES, None,
         "shuffled: a (band key, id) row per band and representative, then the pairs"),
        ("verification: exact Jaccard", steps["verification"] * cores, written["edges"], None,
         "shuffled: both sides' shingle sets per pair"),
        ("clusters: components, stars", steps["star_clusters"] * cores, written["stars"], None,
         "shuffled: every edge per round, then by component"),
        ("canonical, provenance, order", (steps["assignment"] + timings["assemble_tables"]) * cores,
         sum(written[name] for name in ("assigned", "provenance", "document_fields", "assigned_in_order")), None,
         "shuffled: every paragraph's (cluster, rank) row, twice"),
    ]
    print(f"measured: {n:,} paragraphs in {documents:,} documents, Spark local[{cores}], {wall:.1f} s wall; "
          f"{dedup['representatives']:,} representatives, {dedup['candidate_pairs']:,} candidate pairs")
    print(f"scaled linearly to {args.target:,.0f} paragraphs (x{scale:,.0f}):")
    core_hours = print_stages(stages, scale, args.shuffle_mb_per_core_second)
    print(f"estimate for {args.target:,.0f} paragraphs: {core_hours:,.0f} vCPU-hours, ${core_hours * args.core_hour_price:,.2f} "
          f"at ${args.core_hour_price:.3f} per vCPU-hour")
    per_document = result.documents.drop("text").estimated_size() / max(documents, 1)
    driver_mb = result.manifest["peak_memory_mb_after_stage"]["driver"]
    target_documents = documents * scale
    print(f"driver: {driver_mb:,.0f} MB peak here; what grows is per document (identity, metadata, errors: about "
          f"{per_document:,.0f} B each), so {target_documents:,.0f} documents need about "
          f"{human(per_document * target_documents)} more on the driver: the limit of a 1B-paragraph run today")
    largest_task = max(written.values()) / max(1, 4 * cores)
    print(f"executors: each task holds one partition of one job; at {cores * 4} shuffle partitions here the largest job "
          f"wrote {human(max(written.values()))}, so at the target size keep spark.sql.shuffle.partitions near "
          f"{max(written.values()) * scale / 128e6:,.0f} (128 MB per task, about {human(largest_task)} per task here); "
          "the one unbounded task is the largest connected component of verified copies (all its shingle sets at once)")


if __name__ == "__main__":
    main()
