"""Finding the files behind the inputs: folders walked in sorted order, kinds by extension.

Files that are not documents (folder documentation, annotation files, unsupported kinds) and
folders cleaner made inside an input folder (an earlier output, an index, a work folder) are
listed in ``errors`` as ``ignored``, so that nothing disappears without a trace.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.duplicates.index import is_index_folder
from cleaner.tables.place import is_cleaner_output

TEXT_EXTENSIONS = {".txt", ".text", ".md"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
RECORD_EXTENSIONS = {".jsonl", ".ndjson", ".json"}
TABLE_EXTENSIONS = {".parquet", ".csv"}
WARC_EXTENSIONS = {".warc", ".wet"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | RECORD_EXTENSIONS | TABLE_EXTENSIONS | WARC_EXTENSIONS
FOLDER_DOCUMENTATION = re.compile(r"^(?:readme|license|licence|copying|changelog|contributing|notice)(?:\.[a-z0-9]+)*$", re.I)
"""Files that document a folder rather than belong to it; read only when named explicitly."""
SIDECAR_KEYS = ("file", "path", "filename")
STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class InputFile:
    """One file to read, with the input argument it was found under (for identity rules)."""

    path: str
    relative: str
    kind: str  # "text", "html", "records", "parquet", "csv"
    compressed: bool

    @property
    def stem(self) -> str:
        name = Path(self.relative).name
        for suffix in (".gz",):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return Path(name).stem

    @property
    def folder_source(self) -> str | None:
        """The first folder below the input root, which names the outlet in ``news/outlet-a/x.txt``."""
        parts = Path(self.relative).parts
        return parts[0] if len(parts) > 1 else None


@dataclass
class ErrorRow:
    path: str
    record: int | None
    error: str
    action: str = "skipped"

    def as_dict(self) -> dict[str, Any]:
        return {"path": printable(self.path), "record": self.record, "error": self.error, "action": self.action}


def printable(path: str) -> str:
    """A path as the tables show it: a name with bytes that are not UTF-8 (kept by Python as
    lone surrogates, which Arrow refuses) gets U+FFFD in their place; the file is still opened
    by its real name."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return path


def file_kind(name: str) -> tuple[str | None, bool]:
    """Classify a file name by extension (``.gz`` allowed on top of any supported one)."""
    lower = name.lower()
    if lower.endswith((".warc", ".warc.gz", ".wet", ".wet.gz")):
        return "warc", lower.endswith(".gz")
    compressed = lower.endswith(".gz")
    if compressed:
        lower = lower[:-3]
    ext = os.path.splitext(lower)[1]
    if ext in TEXT_EXTENSIONS:
        return "text", compressed
    if ext in HTML_EXTENSIONS:
        return "html", compressed
    if ext in RECORD_EXTENSIONS:
        return "records", compressed
    if ext == ".parquet":
        return "parquet", compressed
    if ext == ".csv":
        return "csv", compressed
    return None, compressed


def discover(inputs: Iterable[str | os.PathLike[str]], errors: list[ErrorRow], follow_symlinks: bool = False) -> list[InputFile]:
    """List the files behind ``inputs``; directories recursively, sorted by path.

    Files of unsupported types inside a directory are listed in ``errors`` as ``ignored`` so
    that nothing disappears without a trace, and so are pipes, sockets and devices (a pipe
    would wait forever) and, unless ``follow_symlinks``, links that lead outside the input
    folder. Symlinked directories inside it are followed once (a link loop is reported, not
    followed forever).
    """
    found: list[InputFile] = []
    for raw in inputs:
        arg = os.fspath(raw)
        if arg == STDIN:
            found.append(InputFile(STDIN, STDIN_NAME, "records", False))
            continue
        if os.path.isdir(arg):
            found.extend(_walk(arg, errors, follow_symlinks))
        elif os.path.exists(arg):
            kind, compressed = file_kind(arg)
            if not os.path.isfile(arg):
                errors.append(ErrorRow(arg, None, "not a regular file (a pipe, socket or device): not read"))
            elif kind is None:
                errors.append(ErrorRow(arg, None, f"unsupported file type (supported: {supported_extensions()})"))
            else:
                found.append(InputFile(arg, printable(os.path.basename(arg)), kind, compressed))
        else:
            errors.append(ErrorRow(arg, None, "no such file or directory"))
    return found


def supported_extensions() -> str:
    """The file endings cleaner reads, as a user reads them."""
    return ", ".join(sorted(SUPPORTED_EXTENSIONS)) + " (optionally .gz)"


def _walk(root: str, errors: list[ErrorRow], follow_symlinks: bool) -> list[InputFile]:
    found: list[InputFile] = []
    visited: set[str] = set()
    inside = os.path.realpath(root)

    def leads_outside(entry: os.DirEntry[str]) -> bool:
        if follow_symlinks or not entry.is_symlink():
            return False
        target = os.path.realpath(entry.path)
        return target != inside and not target.startswith(inside + os.sep)

    def visit(directory: str) -> None:
        if directory != root and made_by_cleaner(Path(directory)):
            errors.append(ErrorRow(directory, None, "a folder cleaner made (output, index or work folder): not read as input", "ignored"))
            return
        real = os.path.realpath(directory)
        if real in visited:
            errors.append(ErrorRow(directory, None, "directory link loop: already visited", "ignored"))
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            errors.append(ErrorRow(directory, None, f"cannot list directory: {exc.strerror or exc}"))
            return
        names = {e.name for e in entries}
        for entry in entries:
            if leads_outside(entry):
                message = f"a link to {os.path.realpath(entry.path)!r}, outside the input folder: not read (--follow-symlinks reads it)"
                errors.append(ErrorRow(entry.path, None, message, "ignored"))
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                is_dir = is_file = False
            if is_dir:
                visit(entry.path)
                continue
            kind, compressed = file_kind(entry.name)
            relative = printable(Path(os.path.relpath(entry.path, root)).as_posix())
            if not is_file and os.path.lexists(entry.path) and os.path.exists(entry.path):
                errors.append(ErrorRow(entry.path, None, "not a regular file (a pipe, socket or device): not read", "ignored"))
            elif kind is None:
                errors.append(ErrorRow(entry.path, None, "unsupported file type", "ignored"))
            elif FOLDER_DOCUMENTATION.match(entry.name):
                errors.append(ErrorRow(entry.path, None, "folder documentation; name the file to clean it", "ignored"))
            elif kind == "records" and _is_sidecar(entry.path, compressed, names):
                errors.append(
                    ErrorRow(entry.path, None, "annotation file: its records refer to files beside it; name it to clean it", "ignored")
                )
            else:
                found.append(InputFile(entry.path, relative, kind, compressed))

    visit(root)
    return found


CLEANER_FOLDER_PREFIXES = (".cleaner-", "cleaner-run-", "cleaner-spark-")
"""Names of the staging, retired and work folders that cleaner makes."""


def made_by_cleaner(folder: Path) -> bool:
    """Whether a folder is one cleaner made: an output, a dedup index, or a staging or work
    folder. Inside an input folder it is left out of what is read, so that an output written
    there is not read back as input by the next run."""
    return folder.name.startswith(CLEANER_FOLDER_PREFIXES) or is_cleaner_output(folder) or is_index_folder(folder)


def _is_sidecar(path: str, compressed: bool, sibling_names: set[str]) -> bool:
    """Whether a JSON Lines file annotates its sibling files (first record's ``file`` names one)."""
    try:
        opener = gzip.open if compressed else open
        with opener(path, "rb") as handle:
            first = handle.readline(1_000_000)
        record = json.loads(first)
    except (OSError, ValueError, EOFError, zlib.error, RecursionError):
        return False
    if not isinstance(record, dict):
        return False
    return any(isinstance(record.get(key), str) and record[key] in sibling_names for key in SIDECAR_KEYS)
