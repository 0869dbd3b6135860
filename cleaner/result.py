"""What a run returns: its tables (on disk until asked for), its errors and its manifest."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cleaner import schemas
from cleaner.config import CleanConfig, OutputFormat
from cleaner.duplicates.index import DedupIndex
from cleaner.errors import IndexCorruptError
from cleaner.inputs import PathLike
from cleaner.manifest import parquet_metadata
from cleaner.tables.place import check_locations
from cleaner.tables.removed_log import RemovedLog
from cleaner.tables.spill import SpillTable
from cleaner.tables.write import Partitioning, write_output


@dataclass
class CleanResult:
    """The tables of one run, plus its manifest.

    The tables stay in the run's work folder until first asked for (``result.paragraphs``
    reads it then), and :meth:`write` copies them into place without reading them whole, so
    a run larger than memory can still be written.
    """

    stored: dict[str, SpillTable]
    """``documents``, ``paragraphs``, ``clusters`` and ``removed`` on disk (see ``tables.spill``)."""
    errors: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    config: CleanConfig = field(default_factory=CleanConfig)
    index_rows: pl.DataFrame | None = None
    """This run's paragraphs as the dedup index stores them (when an index is in use)."""

    def update_index(self) -> None:
        """Append this run's paragraphs to its dedup index (after the output is safely written;
        ``write(..., update_index=True)`` does both in one step)."""
        DedupIndex(self._index_dir()).append(self._index_rows(), self.config)

    def _index_dir(self) -> str:
        if self.config.index_dir is None or self.index_rows is None:
            raise ValueError("this run used no index (pass index_dir=... or --index DIR)")
        return self.config.index_dir

    def _index_rows(self) -> pl.DataFrame:
        self._index_dir()
        assert self.index_rows is not None
        return self.index_rows

    @property
    def documents(self) -> pl.DataFrame:
        """Every document with its metadata, clean body and ``duplicate_of``."""
        return self.stored["documents"].frame()

    @property
    def paragraphs(self) -> pl.DataFrame:
        """Every kept paragraph with its cluster and why it joined it."""
        return self.stored["paragraphs"].frame()

    @property
    def clusters(self) -> pl.DataFrame:
        """The canonical dataset: one paragraph per cluster, with its provenance."""
        return self.stored["clusters"].frame()

    @property
    def removed(self) -> pl.DataFrame:
        """Every removed input line with its reason."""
        return self.stored["removed"].frame()

    @property
    def removed_log(self) -> RemovedLog:
        removed = self.stored["removed"]
        assert isinstance(removed, RemovedLog)
        return removed

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The output tables by name (each read from the work folder on first use)."""
        return {name: getattr(self, name) for name in schemas.OUTPUT_TABLES}

    def write(
        self,
        out_dir: PathLike,
        *,
        output_format: OutputFormat | None = None,
        overwrite: bool = False,
        update_index: bool = False,
        report: bool = False,
    ) -> Path:
        """Write the tables and ``manifest.json`` into ``out_dir`` atomically (with ``report``,
        ``report.html`` too, made before the folder is put in place: ``cleaner.report``).

        ``out_dir`` may not be (or contain) an input or the index; with ``overwrite`` it may
        replace only an earlier output of cleaner's (``tables.place``). With ``update_index``
        (and an index in use) this run's paragraphs join the index in the same step: its part
        is written first, then the output is put in place, then the part is listed, so a full
        disk fails the run before anything is in place.

        Tables are copied a row group at a time; the Hugging Face layout and partitioned
        output read ``documents``, ``paragraphs`` and ``clusters`` whole to shard them.
        """
        check_locations(out_dir, self.manifest.get("inputs", []), self.config.index_dir)
        if not update_index or self.config.index_dir is None:
            return self._write(out_dir, output_format, overwrite, report)
        with DedupIndex(self.config.index_dir).update(self._index_rows(), self.config) as pending:
            written = self._write(out_dir, output_format, overwrite, report)
            try:
                pending.commit()
            except OSError as exc:
                raise IndexCorruptError(
                    f"output {os.fspath(out_dir)!r} written, but the index {self.config.index_dir!r} could not be updated "
                    f"({exc}); the index is as it was"
                ) from exc
        return written

    def _write(self, out_dir: PathLike, output_format: OutputFormat | None, overwrite: bool, report: bool) -> Path:
        fmt = output_format or self.config.output_format
        whole = self.config.layout != "tables" or self.config.partition_by is not None
        tables: dict[str, Any] = {
            name: (table.frame() if whole and name != "removed" else table) for name, table in self.stored.items()
        }
        tables["errors"] = self.errors
        return write_output(
            out_dir,
            {name: tables[name] for name in schemas.OUTPUT_TABLES},
            self.manifest,
            output_format=fmt,
            overwrite=overwrite,
            layout=self.config.layout,
            shard_rows=self.config.shard_rows,
            metadata=parquet_metadata(self.config),
            partitions=self.partitions(),
            finish=_write_report if report else None,
        )

    def partitions(self) -> dict[str, Partitioning]:
        """Hive partitions of ``documents``, ``paragraphs`` and ``clusters`` by their document's
        ``source``, or its ``day`` (the ``YYYY-MM-DD`` of ``date``; null when it has none). A
        cluster goes with its canonical paragraph's document. The audit tables stay whole."""
        if self.config.partition_by is None:
            return {}
        key = "source" if self.config.partition_by == "source" else "day"
        value = pl.col("source") if key == "source" else pl.col("date").str.extract(r"^(\d{4}-\d{2}-\d{2})")
        by_doc = self.documents.select("doc_id", value.alias("__value__"))
        by_para = self.paragraphs.select("para_id", "doc_id").join(by_doc, on="doc_id", how="left", maintain_order="left")
        canonical = self.clusters.select("canonical_para_id").join(
            by_para.select(pl.col("para_id").alias("canonical_para_id"), "__value__"), on="canonical_para_id", how="left", maintain_order="left"
        )
        return {
            "documents": Partitioning(key, by_doc["__value__"]),
            "paragraphs": Partitioning(key, by_para["__value__"]),
            "clusters": Partitioning(key, canonical["__value__"]),
        }

    def summary(self) -> str:
        """A few lines a person reads at the end of a run (numbers written as the progress
        line writes them)."""
        counts = self.manifest.get("counts", {})
        near_copies = _counted(counts.get("duplicate_documents", 0), "near-copy", "near-copies")
        clusters = _counted(counts.get("clusters", 0), "cluster")
        duplicates = _counted(counts.get("duplicate_paragraphs", 0), "duplicate paragraph")
        lines = [
            f"documents: {counts.get('documents', 0):,} ({near_copies} of another)",
            f"paragraphs: {counts.get('paragraphs', 0):,} in {clusters} "
            f"({counts.get('duplicate_clusters', 0):,} with copies, {duplicates})",
        ]
        reasons = {reason: n for reason, n in counts.get("removed_by_reason", {}).items() if reason not in SUMMARY_REASONS}
        if reasons:
            shown = ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"removed lines: {sum(reasons.values()):,} ({shown})")
        pages = sum(n for reason, n in counts.get("removed_by_reason", {}).items() if reason in SUMMARY_REASONS)
        if pages:
            lines.append(f"HTML pages extracted: {pages:,} (each with one summary row in removed)")
        lines.append(_errors_line(self.errors))
        lines.append(f"time: {self.manifest.get('timings', {}).get('total', 0.0):.2f} s")
        return "\n".join(lines)


def _counted(n: int, one: str, many: str | None = None) -> str:
    """``1 cluster``, ``2 clusters``: the summary is read by people."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


SUMMARY_REASONS = frozenset({"html-extraction", "extraction-empty"})
"""Reasons of the one row per HTML page that sums up its extraction: not a removed line."""


def _errors_line(errors: pl.DataFrame) -> str:
    """``input errors: 2 not cleaned; notes: 1 ignored, 1 recovered`` (or ``none``)."""
    by_action = dict(errors.group_by("action").len().sort("action").iter_rows()) if errors.height else {}
    skipped = by_action.pop("skipped", 0)
    if not skipped and not by_action:
        return "input errors: none"
    notes = ", ".join(f"{n:,} {action}" for action, n in by_action.items())
    return f"input errors: {skipped:,} not cleaned" + (f"; notes: {notes}" if notes else "")


def _write_report(staging: Path) -> None:
    from cleaner.report import write_report  # matplotlib loads only when a report is asked for

    write_report(staging)
