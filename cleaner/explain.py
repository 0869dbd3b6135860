"""Why a paragraph is in its cluster: its canonical, the scores, and the text they share.

Reads an output folder, so a user can ask after the fact, without rerunning anything.
"""

from __future__ import annotations

import difflib
import os
import textwrap

import polars as pl

from cleaner.errors import UnknownParagraphError
from cleaner.normalize import normalize_text, words
from cleaner.tables.write import read_output


def shared_runs(text: str, other: str, min_words: int = 3) -> list[str]:
    """Runs of at least ``min_words`` normalised words that both texts contain, in ``text``'s order."""
    left, right = words(normalize_text(text)), words(normalize_text(other))
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    return [" ".join(left[m.a : m.a + m.size]) for m in matcher.get_matching_blocks() if m.size >= min_words]


def explain(out_dir: str | os.PathLike[str], para_id: str, width: int = 100) -> str:
    """A readable account of ``para_id``'s cluster in the output folder ``out_dir``."""
    tables = read_output(out_dir)
    paragraphs, documents, clusters = tables["paragraphs"], tables["documents"], tables["clusters"]
    row = paragraphs.filter(pl.col("para_id") == para_id)
    if row.height == 0:
        raise UnknownParagraphError(para_id)
    paragraph = row.row(0, named=True)
    members = (
        paragraphs.filter(pl.col("cluster_id") == paragraph["cluster_id"])
        .join(documents.select("doc_id", "source", "date"), on="doc_id", how="left")
        .sort(pl.col("is_canonical").not_(), "para_id")
    )
    # the clusters table names the canonical, which may be a paragraph of an earlier run (an index)
    cluster = clusters.filter(pl.col("cluster_id") == paragraph["cluster_id"]).row(0, named=True)
    todays = members.filter(pl.col("para_id") == cluster["canonical_para_id"])
    if todays.height:
        canonical = todays.row(0, named=True)
        origin = f"source {canonical['source']}, date {canonical['date'] or 'unknown'}"
    else:
        canonical = {"para_id": cluster["canonical_para_id"], "text": cluster["text"]}
        origin = f"from an earlier run kept in the index; sources {', '.join(cluster['sources'])}"
    lines = [
        f"paragraph {para_id} is in cluster {paragraph['cluster_id']} with {members.height - 1} other paragraph(s) of this run",
        f"canonical: {canonical['para_id']} ({origin})",
        textwrap.indent(textwrap.fill(canonical["text"], width), "  "),
        "",
        "canonical rule: earliest date, then --prefer order, then most words, then longest, then doc_id",
        "",
    ]
    for member in members.iter_rows(named=True):
        if member["is_canonical"]:
            continue
        marker = "=>" if member["para_id"] == para_id else "  "
        lines.append(
            f"{marker} {member['para_id']} ({member['source']}): {member['match']}, "
            f"Jaccard {member['similarity']:.3f}, containment {member['containment']:.3f}"
        )
    if not paragraph["is_canonical"]:
        lines += ["", f"{para_id}:", textwrap.indent(textwrap.fill(paragraph["text"], width), "  "), "", "shared with the canonical:"]
        runs = shared_runs(paragraph["text"], canonical["text"])
        lines += [textwrap.indent(textwrap.fill(f'"{run}"', width), "  ") for run in runs] or ["  (no run of 3 words)"]
    return "\n".join(lines)
