"""Site templates: short lines that recur across many documents of the same source.

A menu, a section label or a footer line that an outlet prints on every page is clutter
whatever its language or wording, and no phrase list needs to know it. Before stripping,
one pass over the documents counts, per source, in how many documents each short line
occurs; lines found in at least ``min_documents`` documents and ``min_share`` of the
source's documents are that source's template, removed with reason ``template``.
Long lines are never template candidates: a paragraph repeated across documents is
syndicated content, which deduplication handles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import xxhash

from cleaner.normalize import normalize_text

MAX_TEMPLATE_WORDS = 20


def line_key(line: str) -> int | None:
    """The key a line is counted under, or ``None`` for blank and long lines."""
    normalized = normalize_text(line)
    if not normalized or normalized.count(" ") >= MAX_TEMPLATE_WORDS:
        return None
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8"))


def find_templates(
    documents: Iterable[Mapping[str, Any]], min_documents: int = 3, min_share: float = 0.2
) -> dict[str, frozenset[int]]:
    """Per source, the keys of lines that make up its template (text documents only)."""
    occurrences: dict[str, Counter[int]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for doc in documents:
        if doc.get("content_type") != "text":
            continue
        source = doc["source"]
        totals[source] += 1
        keys = {line_key(line) for line in doc["body"].splitlines()}
        keys.discard(None)
        occurrences[source].update(keys)
    templates: dict[str, frozenset[int]] = {}
    for source, counts in occurrences.items():
        needed = max(min_documents, min_share * totals[source])
        found = frozenset(key for key, count in counts.items() if count >= needed)
        if found:
            templates[source] = found
    return templates
