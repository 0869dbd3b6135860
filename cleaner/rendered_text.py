"""A page's text with the spaces a browser shows: html-text's layout, the markup's own spacing.

html-text (``html_text.etree_to_text``) puts a space between any two pieces of text that sit
in different elements unless the second opens with punctuation, so that words in adjacent cells
or spans do not run together. A browser does not: ``<span class="dropcap">A</span>dvertise``
shows "Advertise", ``“<em>no</em>”`` shows "“no”", and Chinese or Japanese text split into
styled spans shows no space at all (``一波波<span>接續性</span>低溫``), where html-text wrote
"A dvertise", "“ no ”" and "一波波 接續性 低溫". Mozilla Readability's gold is the text content
of its article, which adds no space between elements; trafilatura's text (the other extractor)
already joins inline elements as a browser does.

:func:`rendered_text` walks the tree as html-text does (its line breaks before and after its
``NEWLINE_TAGS`` and ``DOUBLE_NEWLINE_TAGS``, runs of whitespace squeezed to one space), but
puts a space between two pieces of text only where the markup has whitespace between them.
Used for readability-lxml's article (``cleaner.extract.readability_text``); nothing is tuned.
Measured on extraction-wide's three sets and extraction-dev (``benchmarks/html_wide.py``,
``benchmarks/html_extract.py``): readability's text changes on 300 / 267 / 38 / 251 pages,
token F1 Dragnet 0.92773 -> 0.92808, CleanEval 0.91177 -> 0.91199, Readability 0.95885 ->
0.96198, extraction-dev snippets 0.92991 -> 0.93119.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import html_text
import lxml.etree
import lxml.html
from lxml_html_clean import Cleaner

_WHITESPACE = re.compile(r"\s+")
SEPARATE_BOXES = frozenset(
    {
        "address", "caption", "center", "dialog", "dir", "hgroup", "menu", "search", "section", "summary",
        "td", "th", "thead", "tbody", "tfoot",
    }
)
"""Elements a browser lays out as blocks or table cells that html-text gives no line break:
their text never runs into the text beside them (``<td>a</td><td>b</td>`` reads "a b",
``<section>``'s text starts a word), a space where html-text puts no line. No text of
readability's on the four sets' 3,211 pages changes with them (its article rarely keeps such
elements); they are there so that no page's cells run together."""


def rendered_text(
    tree: lxml.html.HtmlElement,
    newline_tags: Iterable[str] = html_text.NEWLINE_TAGS,
    double_newline_tags: Iterable[str] = html_text.DOUBLE_NEWLINE_TAGS,
) -> str:
    """The text of ``tree`` (cleaned as html-text expects it: :func:`rendered_html_text`) as
    html-text lays it out, with a space between two pieces of text only where the markup
    has whitespace between them (at the end of the first, the start of the second, or in
    between: a tail of spaces after an inline element)."""
    newlines, double_newlines = frozenset(newline_tags), frozenset(double_newline_tags)
    chunks: list[str] = []
    at_line_start = True
    blank_line_last = True  # no blank line is written before the first text
    spaced = False  # whitespace in the markup since the last piece of text

    def break_lines(tag: str) -> None:
        nonlocal at_line_start, blank_line_last, spaced
        if blank_line_last:
            return
        if tag in SEPARATE_BOXES:
            spaced = True
        elif tag in double_newlines:
            chunks.append("\n" if at_line_start else "\n\n")
            at_line_start = blank_line_last = True
            spaced = False
        elif tag in newlines:
            if not at_line_start:
                chunks.append("\n")
            at_line_start, spaced = True, False

    def add(raw: str | None) -> None:
        nonlocal at_line_start, blank_line_last, spaced
        if not raw:
            return
        text = _WHITESPACE.sub(" ", raw.strip())
        if not text:
            spaced = True
            return
        if not at_line_start and (spaced or raw[0].isspace()):
            chunks.append(" ")
        chunks.append(text)
        at_line_start = blank_line_last = False
        spaced = raw[-1].isspace()

    for event, element in lxml.etree.iterwalk(tree, events=("start", "end")):
        is_element = isinstance(element.tag, str)  # not a comment or a processing instruction
        if is_element:
            break_lines(element.tag)
        if event == "start":
            add(element.text if is_element else None)
        elif element is not tree:
            add(element.tail)
    return "".join(chunks).strip()


def rendered_html_text(markup: str) -> str:
    """:func:`rendered_text` of a piece of markup, parsed and cleaned as
    ``html_text.extract_text`` parses and cleans it (scripts, styles, comments out)."""
    return rendered_text(cleaned_as_html_text_cleans(html_text.parse_html(markup)))


def cleaned_as_html_text_cleans(tree: lxml.html.HtmlElement, cleaner: Cleaner = html_text.cleaner) -> lxml.html.HtmlElement:
    """A cleaned copy of ``tree`` (``cleaner``: html-text's own by default), or ``tree`` itself
    where lxml's cleaner fails on it, as html-text does (https://bugs.launchpad.net/lxml/+bug/1838497)."""
    try:
        return cleaner.clean_html(tree)
    except AssertionError:
        return tree
