"""The extraction development set and its snippet metric, and the wide sets' pages and scorer,
shared by the text and HTML benchmarks.

``../shared/extraction-dev/snippets.jsonl`` lists, per page, snippets the main text must
contain (``with``) and must not contain (``without``); each page exists as HTML and as a
whole-page text dump. Snippets are compared after whitespace is squashed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import html_text
from readability import Document

from cleaner.extract import ExtractResult


def squash(text: str) -> str:
    return " ".join(text.split())


def load_pages(dev: Path, relative: Callable[[str], str], read: Callable[[Path], str], limit: int = 0) -> list[tuple[dict, str]]:
    """``(record, content)`` for every snippet record whose file ``dev / relative(id)`` exists."""
    pages = []
    for line in (dev / "snippets.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        path = dev / relative(record["id"])
        if path.exists():
            pages.append((record, read(path)))
    return pages[:limit] if limit else pages


def snippet_metrics(tp: int, fp: int, fn: int, tn: int, pages: int, seconds: float) -> dict[str, float]:
    """Precision, recall and F1 of kept ``with`` snippets against kept ``without`` snippets, and speed."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "accuracy": (tp + tn) / (tp + tn + fp + fn),
        "pages_per_second": pages / seconds,
    }


def snippet_counts(record: dict, output: str) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` of one page's snippets in an HTML method's output: a ``with``
    snippet found is a true positive, missed a false negative; a ``without`` snippet found is a
    false positive, missed a true negative."""
    output = squash(output)
    found = [squash(snippet) in output for snippet in record.get("with") or []]
    wrong = [squash(snippet) in output for snippet in record.get("without") or []]
    return sum(found), sum(wrong), len(found) - sum(found), len(wrong) - sum(wrong)


def wide_output(result: ExtractResult) -> str:
    """What an extraction-wide scorer reads of cleaner's result: the title line it moved to
    metadata (every set's gold includes the headline the page shows), then the kept paragraphs."""
    titles = [text for text, reason in result.removed if reason == "title"]
    return "\n".join([*titles, *(p.text for p in result.paragraphs)])


def dev_output(result: ExtractResult) -> str:
    """What the snippet metric reads of cleaner's result: the page's title, then the kept paragraphs."""
    return f"{result.metadata.get('title') or ''}\n" + "\n".join(p.text for p in result.paragraphs)


def load_wide_set(folder: Path, kind: str, limit: int = 0) -> tuple[list[str], list[str]]:
    """The ids and the pages (``kind``: ``html`` or ``textmode``) of an extraction-wide set, in
    the scorer's order (sorted ids), decoded."""
    with gzip.open(folder / "gold.jsonl.gz", "rt", encoding="utf-8") as handle:
        ids = sorted(json.loads(line)["id"] for line in handle if line.strip())
    ids = ids[:limit] if limit else ids
    suffix = "html" if kind == "html" else "txt"
    return ids, [gzip.decompress((folder / kind / f"{page}.{suffix}.gz").read_bytes()).decode("utf-8") for page in ids]


def wide_scorer(wide: Path) -> Any:
    """extraction-wide's own ``score.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location("score", wide / "score.py")
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    return score


def readability_lxml(html: str) -> str:
    """The readability-lxml anchor as its users run it: ``Document(html).summary()``, rendered
    by html-text (paragraphs one per line), nothing on a page it cannot read."""
    try:
        return html_text.extract_text(Document(html).summary(html_partial=True), guess_layout=True)
    except Exception:  # noqa: BLE001 - an anchor that raises on a page outputs nothing for it
        return ""
