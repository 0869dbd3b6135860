"""The one place where every knob of a run lives.

Both the command line and the library fill a :class:`CleanConfig`; no stage reads
options from anywhere else, so a run is fully described by this object (it is written
to ``manifest.json`` as-is).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, get_args

from cleaner.duplicates.banding import choose_bands
from cleaner.duplicates.signatures import SignatureParams
from cleaner.duplicates.verify import MatchRule
from cleaner.errors import ConfigError

OutputFormat = Literal["parquet", "jsonl"]
Layout = Literal["tables", "huggingface"]
EngineName = Literal["local", "spark"]
PartitionKey = Literal["source", "date"]

MIN_PERMUTATIONS = 16
"""Fewer permutations estimate Jaccard similarity too roughly to band: the standard error of
a MinHash estimate is sqrt(J(1 - J) / k), 0.125 at J = 0.5 with 16 permutations."""


@dataclass(frozen=True)
class FieldMap:
    """Names of the record fields that carry each piece of a document.

    Records from JSONL, CSV and Parquet inputs often use their own names
    (``body``, ``content``, ``link``...); mapping them here keeps readers generic.
    """

    text: str = "text"
    html: str = "html"
    id: str = "id"
    url: str = "url"
    source: str = "source"
    title: str = "title"
    author: str = "author"
    date: str = "date"

    def __post_init__(self) -> None:
        """Refuse a name that is empty, or has an empty part (``body,``, ``doc..content``): it
        would match no record, and every record would become an error for it."""
        for piece in fields(self):
            spec = getattr(self, piece.name)
            if not isinstance(spec, str) or any(not part.strip() for name in spec.split(",") for part in name.split(".")):
                explained = f"{spec!r} is not a field name (names, comma-separated, dotted into nested objects)"
                raise ConfigError(f"{piece.name}_field", explained)


@dataclass(frozen=True)
class CleanConfig:
    """Parameters of one cleaning run.

    Defaults are the measured ones documented in the README; every field is
    recorded in the manifest so that a dataset says how it was made.
    """

    fields: FieldMap = field(default_factory=FieldMap)
    workers: int = 0
    """Worker processes for per-document work; 0 means one per core."""
    engine: EngineName = "local"
    """Where per-document work runs: ``local`` processes, or ``spark`` executors (``cleaner.engines``)."""
    spark_master: str | None = None
    """Spark master URL when cleaner starts the session itself (default ``local[workers]``)."""
    driver_edges: int = 50_000_000
    """Verified edges up to which connected components are found on the driver (union-find); with
    the Spark engine a larger graph is labelled on the cluster (large-star/small-star rounds)."""
    work_dir: str | None = None
    """Where the Spark engine exchanges Parquet files with its executors (default: a temporary
    folder; on a cluster, a folder every executor sees at the same path)."""
    batch_size: int = 1024
    """Documents per batch handed to a worker: large enough to amortise IPC."""
    batch_chars: int = 4_000_000
    """A batch also ends at this many characters of input, so heavy pages spread over workers
    (with one worker, at four times as many: ``inputs.ONE_WORKER_BATCH_CHARS``)."""
    output_format: OutputFormat = "parquet"
    layout: Layout = "tables"
    """``tables``: one file per table; ``huggingface``: shards ``<table>/train-00000-of-000NN``, the
    canonical ``clusters`` under ``data/``, and a dataset card that ``datasets.load_dataset`` reads."""
    shard_rows: int = 500_000
    """Rows per shard in the ``huggingface`` layout."""
    partition_by: PartitionKey | None = None
    """Split ``documents``, ``paragraphs`` and ``clusters`` into Hive folders by their document's
    ``source`` or ``date`` (by day) - ``tables`` layout and Parquet only."""

    strip: bool = True
    """Apply the boilerplate rules; ``False`` keeps every non-blank line (already clean text)."""
    keep_captions: bool = False
    keep_headings: bool = True
    line_model: bool = True
    """Text mode: let the learned line model revise the rules at their margins (``strip.line_model``)."""
    extra_patterns: tuple[tuple[str, str], ...] = ()
    """User-supplied ``(reason, regex)`` pairs that mark a whole line as boilerplate."""
    site_templates: bool = True
    """Remove short lines repeated across many documents of one source (a first pass counts them)."""
    template_min_documents: int = 3

    near_duplicates: bool = True
    """Find near-duplicate paragraphs (MinHash LSH + exact verification), not only exact copies."""
    jaccard_threshold: float = 0.5
    """Word-shingle Jaccard similarity at which two paragraphs are near-duplicates."""
    containment_threshold: float = 0.8
    """Share of the shorter paragraph's shingles found in the longer one that makes it "contained"."""
    min_contained_words: int = 8
    """The shorter side of a containment match needs at least this many shingles."""
    num_perm: int = 128
    seed: int = 1
    shingle_words: int = 3
    min_words_near: int = 6
    """Paragraphs with fewer words are only matched exactly: short lines would all collide."""
    max_bucket: int = 200
    """LSH buckets larger than this are linked as stars instead of all pairs."""
    index_dir: str | None = None
    """A dedup index folder: match against every earlier run's paragraphs (``duplicates.index``)."""

    min_paragraph_chars: int = 1
    """Paragraphs shorter than this (after cleaning) are removed with reason ``too-short``."""
    prefer_sources: tuple[str, ...] = ()
    """Sources whose copy of a duplicated paragraph becomes canonical first, in this order."""
    duplicate_doc_ratio: float = 0.8
    """Share of a document's paragraphs found in one other document that makes it a duplicate."""

    document_timeout: float = 30.0
    """Seconds one document may take to strip or extract before it is reported in ``errors``."""
    max_document_bytes: int = 20_000_000
    """A document (a text or HTML file, decompressed; a record; a web archive response) larger
    than this is reported in ``errors`` and not read: a gzip bomb or a 2 GB single line would
    otherwise take the run's memory (a 200 MB line needed 2.9 GB)."""
    limit: int | None = None
    """Read at most this many documents (a trial run on the start of a large input)."""
    allow_empty: bool = False
    """Accept inputs that give no document (an empty dataset) instead of failing the run."""
    follow_symlinks: bool = False
    """Read files that links inside an input folder point to outside it (else they are listed
    in ``errors`` as ignored)."""

    def __post_init__(self) -> None:
        """Refuse values no run can use, naming the field (the command line names its option)."""
        for name, kind in (("engine", EngineName), ("output_format", OutputFormat), ("layout", Layout)):
            if getattr(self, name) not in get_args(kind):
                raise ConfigError(name, f"{getattr(self, name)!r} is not one of {', '.join(get_args(kind))}")
        if self.partition_by is not None and self.partition_by not in get_args(PartitionKey):
            raise ConfigError("partition_by", f"{self.partition_by!r} is not one of {', '.join(get_args(PartitionKey))}")
        for name in ("jaccard_threshold", "containment_threshold", "duplicate_doc_ratio"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(name, f"{value} is outside (0, 1]")
        minimums = {
            "workers": 0, "driver_edges": 0, "batch_size": 1, "batch_chars": 1, "shard_rows": 1,
            "template_min_documents": 1, "min_contained_words": 1, "num_perm": MIN_PERMUTATIONS, "seed": 0,
            "shingle_words": 1, "min_words_near": 1, "max_bucket": 2, "min_paragraph_chars": 1, "max_document_bytes": 1,
        }
        for name, least in minimums.items():
            if getattr(self, name) < least:
                raise ConfigError(name, f"{getattr(self, name)} is below the minimum of {least}")
        if self.limit is not None and self.limit < 1:
            raise ConfigError("limit", f"{self.limit} is below the minimum of 1")
        if self.document_timeout < 0:
            raise ConfigError("document_timeout", f"{self.document_timeout} is negative (0 turns the limit off)")
        if self.partition_by is not None and (self.layout != "tables" or self.output_format != "parquet"):
            raise ConfigError("partition_by", "partitioned output needs the tables layout and Parquet output")

    def resolved_workers(self) -> int:
        """The number of worker processes to use (``0`` resolves to the core count)."""
        if self.workers > 0:
            return self.workers
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

    def with_options(self, **options: Any) -> CleanConfig:
        """Return a copy with ``options`` applied; field-map keys (``text_field``...) are accepted too."""
        field_options = {k[: -len("_field")]: options.pop(k) for k in list(options) if k.endswith("_field")}
        unknown = set(options) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
        config = replace(self, **options)
        if field_options:
            config = replace(config, fields=replace(config.fields, **field_options))
        return config

    def signature_params(self) -> SignatureParams:
        """The MinHash parameters (persisted with signatures and in the manifest) and the LSH
        banding that suits the Jaccard threshold: chosen here, once for the whole run."""
        bands, rows = choose_bands(self.jaccard_threshold, self.num_perm)
        return SignatureParams(
            num_perm=self.num_perm,
            seed=self.seed,
            shingle_words=self.shingle_words,
            min_words=self.min_words_near,
            bands=bands,
            rows=rows,
        )

    def signatures_needed(self) -> bool:
        """Whether paragraphs get signatures: for near-duplicates, and for an index (later
        runs may match near copies against it even when this one matches exact copies only)."""
        return self.near_duplicates or self.index_dir is not None

    def match_rule(self) -> MatchRule:
        """When two verified paragraphs count as copies."""
        return MatchRule(
            jaccard_threshold=self.jaccard_threshold,
            containment_threshold=self.containment_threshold,
            min_contained_words=self.min_contained_words,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description for the manifest."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CleanConfig:
        """The configuration :meth:`to_dict` described (a manifest's ``parameters``), so that
        a run can be repeated with the same parameters."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError(unknown[0], "is not a parameter of this version of cleaner")
        options = dict(values)
        options["fields"] = FieldMap(**options.get("fields", {}))
        options["extra_patterns"] = tuple(tuple(pair) for pair in options.get("extra_patterns", ()))
        options["prefer_sources"] = tuple(options.get("prefer_sources", ()))
        return cls(**options)
