"""``report.html``: one self-contained page that says what a run removed, what it merged and
what it could not read, for a person deciding whether to trust a dataset.

``cleaner report OUT`` (or ``cleaner clean ... --report``) writes it into the output folder. The
page has no remote resource (inline CSS, plots as inline SVG) so it opens offline and can be
mailed; it is built from the output's tables alone (``facts``), so any output can be reported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cleaner.errors import OutputExistsError
from cleaner.report.page import GENERATOR, render_report
from cleaner.tables.write import MANIFEST, scan_output

REPORT = "report.html"

__all__ = ["REPORT", "render_report", "report_html", "write_report"]


def report_html(out_dir: str | os.PathLike[str]) -> str:
    """The report of the output folder ``out_dir``, as one HTML page."""
    folder = Path(out_dir)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{folder} has no {MANIFEST}: not an output folder of cleaner")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return render_report(scan_output(folder), manifest)


def write_report(out_dir: str | os.PathLike[str]) -> Path:
    """Write ``out_dir/report.html`` (replacing an earlier report of cleaner's, never another
    file) and return its path.

    The page is written to a temporary file beside it and renamed, so a reader never sees half
    a report."""
    target = Path(out_dir) / REPORT
    page = report_html(out_dir)
    if target.exists() and not _is_ours(target):
        raise OutputExistsError(f"{target} exists and is not a report of cleaner's: move it away first")
    partial = target.with_name(f".{REPORT}.partial-{os.getpid()}")
    try:
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return GENERATOR in handle.read(4096)
    except OSError:
        return False
