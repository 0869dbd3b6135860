"""The report's HTML: sections in the order a reviewer asks their questions."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from cleaner.report import charts, facts

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}nav{padding:8px 32px;background:#e8ecf2;position:sticky;top:0}
nav a{margin-right:14px;color:#1d3557;text-decoration:none;font-weight:600}
main{padding:8px 32px 40px;max-width:1200px}section{background:#fff;border-radius:8px;padding:12px 20px;margin:16px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}h2{font-size:18px;margin:6px 0 10px}h3{font-size:14px;margin:12px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6ea;
vertical-align:top}th{background:#f0f2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#f0f4fa;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.muted{color:#66707a}del{background:#fdd;text-decoration:line-through}
ins{background:#dfd;text-decoration:none}.para{background:#fafbfc;border-left:3px solid #4c72b0;padding:6px 10px;margin:4px 0}
svg{max-width:100%;height:auto}
"""

GENERATOR = '<meta name="generator" content="cleaner report">'
"""Marks a page as cleaner's own, so that ``write_report`` replaces no one else's file."""

SECTIONS = (
    ("removed", "Removed lines by source"),
    ("templates", "Site-template lines"),
    ("clusters", "Cluster sizes"),
    ("syndicated", "Most syndicated paragraphs"),
    ("shared", "Paragraphs shared between sources"),
    ("near-copies", "Near-copy documents"),
    ("confidence", "Pages stripped with low confidence"),
    ("errors", "Errors"),
)


def render_report(tables: facts.Tables, manifest: Mapping[str, Any]) -> str:
    """The whole page for an output's lazy tables and its manifest."""
    body = [
        _removed(tables, manifest),
        _templates(tables),
        _clusters(tables),
        _syndicated(tables),
        _shared(tables),
        _near_copies(tables),
        _confidence(tables),
        _errors(tables),
    ]
    counts = manifest.get("counts", {})
    inputs = ", ".join(str(path) for path in manifest.get("inputs", [])) or "-"
    cards = [
        ("documents", counts.get("documents", 0)),
        ("near-copy documents", counts.get("duplicate_documents", 0)),
        ("paragraphs kept", counts.get("paragraphs", 0)),
        ("clusters", counts.get("clusters", 0)),
        ("duplicate paragraphs", counts.get("duplicate_paragraphs", 0)),
        ("removed lines", counts.get("removed", 0)),
        ("input errors", counts.get("errors", 0)),
    ]
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{GENERATOR}',
            "<title>cleaner report</title><style>", STYLE, "</style></head><body>",
            f"<header><h1>cleaner report</h1><p>inputs: {_e(inputs)} &middot; cleaner {_e(manifest.get('version', '?'))}</p></header>",
            "<nav>", *(f'<a href="#{key}">{_e(title)}</a>' for key, title in SECTIONS), "</nav><main>",
            '<section id="summary"><div class="cards">',
            *(f'<div class="card"><b>{value:,}</b>{_e(label)}</div>' for label, value in cards),
            "</div></section>",
            *body,
            "</main></body></html>\n",
        ]
    )


def _section(key: str, *parts: str) -> str:
    title = dict(SECTIONS)[key]
    return f'<section id="{key}"><h2>{_e(title)}</h2>{"".join(parts)}</section>'


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(frame: pl.DataFrame, headers: Sequence[str] | None = None, numeric: Sequence[str] = ()) -> str:
    if frame.height == 0:
        return '<p class="muted">None.</p>'
    names = list(headers or frame.columns)
    rows = []
    for row in frame.iter_rows():
        cells = []
        for column, value in zip(frame.columns, row):
            if isinstance(value, float):
                value = f"{value:.2f}"
            elif isinstance(value, list):
                value = ", ".join(map(str, value))
            cells.append(f'<td class="n">{_e(value)}</td>' if column in numeric else f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{_e(name)}</th>" for name in names)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _removed(tables: facts.Tables, manifest: Mapping[str, Any]) -> str:
    counts = facts.removed_by_source(tables)
    by_reason = manifest.get("counts", {}).get("removed_by_reason", {})
    listed = ", ".join(f"{reason} {count:,}" for reason, count in sorted(by_reason.items(), key=lambda item: (-item[1], item[0])))
    chart = charts.removed_by_source_chart(counts)
    wide = counts.pivot(on="reason", index="source", values="lines", sort_columns=True).fill_null(0) if counts.height else counts
    return _section(
        "removed",
        f'<p>Every input line that is not in the dataset is in <code>removed</code> with its reason. All reasons: {_e(listed) or "none"}.</p>',
        chart or "",
        _table(wide, numeric=[c for c in wide.columns if c != "source"]),
    )


def _templates(tables: facts.Tables) -> str:
    lines = facts.template_lines(tables)
    parts = ["<p>Lines a source repeats across its pages (its site template), removed as <code>template</code>.</p>"]
    if lines.height == 0:
        parts.append('<p class="muted">None.</p>')
    for (source,), group in lines.group_by("source", maintain_order=True):
        parts.append(f"<h3>{_e(source)}</h3>" + _table(group.select("text", "times"), numeric=["times"]))
    return _section("templates", *parts)


def _clusters(tables: facts.Tables) -> str:
    sizes = facts.cluster_sizes(tables)
    return _section(
        "clusters",
        "<p>Each cluster is one canonical paragraph and its copies; size 1 is a paragraph seen once.</p>",
        charts.cluster_size_chart(sizes) or "",
        _table(sizes, numeric=["size", "clusters"]),
    )


def _syndicated(tables: facts.Tables) -> str:
    top, members = facts.most_syndicated(tables)
    if top.height == 0:
        return _section("syndicated", '<p class="muted">No paragraph was found in more than one place.</p>')
    parts = ["<p>The paragraphs carried by the most sources; each copy is shown as a diff against the canonical text.</p>"]
    for cluster_id, text, size, n_sources, sources in top.iter_rows():
        parts.append(
            f"<h3>{size} copies in {n_sources} source(s): {_e(', '.join(sources))}</h3>"
            f'<div class="para"><span class="muted">canonical ({_e(cluster_id)}):</span> {_e(text)}</div>'
        )
        rows = members.filter(pl.col("cluster_id") == cluster_id)
        for _, doc_id, match, similarity, copy, source in rows.iter_rows():
            shown = "identical" if copy == text else word_diff(text, copy)
            parts.append(
                f'<div class="para"><span class="muted">{_e(source)} &middot; {_e(doc_id)} &middot; {_e(match)}'
                f" {similarity:.2f}:</span> {shown}</div>"
            )
    return _section("syndicated", *parts)


_WORD = re.compile(r"\S+")


def word_diff(canonical: str, copy: str) -> str:
    """``copy`` against ``canonical`` word by word, as HTML: ``<del>`` for the canonical's words
    the copy lacks, ``<ins>`` for the copy's own."""
    old, new = _WORD.findall(canonical), _WORD.findall(copy)
    out = []
    for tag, a, b, c, d in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            out.append(f"<del>{_e(' '.join(old[a:b]))}</del>")
        if tag in ("replace", "insert"):
            out.append(f"<ins>{_e(' '.join(new[c:d]))}</ins>")
        if tag == "equal":
            out.append(_e(" ".join(old[a:b])))
    return " ".join(out)


def _shared(tables: facts.Tables) -> str:
    pairs = facts.shared_paragraphs(tables)
    return _section(
        "shared",
        "<p>How many clusters each pair of sources both carry (the diagonal: clusters a source shares with any other).</p>",
        charts.shared_matrix_chart(pairs) or '<p class="muted">No source shares a paragraph with another.</p>',
    )


def _near_copies(tables: facts.Tables) -> str:
    copies = facts.near_copies(tables)
    return _section(
        "near-copies",
        "<p>Documents whose paragraphs are almost all copies of one earlier document (<code>duplicate_of</code>).</p>",
        _table(copies, ["document", "source", "title", "copy of", "its source", "its title"]),
    )


def _confidence(tables: facts.Tables) -> str:
    low, count = facts.low_confidence(tables)
    return _section(
        "confidence",
        f"<p>{count:,} text dump(s) where one article did not clearly stand out "
        f"(<code>strip_confidence</code> below {facts.LOW_CONFIDENCE}): worth a look.</p>",
        _table(low, ["document", "source", "confidence", "paragraphs", "kept text begins"], numeric=["strip_confidence", "n_paragraphs"]),
    )


def _errors(tables: facts.Tables) -> str:
    shown, count = facts.errors(tables)
    more = f'<p class="muted">The first {shown.height:,} of {count:,}.</p>' if count > shown.height else ""
    return _section("errors", f"<p>{count:,} input problem(s), each with what was done.</p>", _table(shown), more)
