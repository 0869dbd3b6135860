"""HTML extraction: cleaner next to trafilatura's own settings, measured in the same run.

    python benchmarks/html_extract.py [--shared ../shared] [--limit N] [--workers N]

On the HTML pages of ``shared/extraction-dev``: the snippet metric (a ``with`` snippet found
is a true positive, a ``without`` snippet found a false positive; see text_strip.py),
metadata accuracy (title, author, date, site name against the expectations where known) and pages per
second, for trafilatura's default, trafilatura with ``favor_precision``, readability-lxml
(rendered by html-text) and cleaner's extraction (``cleaner.extract.extract_html``: the two
extractors' texts, one chosen or led by the other's first lines, completed by the other's lines that
the page's third reading confirms, then cleaner's text rules). Then whole jobs on the pages, each
a fresh process (as users run them): trafilatura alone (:data:`TRAFILATURA_JOB`), and the whole
``cleaner clean`` command with 1 worker and with ``--workers`` processes, with the ratio of
the first two.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from devset import (
    dev_output,
    load_pages,
    readability_lxml,
    snippet_counts,
    snippet_metrics,
)

from cleaner.decode import decode_bytes
from cleaner.extract import extract_html
from cleaner.normalize import normalize_text

Extracted = tuple[str, dict[str, str | None]]


def trafilatura_with(**settings: object) -> Callable[[str], Extracted]:
    def run(html: str) -> Extracted:
        document = trafilatura.bare_extraction(html, with_metadata=True, deduplicate=False, include_comments=False, **settings)
        if document is None:
            return "", {}
        return document.text or "", {"title": document.title, "author": document.author, "date": document.date, "sitename": document.sitename}

    return run


def cleaner_extraction(html: str) -> Extracted:
    result = extract_html(html)
    return dev_output(result), result.metadata


TRAFILATURA_JOB = """
import json, sys, pathlib, trafilatura
folder, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
with out.open("w", encoding="utf-8") as handle:
    for path in sorted(folder.glob("*.html")):
        document = trafilatura.bare_extraction(
            path.read_text(encoding="utf-8"), with_metadata=True, deduplicate=False, include_comments=False
        )
        found = {} if document is None else {key: getattr(document, key) for key in ("text", "title", "author", "date")}
        handle.write(json.dumps({"id": path.stem, **found}) + "\\n")
"""
"""trafilatura alone as a whole job, the peer of a whole ``cleaner clean``: a fresh process
that reads every page file, extracts text and metadata (default settings, comments left out)
and writes them as JSON lines. It pays what a run pays: imports, and dateparser's first
calls (htmldate's last resort for dates), which load its locales."""


def whole_command(command: list[str]) -> float:
    """Best of two runs of a command, in seconds."""
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(command, check=True)
        runs.append(time.perf_counter() - started)
    return min(runs)


def same(expected: str, found: str | None) -> bool:
    return found is not None and normalize_text(expected) in normalize_text(found)


def score(pages: list[tuple[dict, str]], method: Callable[[str], Extracted]) -> dict[str, float]:
    tp = fn = fp = tn = 0
    meta_hits = {"title": [0, 0], "author": [0, 0], "date": [0, 0], "sitename": [0, 0]}
    started = time.perf_counter()
    for record, html in pages:
        text, metadata = method(html)
        page_tp, page_fp, page_fn, page_tn = snippet_counts(record, text)
        tp, fp, fn, tn = tp + page_tp, fp + page_fp, fn + page_fn, tn + page_tn
        for field, counts in meta_hits.items():
            if record.get(field):
                counts[1] += 1
                expected = str(record[field])[:10] if field == "date" else str(record[field])
                counts[0] += same(expected, metadata.get(field))
    result = snippet_metrics(tp, fp, fn, tn, len(pages), time.perf_counter() - started)
    result.update({f"{field}_accuracy": hits / total if total else 0.0 for field, (hits, total) in meta_hits.items()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scaling-only", action="store_true", help="only the whole-command timings")
    args = parser.parse_args()
    dev = args.shared / "extraction-dev"
    pages = load_pages(
        dev,
        lambda page: f"pages/{page}.html.gz",
        lambda path: decode_bytes(gzip.decompress(path.read_bytes()), html=True)[0],
        args.limit,
    )
    print(f"extraction-dev HTML: {len(pages)} pages")
    methods = {
        "trafilatura default": trafilatura_with(),
        "trafilatura precision": trafilatura_with(favor_precision=True),
        "readability-lxml": lambda html: (readability_lxml(html), {}),
        "cleaner": cleaner_extraction,
    }
    results = {} if args.scaling_only else {name: score(pages, method) for name, method in methods.items()}
    print(f"{'method':<22}{'precision':>10}{'recall':>8}{'F1':>8}{'title':>7}{'author':>8}{'date':>6}{'site':>6}{'pages/s':>9}")
    for name, r in results.items():
        print(
            f"{name:<22}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['title_accuracy']:>7.3f}"
            f"{r['author_accuracy']:>8.3f}{r['date_accuracy']:>6.3f}{r['sitename_accuracy']:>6.3f}{r['pages_per_second']:>9.1f}"
        )
    if results:
        best = max(results["trafilatura default"]["f1"], results["trafilatura precision"]["f1"])
        print(f"cleaner F1 minus trafilatura's best setting: {results['cleaner']['f1'] - best:+.4f}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        for record, html in pages:
            (folder / f"{record['id']}.html").write_text(html, encoding="utf-8")
        peer = whole_command([sys.executable, "-c", TRAFILATURA_JOB, str(folder), str(Path(tmp) / "trafilatura.jsonl")])
        print(f"trafilatura alone, a whole job (text and metadata, 1 process): {len(pages) / peer:.1f} pages/s (best of 2)")
        timings = {}
        for workers in (1, args.workers):
            out = Path(tmp) / f"out-{workers}"
            command = [sys.executable, "-m", "cleaner", "clean", str(folder), "-o", str(out), "-q", "--workers", str(workers)]
            timings[workers] = whole_command([*command, "--overwrite"])
            print(f"cleaner clean --workers {workers}: {len(pages) / timings[workers]:.1f} pages/s (whole command, best of 2)")
        print(f"cleaner clean --workers 1 against trafilatura's whole job: {peer / timings[1]:.2f}x its speed")
        print(f"scaling with {args.workers} workers: {timings[1] / timings[args.workers]:.2f}x")


if __name__ == "__main__":
    main()
