"""Extract stage for HTML: the main text of a page, and its metadata.

Two extractors read each page, parsed once. readability-lxml (Mozilla Readability's
algorithm) finds the article element, rendered to text by html-text (ScrapingHub's: the
spacing a browser would show); when it finds almost nothing, trafilatura reads the page too and
the longer text wins. Measured on the extraction-wide pages (ScrapingHub token F1, dragnet /
cleaneval / readability): readability-lxml 0.9 with html-text 0.917 / 0.896 / 0.960,
trafilatura without comments 0.910 / 0.881 / 0.939, and the two as here 0.920 / 0.901 / 0.960;
choosing trafilatura more often (when most of its text is outside readability's) helps
CleanEval and costs the news sets. The metadata (title, author, date, site) is trafilatura's,
from the same parse.

trafilatura runs with ``deduplicate`` off: its cache is process-wide, so a page's output would
depend on which pages a worker saw before (field notes). Duplicates are our job. Clutter that
survives extraction (a "Related:" line, share prompts) is removed afterwards by the same phrase
patterns the text rules use, each line with its reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import html_text
import lxml.etree
import lxml.html
import trafilatura
from readability import Document
from readability.readability import Unparseable
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from cleaner.dates import iso_date
from cleaner.normalize import normalize_text
from cleaner.paragraphs import Paragraph, split_unnumbered
from cleaner.strip import StripOptions, pattern_reasons
from cleaner.strip.features import byline_author
from cleaner.strip.language import guess_languages, iso_code

PRIMARY = "readability"
SECOND = "trafilatura"
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)
"""readability logs every page it cannot parse before raising; the failure is recorded by us."""
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class ExtractResult:
    """Paragraphs of a page's main text, its metadata, and what was dropped and why."""

    paragraphs: list[Paragraph]
    metadata: dict[str, str | None]
    removed: list[tuple[str, str]] = field(default_factory=list)
    """``(text, reason)`` of lines removed after extraction, plus one summary row."""
    extractor: str = PRIMARY
    text: str = ""
    """The main text as extracted, before the text rules removed clutter from it."""


MIN_MAIN_WORDS = 8
"""readability-lxml's text with fewer words than this (a caption, a menu label) is "almost
nothing": trafilatura reads the page too and the longer text wins. Among 0 / 8 / 23 / 53 / 103
words (at least 0 / 5 / 20 / 50 / 100 word 4-grams), each extraction-wide set left out picks 8
or 23 on the other two; 8 scores dragnet 0.920 / cleaneval 0.901 / readability 0.960."""
_WORD = re.compile(r"\w+")
TITLE_WITHIN = 3
"""The headline, when one of the first three paragraphs repeats the page's title, moves to
metadata (a cookie notice or a kicker may come first)."""


def readability_text(page: lxml.html.HtmlElement | str) -> str:
    """readability-lxml's main text of a page (a parsed tree, which it changes, or markup),
    rendered by html-text: paragraphs one per line, as a browser would space them."""
    try:
        summary = Document(page).summary(html_partial=True)
        return html_text.extract_text(summary, guess_layout=True)
    except (Unparseable, lxml.etree.LxmlError, ValueError, TypeError):
        return ""


def trafilatura_text(html: str) -> str:
    """trafilatura's main text of a page, comments left out (they are not article text)."""
    try:
        return trafilatura.extract(html, deduplicate=False, include_comments=False, include_tables=True, include_images=False) or ""
    except (lxml.etree.LxmlError, ValueError, TypeError):
        return ""


def page_metadata(tree: lxml.html.HtmlElement | None, url: str | None) -> dict[str, str | None]:
    """Title, author, date, site name, language and URL of a page, as trafilatura reads them."""
    metadata: dict[str, str | None] = {k: None for k in ("title", "author", "date", "sitename", "language", "url")}
    if tree is None:
        return metadata
    try:
        found = extract_metadata(tree, default_url=url)
    except (lxml.etree.LxmlError, ValueError, TypeError, AttributeError):
        return metadata
    language = tree.get("lang") or None
    metadata.update(
        title=found.title, author=found.author, date=iso_date(found.date), sitename=found.sitename,
        language=language.split("-")[0].lower() if language else None, url=found.url,
    )
    return metadata


def extract_html(
    html: str, *, url: str | None = None, options: StripOptions | None = None, guess_language: bool = True
) -> ExtractResult:
    """Main text and metadata of one HTML page (module docstring: readability-lxml, then
    trafilatura when that finds almost nothing; ``extractor`` says whose text it is).

    The text rules then remove the clutter that extraction let through, each line with its
    reason. A language the page does not state is guessed from the text unless
    ``guess_language`` is off (a batch guesses its pages' languages at once, from
    :attr:`ExtractResult.text`).
    """
    options = options or StripOptions()
    tree = load_html(html) if html.strip() else None
    metadata = page_metadata(tree, url)
    text, extractor = (readability_text(tree) if tree is not None else ""), PRIMARY
    if len(_WORD.findall(text)) < MIN_MAIN_WORDS:
        second = trafilatura_text(html) if html.strip() else ""
        if len(second.strip()) > len(text.strip()):
            text, extractor = second, SECOND
    if not text.strip():
        summary = f"{PRIMARY} and {SECOND} found no main text in {len(html):,} characters of HTML"
        return ExtractResult([], metadata, [(summary, "extraction-empty")], "none")
    if metadata["language"] is None and guess_language:
        metadata["language"] = iso_code(guess_languages([text])[0])
    kept: list[Paragraph] = []
    removed: list[tuple[str, str]] = []
    title = metadata["title"]
    title_key = normalize_text(title) if title else None
    paragraphs = split_unnumbered(text)
    reasons = pattern_reasons([p.text for p in paragraphs], options) if options.strip else [None] * len(paragraphs)
    title_at = next(
        (i for i, p in enumerate(paragraphs[:TITLE_WITHIN]) if title_key is not None and normalize_text(p.text) == title_key), None
    )
    for index, (paragraph, reason) in enumerate(zip(paragraphs, reasons)):
        if index == title_at:
            removed.append((paragraph.text, "title"))
            continue
        if index < TITLE_WITHIN + 2 and reason is None and (author := byline_author(paragraph.text)) is not None:
            metadata["author"] = metadata["author"] or author
            removed.append((paragraph.text, "byline"))
            continue
        if reason is None:
            kept.append(paragraph)
        else:
            removed.append((paragraph.text, reason))
    kept_chars = sum(len(p.text) for p in kept)
    summary = (
        f"{extractor} kept {kept_chars:,} characters in {len(kept)} paragraphs from {len(html):,} characters "
        f"of HTML; the rest (navigation, markup, scripts, comments, clutter) was dropped"
    )
    removed.append((summary, "html-extraction"))
    return ExtractResult(kept, metadata, removed, extractor, text)
