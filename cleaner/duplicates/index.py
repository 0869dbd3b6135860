"""A persistent deduplication index, so that today's batch is checked against every earlier one.

A daily ETL job runs ``cleaner clean today/ -o out/today --index dedup-index``: the index
holds, for every paragraph seen before, what matching needs (normalised key, shingle hashes,
LSH band keys, sentence anchors) plus its text, source and date, so old inputs are never
reread. Each run appends one Parquet part and then atomically replaces ``meta.json``, which
lists the parts, under a lock on the folder: a run killed in between leaves an unlisted part
that is ignored, and removed by the next update.

Canonical choice is stable across runs: a paragraph that was canonical in the index stays
ahead of newcomers (the first step of the ranking), so cluster ids do not move.

The index records the signature parameters and the match threshold its band keys were
built with; a run with different ones is refused rather than silently compared.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner import __version__
from cleaner.config import CleanConfig
from cleaner.duplicates.keys import EXACT_KEY_RULE
from cleaner.duplicates.store import SignatureStore
from cleaner.errors import IndexCorruptError, IndexMismatchError, write_failure
from cleaner.tables.place import locked_folder, shared_as_created
from cleaner.tables.spill import SpillTable

FORMAT_VERSION = 1
INDEX_ROWS = pl.Schema(
    {
        "para_id": pl.String,
        "doc_id": pl.String,
        "source": pl.String,
        "date": pl.String,
        "position": pl.Int32,
        "text": pl.String,
        "norm_key": pl.String,
        "n_tokens": pl.Int32,
        "shingles": pl.List(pl.UInt64),
        "band_keys": pl.List(pl.UInt64),
        "anchors": pl.List(pl.UInt64),
        "was_canonical": pl.Boolean,
    }
)


def compatibility(config: CleanConfig) -> dict[str, Any]:
    """What must be equal between the runs that share an index."""
    params = config.signature_params()
    return {
        "signature": params.to_dict(),
        "bands": params.bands,
        "rows": params.rows,
        "min_contained_words": config.min_contained_words,
        "exact_key": EXACT_KEY_RULE,
    }


ROW_GROUP_ROWS = 10_000
"""Rows per row group of an index part: a run reads the parts a row group at a time, so this
bounds what one read holds (a day against a 200,000-paragraph index: the key scan's peak went
from 155 MB over the process's to 40 MB with groups of 10,000 instead of 100,000)."""

META = "meta.json"
PART = "part-{number:06d}.parquet"
PART_GLOB = "part-*.parquet"
STAGED_PREFIX = ".part-"
META_STAGED_PREFIX = ".meta-"


def is_index_folder(folder: Path) -> bool:
    """Whether ``folder`` is a dedup index (its ``meta.json`` lists parts and compatibility)."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(meta, dict) and {"parts", "compatibility"} <= meta.keys()


@dataclass(frozen=True)
class LoadedIndex:
    """What a run reads of its index: the paragraphs it matches against (``rows``, of
    :data:`INDEX_ROWS`) and the latest entries of the documents it cleans again (``replaced``:
    ``doc_id, para_id, norm_key, was_canonical``), which they supersede."""

    rows: pl.DataFrame
    replaced: pl.DataFrame


REPLACED = pl.Schema({"doc_id": pl.String, "para_id": pl.String, "norm_key": pl.String, "was_canonical": pl.Boolean})


@dataclass(frozen=True)
class TodaysKeys:
    """What today's paragraphs can be matched by: their normalised keys, band keys and
    sentence anchors (each a ``UInt64`` or ``String`` Series, repeats allowed)."""

    norm_keys: pl.Series
    band_keys: pl.Series
    anchors: pl.Series


REBUILD = "restore it from a backup, or build the index anew: clean the earlier inputs again with --index into a new folder"
"""What to do about a damaged index: its parts hold what earlier runs computed from their inputs."""


LEFT_OVER = f"left by a killed run, not listed in {META} (the next update removes it)"
""":meth:`DedupIndex.verify`'s finding for a file a killed run left: harmless, unlike damage."""


def _unreadable_part(index: Path, part: str, exc: Exception) -> IndexCorruptError:
    """The error for an index part that cannot be read, naming the index and the file."""
    finding = f"index {index}: part {part} cannot be read ({type(exc).__name__}: {exc})"
    return IndexCorruptError(f"{finding}; `cleaner index verify {index}` lists the damage; {REBUILD}", finding)


class _LatestRowGroups:
    """The rows of an index's parts that are their document's latest entries, read one
    Parquet row group at a time (``ROW_GROUP_ROWS``), each with ``_row``, its place in the index.

    A part's rows are left out where a later part holds their document. What a query keeps of
    a row group is copied out of it (Arrow's filter), so the group's buffers are freed before
    the next is read: Polars' streaming engine kept slices into every row group that held a
    match, and a day against a 1,000,000-paragraph index peaked 330 MB higher for it.
    """

    def __init__(self, index: DedupIndex, meta: dict[str, Any]) -> None:
        self.index = index
        self.parts = list(meta["parts"])
        self.files = [self._open(part) for part in self.parts]
        self.later_documents: list[pl.Series] = []
        later = pl.Series("doc_id", [], dtype=pl.String)
        for number in reversed(range(len(self.parts))):
            self.later_documents.append(later)
            if number:  # the first part's documents are later than no part's
                later = pl.concat([later, self._documents(number)]).unique()
        self.later_documents.reverse()

    def _documents(self, number: int) -> pl.Series:
        """The distinct documents of a part, read a row group at a time."""
        file = self.files[number]
        groups = [
            pl.Series("doc_id", self._read(number, group, ["doc_id"])["doc_id"]).cast(pl.String).unique()
            for group in range(file.num_row_groups)
        ]
        return pl.concat(groups).unique() if groups else pl.Series("doc_id", [], dtype=pl.String)

    def _open(self, part: str) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.index.path / part)
        except Exception as exc:
            raise _unreadable_part(self.index.path, part, exc) from exc

    def _read(self, number: int, group: int, columns: list[str]) -> pa.Table:
        try:
            return self.files[number].read_row_group(group, columns=columns)
        except Exception as exc:  # Arrow and the OS each raise their own
            raise _unreadable_part(self.index.path, self.parts[number], exc) from exc

    def select(self, where: pl.Expr, columns: list[str]) -> pl.DataFrame:
        """``_row`` and ``columns`` of the latest rows for which ``where`` holds, in index
        order; ``where`` may read ``_row`` and any stored column."""
        needed = sorted({*columns, *where.meta.root_names(), "doc_id"} - {"_row"})
        kept = []
        offset = 0
        for number, file in enumerate(self.files):
            latest = ~pl.col("doc_id").is_in(self.later_documents[number].implode())
            for group in range(file.num_row_groups):
                table = self._read(number, group, needed)
                table = table.append_column("_row", pa.array(np.arange(offset, offset + table.num_rows, dtype=np.uint32)))
                offset += table.num_rows
                view = pl.DataFrame(pl.from_arrow(table))
                mask = view.select((latest & where).fill_null(False)).to_series().to_numpy()
                if mask.any():
                    kept.append(pl.DataFrame(pl.from_arrow(table.select(["_row", *columns]).filter(pa.array(mask)))))
        schema = pl.Schema({"_row": pl.UInt32, **{name: INDEX_ROWS[name] for name in columns}})
        return pl.concat([frame.cast(schema) for frame in kept]) if kept else pl.DataFrame(schema=schema)


def _neighbourhood(groups: _LatestRowGroups, keys: TodaysKeys, outside: pl.Expr) -> pl.Series:
    """``_row`` of every latest row for which ``outside`` holds (not a document the run cleans
    again), linked to ``keys`` by a chain of shared keys.

    Each round reads the key columns for rows that share a key with the last round's
    frontier (the first frontier is today's keys); the keys of the rows it finds, less those
    already searched for, are the next frontier. A chain of candidate pairs is no longer than
    the rounds it takes, so the rows found hold every bucket and exact group of today's
    clusters whole."""
    found = pl.Series("_row", [], dtype=pl.UInt32)
    names = {"norm_key": pl.String, "band_keys": pl.UInt64, "anchors": pl.UInt64}
    searched = {name: pl.Series(name, [], dtype=dtype) for name, dtype in names.items()}
    frontier = {"norm_key": keys.norm_keys, "band_keys": keys.band_keys, "anchors": keys.anchors}
    while any(values.len() for values in frontier.values()):
        for name, values in frontier.items():
            searched[name] = pl.concat([searched[name], values.cast(names[name]).unique()]).unique()
        hit = (
            pl.col("norm_key").is_in(frontier["norm_key"].unique().implode())
            | pl.col("band_keys").list.eval(pl.element().is_in(frontier["band_keys"].unique().implode())).list.any()
            | pl.col("anchors").list.eval(pl.element().is_in(frontier["anchors"].unique().implode())).list.any()
        )
        new = groups.select(hit & outside & ~pl.col("_row").is_in(found.implode()), list(names))
        found = pl.concat([found, new["_row"]])
        frontier = {
            "norm_key": new["norm_key"],
            "band_keys": new["band_keys"].explode().drop_nulls(),
            "anchors": new["anchors"].explode().drop_nulls(),
        }
        frontier = {name: values.filter(~values.is_in(searched[name].implode())) for name, values in frontier.items()}
    return found


class DedupIndex:
    """The folder of an index: ``meta.json`` and the ``part-NNNNNN.parquet`` files it lists.

    Readers take the parts ``meta.json`` lists, a consistent snapshot (it is replaced
    atomically). Writers take an ``flock`` on the folder, so that runs against one index take
    turns; under it they remove what killed writers left (parts not listed, staged files),
    write their part and then list it. A document's entries in a later part supersede its
    entries in earlier ones.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def meta_path(self) -> Path:
        return self.path / META

    def meta(self) -> dict[str, Any] | None:
        """The index's ``meta.json`` (``None`` for a new index). A folder with parts but no
        readable ``meta.json`` is damaged, not new: refused, so its history is never lost."""
        try:
            text = self.meta_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if self.path.is_dir() and any(self.path.glob(PART_GLOB)):
                raise IndexCorruptError(
                    f"index {self.path} has parts but no {META}: refusing to start it anew over its history; "
                    f"restore {META}, or run `cleaner index verify {self.path}`"
                ) from None
            return None
        try:
            meta = json.loads(text)
        except (ValueError, RecursionError) as exc:
            finding = f"index {self.path}: {META} is damaged ({exc})"
            raise IndexCorruptError(f"{finding}; {REBUILD}", finding) from exc
        if not isinstance(meta, dict) or not {"parts", "compatibility"} <= meta.keys():
            raise IndexCorruptError(f"index {self.path}: {META} does not describe an index")
        return meta

    def has_entries(self) -> bool:
        """Whether the index lists any part (a damaged ``meta.json`` raises, as :meth:`meta`)."""
        meta = self.meta()
        return meta is not None and bool(meta["parts"])

    def check(self, config: CleanConfig) -> None:
        """Raise :class:`IndexMismatchError` if ``config`` cannot use this index, and
        :class:`IndexCorruptError` for a folder that holds other things than an index (cleaner
        writes, and removes leftovers, only in a folder that is its index or empty)."""
        meta = self.meta()
        if meta is None:
            if self.path.is_dir() and any(not _staged(path) for path in self.path.iterdir()):
                raise IndexCorruptError(f"{self.path} is not empty and is not an index: give --index an empty or new folder")
            return
        if meta.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(f"index {self.path} has format {meta.get('format')}, expected {FORMAT_VERSION}")
        expected = json.loads(json.dumps(compatibility(config)))
        found = meta.get("compatibility")
        earlier = found.get("signature") if isinstance(found, dict) else None
        if isinstance(earlier, dict) and earlier.keys() != expected["signature"].keys():
            rules = ", ".join(sorted(earlier.keys() ^ expected["signature"].keys()))
            raise IndexMismatchError(
                f"index {self.path} was built by a version of cleaner whose signatures follow other rules ({rules}): "
                "its paragraphs cannot be compared with this run's; start a new index"
            )
        if found != expected:
            raise IndexMismatchError(
                f"index {self.path} was built with {meta.get('compatibility')}; this run uses {expected}. "
                "Use the same --jaccard and signature settings, or start a new index."
            )

    def read_part(self, part: str) -> pl.DataFrame:
        """One part's rows; a part that cannot be read is an error naming the index and file."""
        try:
            rows = pl.read_parquet(self.path / part).cast(INDEX_ROWS)
        except Exception as exc:
            raise _unreadable_part(self.path, part, exc) from exc
        # parts written before shingles were stored distinct per paragraph
        return rows.with_columns(pl.col("shingles").list.unique(maintain_order=True))

    def latest_rows(self) -> pl.DataFrame:
        """Every document's entries from the latest part that holds it (:data:`INDEX_ROWS`)."""
        meta = self.meta()
        if meta is None or not meta["parts"]:
            return pl.DataFrame(schema=INDEX_ROWS)
        parts = [self.read_part(part).with_columns(pl.lit(number).alias("_part")) for number, part in enumerate(meta["parts"])]
        rows = pl.concat(parts, how="vertical")
        rows = rows.filter(pl.col("_part") == pl.col("_part").max().over("doc_id")).drop("_part")
        return rows.unique(subset="para_id", keep="last", maintain_order=True)

    def load(self, config: CleanConfig, replacing: Collection[str] = (), near: TodaysKeys | None = None) -> LoadedIndex:
        """The indexed paragraphs a run matches against: every document's latest entries but
        those of the documents in ``replacing``, which the run cleans again (returned apart).

        With ``near`` (today's keys), only the paragraphs that can share a cluster with one of
        today's are read: those that share a normalised key, a band key or a sentence anchor
        with today's, then with those found, until no new one turns up. Every bucket that
        touches what is read is then read whole, so candidates, components, star clusters and
        canonicals are those of the whole index, and the tables are the same bytes; the run's
        memory follows the day and its neighbourhood, not the index (the parts are scanned a
        row group at a time)."""
        self.check(config)
        meta = self.meta()
        if meta is None or not meta["parts"]:
            return LoadedIndex(pl.DataFrame(schema=INDEX_ROWS), pl.DataFrame(schema=REPLACED))
        again = pl.col("doc_id").is_in(pl.Series(list(replacing), dtype=pl.String).implode())
        if near is None:
            rows = self.latest_rows()
            return LoadedIndex(rows.filter(~again), rows.filter(again).select(*REPLACED))
        groups = _LatestRowGroups(self, meta)
        replaced = groups.select(again, [*REPLACED])
        found = _neighbourhood(groups, near, ~again)
        rows = groups.select(pl.col("_row").is_in(found.implode()), [*INDEX_ROWS]).drop("_row")
        rows = rows.with_columns(pl.col("shingles").list.unique(maintain_order=True))
        return LoadedIndex(rows.unique(subset="para_id", keep="last", maintain_order=True), replaced.select(*REPLACED))

    def append(self, rows: pl.DataFrame, config: CleanConfig) -> Path | None:
        """Add one part with ``rows`` and list it in ``meta.json`` (see :meth:`update`)."""
        with self.update(rows, config) as update:
            return update.commit()

    @contextlib.contextmanager
    def update(self, rows: pl.DataFrame, config: CleanConfig) -> Iterator[IndexUpdate]:
        """A part holding ``rows``, written under the index's lock and listed only by
        :meth:`IndexUpdate.commit`: a run writes its part before its output and lists it after,
        so that a full disk fails the run before anything is in place."""
        created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        with locked_folder(self.path):
            try:
                self.check(config)
                meta = self.meta() or {"format": FORMAT_VERSION, "compatibility": compatibility(config), "parts": []}
                self._remove_orphans(meta)
                update = IndexUpdate(self, meta, rows)
                try:
                    yield update
                finally:
                    update.discard()
            finally:
                if created and not self.meta_path.exists():
                    with contextlib.suppress(OSError):
                        self.path.rmdir()  # a first update that failed leaves no empty folder posing as an index

    def _remove_orphans(self, meta: dict[str, Any]) -> None:
        """Remove what killed writers left: parts ``meta.json`` does not list, staged files."""
        for path in self._leftovers(meta):
            path.unlink(missing_ok=True)

    def _leftovers(self, meta: dict[str, Any]) -> list[Path]:
        """Files killed writers left: parts ``meta.json`` does not list, staged files."""
        listed = set(meta["parts"])
        return sorted(path for path in self.path.iterdir() if _staged(path) or (path.match(PART_GLOB) and path.name not in listed))

    def compact(self, config: CleanConfig | None = None) -> int:
        """Rewrite the index as one part of every document's latest entries; returns the
        number of paragraphs kept. Earlier parts are removed once the new one is listed."""
        with locked_folder(self.path):
            meta = self.meta()
            if meta is None:
                raise IndexCorruptError(f"{self.path} is not an index (no {META})")
            if config is not None:
                self.check(config)
            rows = self.latest_rows()
            if rows.height == 0:
                return 0
            self._remove_orphans(meta)
            old = list(meta["parts"])
            update = IndexUpdate(self, {**meta, "parts": [], "paragraphs": 0}, rows)
            try:
                update.commit(number=_part_number(old[-1]) + 1 if old else 0)
            finally:
                update.discard()
            for part in old:
                (self.path / part).unlink(missing_ok=True)
        return rows.height

    def verify(self) -> list[str]:
        """What is wrong with the index, one finding a line (none: it is whole)."""
        try:
            meta = self.meta()
        except IndexCorruptError as exc:
            return [exc.finding]
        if meta is None:
            return [f"{self.path} is not an index (no {META})"]
        problems = []
        for part in meta["parts"]:
            try:
                self.read_part(part)
            except IndexCorruptError as exc:
                problems.append(exc.finding)
        for path in self._leftovers(meta):
            problems.append(f"{path}: {LEFT_OVER}")
        return problems

    def info(self) -> dict[str, Any]:
        """Parts, documents, paragraphs and bytes of the index, and what it is compatible with."""
        meta = self.meta()
        if meta is None:
            raise IndexCorruptError(f"{self.path} is not an index (no {META})")
        rows = self.latest_rows()
        return {
            "path": str(self.path),
            "format": meta.get("format"),
            "written_by": meta.get("version"),
            "parts": len(meta["parts"]),
            "documents": rows["doc_id"].n_unique(),
            "paragraphs": rows.height,
            "canonical_paragraphs": int(rows["was_canonical"].sum()),
            "bytes": sum((self.path / part).stat().st_size for part in meta["parts"]),
            "compatibility": meta["compatibility"],
        }


class IndexUpdate:
    """One part on its way into an index, under the index's lock (:meth:`DedupIndex.update`)."""

    def __init__(self, index: DedupIndex, meta: dict[str, Any], rows: pl.DataFrame) -> None:
        self.index = index
        self.meta = meta
        self.rows = rows.select(*INDEX_ROWS).cast(INDEX_ROWS)
        self.staged: Path | None = None
        if self.rows.height:
            handle, staged = tempfile.mkstemp(prefix=STAGED_PREFIX, suffix=".tmp", dir=index.path)
            os.close(handle)
            shared_as_created(staged)
            self.staged = Path(staged)
            try:
                self.rows.write_parquet(self.staged, compression="zstd", row_group_size=ROW_GROUP_ROWS)
                _fsync(self.staged)
            except pl.exceptions.ComputeError as exc:
                self.discard()
                raise write_failure(exc, f"a part of the index {str(index.path)!r}") from exc
            except BaseException:
                self.discard()
                raise

    def commit(self, number: int | None = None) -> Path | None:
        """List the part in ``meta.json`` (replaced atomically); returns the part (``None``
        when there was nothing to add)."""
        if self.staged is None:
            return None
        parts = self.meta["parts"]
        if number is None:
            number = _part_number(parts[-1]) + 1 if parts else 0
        part = self.index.path / PART.format(number=number)
        os.replace(self.staged, part)
        self.staged = None
        meta = {**self.meta, "parts": [*parts, part.name], "version": __version__}
        meta["paragraphs"] = int(meta.get("paragraphs", 0)) + self.rows.height
        handle, temporary = tempfile.mkstemp(prefix=META_STAGED_PREFIX, dir=self.index.path)
        shared_as_created(temporary)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(meta, stream, indent=2, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.index.meta_path)
        _fsync(self.index.path)
        self.meta = meta
        return part

    def discard(self) -> None:
        """Remove the staged part if it was not listed."""
        if self.staged is not None:
            self.staged.unlink(missing_ok=True)
            self.staged = None


def _staged(path: Path) -> bool:
    """Whether a file is one an update stages (a part or ``meta.json`` on its way)."""
    return path.name.startswith((STAGED_PREFIX, META_STAGED_PREFIX))


def _part_number(part: str) -> int:
    return int(part.removeprefix("part-").split(".", 1)[0])


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def load_index(config: CleanConfig, replacing: Collection[str], near: TodaysKeys | None = None) -> LoadedIndex:
    """The run's index (none without one), its documents of this run (``replacing``) apart;
    with ``near``, only the part of it today's paragraphs can reach (:meth:`DedupIndex.load`)."""
    if config.index_dir is None:
        return LoadedIndex(pl.DataFrame(schema=INDEX_ROWS), pl.DataFrame(schema=REPLACED))
    return DedupIndex(config.index_dir).load(config, replacing=replacing, near=near)


def changed_rows(rows: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """``rows`` less the documents whose entries are what the index holds already (a day run
    again adds nothing)."""
    if replaced.height == 0:
        return rows
    columns = ["para_id", "norm_key", "was_canonical"]

    def signature(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("doc_id").agg(pl.struct(columns).sort_by("para_id").alias("entries"))

    same = signature(rows.select("doc_id", *columns)).join(signature(replaced), on="doc_id").filter(
        pl.col("entries") == pl.col("entries_right")
    )
    return rows.join(same.select("doc_id"), on="doc_id", how="anti", maintain_order="left")


def indexed_documents(indexed: pl.DataFrame) -> pl.DataFrame:
    """Documents known only from the index: ranked like today's, never written out."""
    return indexed.select("doc_id", "source", "date").unique("doc_id", keep="first", maintain_order=True).with_columns(
        pl.lit(-1, dtype=pl.Int64).alias("order")
    )


def indexed_keys(indexed: pl.DataFrame) -> pl.DataFrame:
    """The index's paragraphs as deduplication's keys (``schemas.PARAGRAPH_KEYS`` and ``was_canonical``)."""
    return indexed.select(
        "para_id", "doc_id", "position", "norm_key", "n_tokens",
        pl.col("text").str.len_chars().cast(pl.Int32).alias("n_chars"), "was_canonical",
    )


def indexed_texts(indexed: pl.DataFrame) -> pl.DataFrame:
    """The index's paragraphs as the output's text rows (no input lines: they were read before)."""
    return indexed.select(
        "para_id", "doc_id", "position", "text",
        pl.lit(None, dtype=pl.Int32).alias("line_start"), pl.lit(None, dtype=pl.Int32).alias("line_end"),
    )


def index_rows(
    texts: SpillTable, keys: pl.DataFrame, signatures: SignatureStore | None, documents: pl.DataFrame, today: pl.DataFrame
) -> pl.DataFrame:
    """Today's paragraphs as the index stores them (:data:`INDEX_ROWS`): text, signatures,
    source, date, and whether each is canonical."""
    rows = texts.frame().select("para_id", "text").join(keys, on="para_id", how="left", maintain_order="left")
    if signatures is not None:
        store_rows = signatures.rows_of(rows["norm_key"])
        signature_lists = [
            signatures.shingle_lists(store_rows),
            signatures.band_lists(store_rows),
            signatures.frame["anchors"].rechunk().gather(store_rows),
        ]
    else:
        empty = pl.Series([[]] * rows.height, dtype=pl.List(pl.UInt64))
        signature_lists = [empty.alias("shingles"), empty.alias("band_keys"), empty.alias("anchors")]
    return (
        rows.with_columns(signature_lists)
        .join(documents.select("doc_id", "source", "date"), on="doc_id", how="left", maintain_order="left")
        .join(today.select("para_id", pl.col("is_canonical").alias("was_canonical")), on="para_id", how="left", maintain_order="left")
        .select(*INDEX_ROWS)
    )
