"""``report.html``: one self-contained page that says what a run removed, what it merged and
what it could not read, for a person deciding whether to trust a dataset.

``cleaner report OUT`` (or ``cleaner clean ... --report``) writes it into the output folder. The
page has no remote resource (inline CSS, plots as inline SVG) so it opens offline and can be
mailed; it is built from the output's tables alone (``facts``), so any output can be reported.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import polars as pl

from cleaner.errors import InputNotFoundError, OutputExistsError, OutputUnreadableError
from cleaner.report.page import GENERATOR, render_report
from cleaner.schemas import OUTPUT_TABLES
from cleaner.tables.place import shared_as_created
from cleaner.tables.write import MANIFEST, scan_output

REPORT = "report.html"

__all__ = ["REPORT", "render_report", "report_html", "write_report"]


def report_html(out_dir: str | os.PathLike[str]) -> str:
    """The report of the output folder ``out_dir``, as one HTML page.

    A folder without a manifest or without one of the tables is refused
    (:class:`~cleaner.errors.InputNotFoundError`); a table or manifest that cannot be read is
    an :class:`~cleaner.errors.OutputUnreadableError` naming the folder."""
    folder = Path(out_dir)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise InputNotFoundError(f"{folder} has no {MANIFEST}: not an output folder of cleaner")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        tables = scan_output(folder)
        missing = [name for name in OUTPUT_TABLES if name not in tables]
        if missing:
            raise InputNotFoundError(f"{folder} has no {', '.join(missing)} table: not a whole output of cleaner")
        return render_report(tables, manifest)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        if isinstance(exc, InputNotFoundError):
            raise
        raise OutputUnreadableError(f"{folder}: a table or the manifest cannot be read ({type(exc).__name__}: {exc})") from exc


def write_report(out_dir: str | os.PathLike[str]) -> Path:
    """Write ``out_dir/report.html`` (replacing an earlier report of cleaner's, never another
    file) and return its path.

    The page is written to a temporary file beside it and renamed, so a reader never sees half
    a report."""
    target = Path(out_dir) / REPORT
    page = report_html(out_dir)
    if target.exists() and not _is_ours(target):
        raise OutputExistsError(f"{target} exists and is not a report of cleaner's: move it away first")
    handle, partial = tempfile.mkstemp(prefix=f".{REPORT}.", suffix=".partial", dir=target.parent)  # a new file, never another's
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        shared_as_created(partial)  # mkstemp makes it private; a report is read like the tables beside it
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


def _is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return GENERATOR in handle.read(4096)
    except OSError:
        return False
