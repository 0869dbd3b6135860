"""Extract stage for HTML: trafilatura finds the main text and metadata of a page.

``deduplicate`` stays off: trafilatura's cache is process-wide, so with it a page's output
would depend on which pages a worker saw before (field notes). Duplicates are our job.
Clutter that survives extraction (a "Related:" line, share prompts) is removed afterwards
by the same phrase patterns the text rules use, each line with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trafilatura

from cleaner.dates import iso_date
from cleaner.normalize import normalize_text
from cleaner.paragraphs import Paragraph, split_unnumbered
from cleaner.strip import StripOptions, pattern_reason_of

EXTRACTOR = "trafilatura"


@dataclass(frozen=True)
class ExtractResult:
    """Paragraphs of a page's main text, its metadata, and what was dropped and why."""

    paragraphs: list[Paragraph]
    metadata: dict[str, str | None]
    removed: list[tuple[str, str]] = field(default_factory=list)
    """``(text, reason)`` of lines removed after extraction, plus one summary row."""
    extractor: str = EXTRACTOR


def extract_html(html: str, *, url: str | None = None, options: StripOptions | None = None) -> ExtractResult:
    """Main text and metadata of one HTML page."""
    options = options or StripOptions()
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        deduplicate=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
    )
    empty_meta: dict[str, str | None] = {k: None for k in ("title", "author", "date", "sitename", "language", "url")}
    if document is None or not (document.text or "").strip():
        summary = f"{EXTRACTOR} found no main text in {len(html):,} characters of HTML"
        return ExtractResult([], empty_meta, [(summary, "extraction-empty")], "none")
    metadata = {
        "title": document.title,
        "author": document.author,
        "date": iso_date(document.date),
        "sitename": document.sitename,
        "language": document.language,
        "url": document.url,
    }
    kept: list[Paragraph] = []
    removed: list[tuple[str, str]] = []
    title_key = normalize_text(document.title) if document.title else None
    for index, paragraph in enumerate(split_unnumbered(document.text)):
        if index == 0 and title_key is not None and normalize_text(paragraph.text) == title_key:
            removed.append((paragraph.text, "title"))
            continue
        reason = pattern_reason_of(paragraph.text, options) if options.strip else None
        if reason is None:
            kept.append(paragraph)
        else:
            removed.append((paragraph.text, reason))
    kept_chars = sum(len(p.text) for p in kept)
    summary = (
        f"{EXTRACTOR} kept {kept_chars:,} characters in {len(kept)} paragraphs from {len(html):,} characters "
        f"of HTML; the rest (navigation, markup, scripts, comments, clutter) was dropped"
    )
    removed.append((summary, "html-extraction"))
    return ExtractResult(kept, metadata, removed)
