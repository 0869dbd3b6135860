"""Extract stage for HTML: the main text of a page, and its metadata.

Two extractors read each page, parsed once (:func:`parse_page`, :func:`read_candidates`).
readability-lxml (Mozilla Readability's algorithm) finds the article element, rendered to text
by html-text (ScrapingHub's: the spacing a browser would show); trafilatura (comments left out)
reads the page too. Its first lines lead readability's text where readability started below
them (:func:`lead_only_in`), and its text is taken instead when it is closer to a third
reading of the page, the text rules on the page's whole visible text (:func:`second_is_closer`);
the other's lines that this third reading has too complete it (:func:`with_confirmed_lines`).
The metadata (title, author, date, site) is trafilatura's (:func:`page_metadata`: its reader
less the fields cleaner does not keep), except the author: a byline at the top of the text
("By NAME, OUTLET | DATE") comes first (on the 10 extraction-dev pages where the two differ, the byline is right on 6 and
trafilatura on 2). A reader comment thread kept with the article is removed as in text mode.

trafilatura runs with ``deduplicate`` off: its cache is process-wide, so a page's output would
depend on which pages a worker saw before (field notes). Duplicates are our job. Clutter that
survives extraction (a "Related:" line, share prompts) is removed afterwards by the same phrase
patterns the text rules use, each line with its reason.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

import html_text
import lxml.etree
import lxml.html
import trafilatura
from htmldate import find_date
from lxml_html_clean import Cleaner
from readability import Document
from readability.readability import REGEXES as READABILITY_PATTERNS
from readability.readability import Unparseable
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.settings import set_date_params
from trafilatura.utils import is_dubious_html, repair_faulty_html

from cleaner.dates import iso_date
from cleaner.normalize import normalize_text
from cleaner.paragraphs import Paragraph, split_unnumbered
from cleaner.rendered_text import cleaned_as_html_text_cleans, rendered_html_text
from cleaner.strip import StripOptions, pattern_reasons, strip_texts
from cleaner.strip.comments import (
    ARTICLE_BEFORE,
    HEADER_WORDS,
    MARKER_PATTERNS,
    THREAD_WINDOW,
    mentions_comments,
    names_comments,
    opens_thread,
)
from cleaner.strip.features import byline_author, is_dateline
from cleaner.strip.inline import without_reference_marks
from cleaner.strip.language import language_codes
from cleaner.tidy import tidy_text

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


_WORD = re.compile(r"\w+")
METADATA_FIELDS = ("title", "author", "date", "sitename", "language", "url")
TITLE_WITHIN = 3
"""The headline, when one of the first three paragraphs repeats the page's title, moves to
metadata (a cookie notice or a kicker may come first)."""


_Grams = AbstractSet[tuple[str, ...]]
"""Word 4-grams of a text: a set, or the keys of a :class:`_Reading`'s ``first_line_of``."""


def second_is_closer(first: str, second: str, view: str) -> bool:
    """Whether trafilatura's text (``second``) is the page's main text rather than
    readability-lxml's (``first``, with trafilatura's lead): whether it is the closer of the
    two to ``view``, a third reading of the page (the text rules, rules only, on the page's
    whole visible text: :func:`choose_main_texts`). Closeness is the Dice overlap of
    lower-cased word 4-grams. A tie goes to readability, unless readability found nothing and
    trafilatura did.

    The two extractors disagree on the pages where one of them read the wrong part of the page,
    and neither is right more often across sets. A rule on the two texts alone (trafilatura's
    when at least as long and 70% or more of it new) held out 0.9192 / 0.9094 / 0.9552 and
    0.9179 on extraction-dev (Dragnet / CleanEval / Readability); the third reading, with
    nothing tuned, 0.9227 / 0.9096 / 0.9551 and 0.9261 (``benchmarks/html_choice.py``, which
    chooses among these rules leaving each set out: every set left out chose this one; with
    :func:`with_confirmed_lines` added to every rule, every set left out chooses it by the mean of
    the other three, and by their worst set only when CleanEval is left out). With the learned line model in the third
    reading, the line model's thresholds chosen leaving each set out: 0.9222 / 0.9092 / 0.9548
    (and extraction-dev, which the model learned from), so the reading is rules only."""
    return _second_is_closer(_text_grams(first), _text_grams(second), _text_grams(view))


def _second_is_closer(mine: _Grams, theirs: _Grams, view_grams: _Grams) -> bool:
    closer, nearer = _dice(theirs, view_grams), _dice(mine, view_grams)
    if closer == nearer:
        return not mine and bool(theirs)
    return closer > nearer


def _dice(one: _Grams, other: _Grams) -> float:
    return 2 * len(one & other) / (len(one) + len(other)) if one or other else 0.0


def _text_grams(text: str) -> set[tuple[str, ...]]:
    """The union of the lines' :func:`_line_grams`, gathered into one set: a set a line, then
    their union, took 6.6-9.1 s against 6.0-6.6 for the 9,633 texts of the four sets' cached
    candidates (the same grams; the choice is 3.5% of a worker's time, py-spy)."""
    grams: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        grams.update(_grams_of(line))
    return grams


LEAD_LINES = 4
"""At most this many of trafilatura's lines lead readability's text: the headline, a
standfirst, a byline, a dateline. trafilatura sometimes starts at the top of the page, and all
of its lines before the article led it (a site's menu and its featured stories). Chosen leaving
each set out among 2 / 3 / 4 / 6 / 10 / no limit (the mean of the other three sets): 4 when
Dragnet or Readability is left out, 6 for CleanEval, 2 for extraction-dev; held out, Dragnet
0.92736 -> 0.92748, CleanEval 0.91032 -> 0.91154, Readability 0.95518 -> 0.95515,
extraction-dev 0.93026 -> 0.92953; 4 on all four: 0.92748 / 0.91190 / 0.95515 / 0.93009
(CleanEval 50 pages better, 12 worse)."""


def lead_only_in(second: str, first: str) -> list[str]:
    """The last :data:`LEAD_LINES` lines of ``second`` before its first line that ``first``
    also has (half or more of the line's lower-cased word 4-grams in ``first``'s; a line under
    four words counts as one gram). Empty when the two share no line: then they read different
    parts of the page.

    readability-lxml starts at the element it scored best, and misses what stands before it in
    the article: the headline over a subtitle, the standfirst, the dateline. trafilatura's text
    starts higher. Where trafilatura's lines are not in readability's, their word 4-grams are
    in the gold text 64% (Dragnet), 75% (CleanEval) and 75% (Readability) of the time before the
    first line both share, and 18-92% between and after it. Put before readability's text
    (readability's on every page, then the text rules): Dragnet 0.9160 -> 0.9201, CleanEval
    0.8942 -> 0.8942, Readability 0.9586 -> 0.9585, extraction-dev snippets 0.8816 -> 0.8968,
    before the lead had a limit."""
    return _lead_of(_Reading.of(second), _text_grams(first))[0]


def _lead_of(second: _Reading, known: _Grams) -> tuple[list[str], list[set[tuple[str, ...]]]]:
    """:func:`lead_only_in` of a reading and the grams of the text it leads, with the lead
    lines' grams."""
    for index, grams in enumerate(second.grams):
        if grams and 2 * len(grams & known) >= len(grams):
            kept = [at for at in range(index) if second.grams[at]][-LEAD_LINES:]
            return [second.lines[at].strip() for at in kept], [second.grams[at] for at in kept]
    return [], []


def with_confirmed_lines(chosen: str, other: str, view: str) -> str:
    """``chosen`` with the lines of ``other`` (the extractor not chosen) that it lacks and the
    third reading ``view`` has: each is put after the last line before it that the two texts
    share (at the top before any). A line is had when half or more of its lower-cased word
    4-grams are (a line under four words: when it is there whole), as in :func:`lead_only_in`.

    The chosen extractor misses part of the article on some pages (a list readability dropped,
    a paragraph trafilatura's rules left out), and a line that two of the three readings of a
    page have is more often article than not. Nothing tuned (the half is the convention above);
    ``benchmarks/html_choice.py``, each set left out: Dragnet 0.9227 -> 0.9244, CleanEval
    0.9096 -> 0.9105, Readability 0.9551 -> 0.9560, extraction-dev snippets 0.9261 -> 0.9292.
    Also taking out the chosen text's lines that neither other reading has lowered every set
    (Dragnet 0.9241, CleanEval 0.9065, Readability 0.9536), so nothing is taken out; and where
    the view must hold 30% to 100% of a line, every set moved by 0.0006 at most."""
    merged = _with_confirmed_lines(_Reading.of(chosen), _Reading.of(other), _text_grams(view))
    return chosen if merged is None else merged


@dataclass(frozen=True)
class _Reading:
    """A text's non-blank lines, each line's :func:`_line_grams`, and the first line that holds
    each gram (its keys are the text's :func:`_text_grams`): made once per text of a page, for
    the choice and for :func:`with_confirmed_lines`."""

    lines: list[str]
    grams: list[set[tuple[str, ...]]]
    first_line_of: dict[tuple[str, ...], int]

    @classmethod
    def of(cls, text: str) -> _Reading:
        lines = [line for line in text.splitlines() if line.strip()]
        grams = [_line_grams(line) for line in lines]
        return cls(lines, grams, _first_lines(grams))

    def led_by(self, lead: list[str], lead_grams: list[set[tuple[str, ...]]]) -> _Reading:
        """The reading of ``lead`` (lines with grams ``lead_grams``) put before this text, as
        :meth:`Candidates.take` joins them, from the grams already read: each text of a page
        is read once, 35% fewer lines split into grams (the choice of extraction-dev's 990
        cached pages 2.72-2.76 -> 2.40-2.45 ms a page, three alternating rounds; the same
        main texts on all 3,211 pages of the four sets)."""
        if not lead:
            return self
        first_line_of = _first_lines(lead_grams)
        for gram, index in self.first_line_of.items():
            first_line_of.setdefault(gram, index + len(lead))
        return _Reading([*lead, *self.lines], [*lead_grams, *self.grams], first_line_of)


def _first_lines(grams: list[set[tuple[str, ...]]]) -> dict[tuple[str, ...], int]:
    first_line_of: dict[tuple[str, ...], int] = {}
    for index, line_grams in enumerate(grams):
        for gram in line_grams:
            first_line_of.setdefault(gram, index)
    return first_line_of


def _with_confirmed_lines(chosen: _Reading, other: _Reading, view_grams: set[tuple[str, ...]]) -> str | None:
    """:func:`with_confirmed_lines` of two readings; ``None`` when it adds nothing."""
    if not chosen.lines or not other.lines:
        return None
    first_line_of = chosen.first_line_of
    after: dict[int, list[str]] = {}
    last_shared: set[tuple[str, ...]] = set()
    for line, grams in zip(other.lines, other.grams):
        if not grams:
            continue
        if 2 * sum(gram in first_line_of for gram in grams) >= len(grams):
            last_shared = grams
        elif 2 * len(grams & view_grams) >= len(grams):
            after.setdefault(_place_of(last_shared, first_line_of), []).append(line.strip())
    if not after:
        return None
    merged = after.get(-1, [])
    for index, line in enumerate(chosen.lines):
        merged.append(line)
        merged.extend(after.get(index, []))
    return "\n\n".join(merged)


def _place_of(grams: set[tuple[str, ...]], first_line_of: dict[tuple[str, ...], int]) -> int:
    """The line that holds most of ``grams`` (the earliest of a tie); -1 for none."""
    places = Counter(first_line_of[gram] for gram in grams if gram in first_line_of)
    return max(places, key=lambda place: (places[place], -place)) if places else -1


def _line_grams(line: str) -> set[tuple[str, ...]]:
    """A line's lower-cased word 4-grams; a shorter line is one gram of all its words, so that
    a short headline or dateline counts as shared only where the other text has it whole."""
    return set(_grams_of(line))


def _grams_of(line: str) -> Iterable[tuple[str, ...]]:
    """:func:`_line_grams`, not yet a set."""
    words = _WORD.findall(line.lower())
    if len(words) < 4:
        return [tuple(words)] if words else []
    return zip(words, words[1:], words[2:], words[3:])


class _Readability(Document):
    """readability-lxml on a tree parsed once for both extractors, cleaned by
    :data:`_TEXT_CLEANER`. Its first pass reads the tree itself (trafilatura has already read
    it, and copies what it changes); a retry (readability's less ruthless second pass) parses
    the markup again, as readability re-reads its input.

    Two of readability-lxml's passes are done here another way, with the same result: on all
    3,211 pages of extraction-wide's three sets and extraction-dev, the same summary byte for
    byte, and readability's time per page 17.5 -> 14.3 ms (the two passes 7.8 -> 3.8 ms). Its
    link density counts cleaned lengths instead of cleaning texts (:meth:`get_link_density`):
    the same texts on all 3,211 pages, 11.8 -> 9.7 ms a page on 400 extraction-dev pages.
    ``tests/test_extract.py`` compares them with readability-lxml's own on pages made to
    differ; ``benchmarks/html_wide.py`` counts the pages where this class and readability-lxml
    given the markup disagree.

    One change is meant: what the markup hides and the form controls are not read
    (:func:`drop_unread_markup`), as Mozilla Readability leaves them out. The texts then
    differ on 22 / 6 / 9 pages of Dragnet / CleanEval / Readability, and this pass alone scores
    0.921 / 0.895 / 0.961 against readability-lxml's 0.917 / 0.896 / 0.960 (token F1); spaced as
    a browser shows it (:func:`readability_text`), 0.922 / 0.895 / 0.966, against 0.918 / 0.896 /
    0.964 for readability-lxml's summary spaced the same way."""

    def __init__(self, tree: lxml.html.HtmlElement, markup: str) -> None:
        super().__init__(tree)
        self._markup = markup
        self._first_pass = True

    def _parse(self, tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
        doc = tree if self._first_pass else parse_page(self._markup)
        self._first_pass = False
        if doc is None:
            raise Unparseable("no HTML tree")
        for hidden in doc.xpath("//*[@hidden]"):
            hidden.drop_tree()
        for styled in doc.xpath("//*[@style]"):
            if READABILITY_PATTERNS["displayNoneRe"].search(styled.get("style")):
                styled.drop_tree()
        if doc is not tree:
            drop_unread_markup(doc)  # the retry skips remove_unlikely_candidates, which drops them on the first pass
        _TEXT_CLEANER(doc)
        doc.resolve_base_href(handle_failures=self.handle_failures)
        return doc

    def remove_unlikely_candidates(self) -> None:
        """readability-lxml's own pass, with each ``class id`` string judged once a page and
        the two structural checks walked by lxml's iterators instead of XPath expressions
        compiled anew for every element they test; form controls and the elements the markup
        hides (:func:`drop_unread_markup`) go in the same walk (an XPath walk of their own cost
        1.2 ms a page of extraction-dev, 3% of a page's whole extraction). Only the elements
        that can be dropped are walked (:data:`_MAY_BE_UNLIKELY`, found by libxml2): 200,000
        elements of 300 extraction-dev pages were tested one by one in Python before."""
        unlikely_at: dict[str, bool] = {}
        hides = functools.cache(_hides)  # a page repeats its class strings
        for elem in _MAY_BE_UNLIKELY(self.html):
            if _unread(elem, hides):
                elem.drop_tree()
                continue
            names = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
            if len(names) < 2:
                continue
            unlikely = unlikely_at.get(names)
            if unlikely is None:
                unlikely = unlikely_at[names] = unlikely_by_name(names)
            if unlikely and elem.tag not in ("html", "body") and not _inside_code(elem) and not _holds_article(elem):
                elem.drop_tree()

    def score_paragraphs(self) -> dict[lxml.html.HtmlElement, dict[str, Any]]:
        """readability-lxml's own scores, with each paragraph's cleaned length counted
        (:func:`cleaned_length`) and its commas counted in the text as it is (cleaning only
        changes whitespace) instead of cleaning the text, and without the debug message it
        formatted for every candidate whether or not anything logs it."""
        candidates: dict[lxml.html.HtmlElement, dict[str, Any]] = {}
        ordered = []
        for elem in self.tags(self._html(), "p", "pre", "td", "blockquote"):
            parent = elem.getparent()
            if parent is None:
                continue
            grandparent = parent.getparent()
            text = elem.text_content() or ""
            length = cleaned_length(text)
            if length < self.min_text_length:
                continue
            if parent not in candidates:
                candidates[parent] = self.score_node(parent)
                ordered.append(parent)
            if grandparent is not None and grandparent not in candidates:
                candidates[grandparent] = self.score_node(grandparent)
                ordered.append(grandparent)
            content_score = 1 + text.count(",") + 1 + min(length / 100, 3)
            candidates[parent]["content_score"] += content_score
            if grandparent is not None:
                candidates[grandparent]["content_score"] += content_score / 2.0
        for elem in ordered:
            candidates[elem]["content_score"] *= 1 - self.get_link_density(elem)
        return candidates

    def get_link_density(self, elem: lxml.html.HtmlElement) -> float:
        """readability-lxml's own, with each text's cleaned length counted (:func:`cleaned_length`)
        instead of cleaned by three regular expressions: 4% of a whole ``cleaner clean`` of
        HTML before (py-spy), about 4x less now."""
        link_length = sum(cleaned_length(link.text_content() or "") for link in elem.iterdescendants("a"))
        return float(link_length) / max(cleaned_length(elem.text_content() or ""), 1)

    def transform_misused_divs_into_paragraphs(self) -> None:
        """readability-lxml's own pass, which asks whether an element holds a block element by
        serialising it and searching the markup for a block tag's opening (every ``<div>``
        serialised its whole subtree); here by the tags of its descendants. The two agree where
        the markup shows exactly the elements: no comment or processing instruction, no script
        or style (their text is not escaped) and no ``<`` in an attribute's name; any other
        page takes readability-lxml's own pass."""
        if not _serialises_as_its_elements(self.html):
            super().transform_misused_divs_into_paragraphs()
            return
        for elem in self.html.findall(".//div"):
            if not _holds_block(elem):
                elem.tag = "p"
        for elem in self.html.findall(".//div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                paragraph = lxml.html.fragment_fromstring("<p/>")
                paragraph.text, elem.text = elem.text, None
                elem.insert(0, paragraph)
            for child in children:
                if child.tag == "br" or child.tag not in _INLINE_TAGS or _holds_block(child):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = lxml.html.fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)
            for position, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    loose = lxml.html.fragment_fromstring("<p/>")
                    loose.text, child.tail = child.tail, None
                    elem.insert(position + 1, loose)
                if child.tag == "br":
                    child.drop_tree()


FORM_CONTROLS = frozenset({"select", "button"})
"""Elements whose text is a control's, not the article's: a ``<select>`` shows one option
(html-text prints them all: a Bible site's 700 words of translation names), a ``<button>``
its label. Mozilla Readability removes both from the article; readability-lxml keeps them."""
HIDING_CLASSES = frozenset(
    {
        "hidden", "hide", "d-none", "invisible", "is-hidden", "u-hidden",
        "visually-hidden", "visuallyhidden", "sr-only", "screen-reader-text", "element-invisible", "offscreen",
    }
)
"""Class names that hide an element by the convention of CSS frameworks and platforms
(Bootstrap, Tailwind, Foundation, HTML5 Boilerplate, WordPress and Drupal themes): a reader
never sees it. Fixed from those frameworks' documentation, not tuned."""
_SHOWN_AT_A_BREAKPOINT = re.compile(r":|^d-(?:sm|md|lg|xl|xxl)-(?!none)")
"""A class that shows the element again on some screens (Tailwind's ``lg:block``,
Bootstrap's ``d-md-flex``): ``hidden lg:flex`` is a desktop menu, not a hidden one."""
_MAY_HIDE = lxml.etree.XPath(
    "//*[@class][contains(@class, 'hid') or contains(@class, 'none') or contains(@class, 'invisible')"
    " or contains(@class, 'sr-only') or contains(@class, 'screen-reader') or contains(@class, 'offscreen')]"
    " | //*[@aria-hidden = 'true'] | //select | //button"
)


def hidden_by_markup(elem: lxml.html.HtmlElement, hides: Callable[[str], bool] | None = None) -> bool:
    """Whether a page's markup hides ``elem`` from its readers without a ``hidden`` attribute or
    an inline ``display: none`` (which readability-lxml drops itself): ``aria-hidden="true"``, as
    Mozilla Readability's visibility test reads it, or a hiding class (:data:`HIDING_CLASSES`)
    with no class that shows it again at a breakpoint. ``hides``: the class test, cached by a
    caller that walks a whole page."""
    classes = elem.get("class", "")
    if elem.get("aria-hidden") == "true":
        return "fallback-image" not in classes
    return (hides or _hides)(classes)


def _hides(classes: str) -> bool:
    names = classes.split()
    return not HIDING_CLASSES.isdisjoint(names) and not any(_SHOWN_AT_A_BREAKPOINT.search(name) for name in names)


def drop_unread_markup(doc: lxml.html.HtmlElement) -> None:
    """Drops the form controls (:data:`FORM_CONTROLS`) and what :func:`hidden_by_markup` finds
    from the tree readability-lxml reads (its first pass drops them in
    :meth:`_Readability.remove_unlikely_candidates`, in the walk it makes anyway).

    Readability took hidden copies of the article (a page that also holds its teaser, or its
    text twice for two layouts) and screen-reader labels. On extraction-wide, token F1 Dragnet
    0.92500 -> 0.92638 (eight pages of one newspaper whose article sat twice in the page, once
    under ``class="... hidden"``: 0.62 -> 0.92; one page 0.011 lower), Readability 0.95449 ->
    0.95487 (its own ``aria-hidden`` test page among them), CleanEval unchanged; extraction-dev
    snippet F1 0.92933 -> 0.93057. Only readability's tree: trafilatura and the page's
    visible text read it before, and dropping the hidden nodes from their reading as well was
    worse on extraction-dev (0.92913: galleries whose slides are hidden until shown by a
    script) and no better elsewhere.

    The form controls, after that: Dragnet 0.92642 -> 0.92686 (the translation list above,
    0.12 -> 0.65, and a page whose long ``<select>`` drew readability to a sidebar, 0.61 ->
    0.88), Readability 0.95487 -> 0.95510 (button labels), CleanEval 0.91042 -> 0.91024 (two
    pages where readability then scored another block best), extraction-dev unchanged."""
    for elem in _MAY_HIDE(doc):
        if elem.getparent() is not None and _unread(elem, _hides):
            elem.drop_tree()


def _unread(elem: lxml.html.HtmlElement, hides: Callable[[str], bool]) -> bool:
    """A form control, or an element the markup hides (``hides``: :func:`_hides`, or a cached copy)."""
    return elem.tag in FORM_CONTROLS or (elem.tag not in ("html", "body") and hidden_by_markup(elem, hides))


_MAY_BE_UNLIKELY = lxml.etree.XPath("descendant::*[@class or @id or @aria-hidden or self::select or self::button]")
"""The elements :meth:`_Readability.remove_unlikely_candidates` may drop, in document order:
a class or an id to judge, ``aria-hidden``, or a form control; any other element it leaves."""
_UNLIKELY = READABILITY_PATTERNS["unlikelyCandidatesRe"]
_MAYBE_CANDIDATE = READABILITY_PATTERNS["okMaybeItsACandidateRe"]


def _lower_case_twin(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` (ASCII words, case ignored) as a case-sensitive expression for lower-cased
    ASCII text: Python's case-insensitive search of readability's word lists took 4 us a class
    string, 0.7 us lower-cased (64,000 distinct class and id strings on 300 extraction-dev pages)."""
    if not (pattern.flags & re.IGNORECASE and pattern.pattern.isascii()):
        raise ValueError(f"not an ASCII, case-insensitive pattern: {pattern.pattern!r}")
    return re.compile(pattern.pattern.lower())


_UNLIKELY_LOWER = _lower_case_twin(_UNLIKELY)
_MAYBE_CANDIDATE_LOWER = _lower_case_twin(_MAYBE_CANDIDATE)


def unlikely_by_name(names: str) -> bool:
    """readability-lxml's test of an element's ``class id`` string: an unlikely name and no name
    that may still be the article. ASCII strings are lower-cased and searched case-sensitively
    (the same answer: case folding of ASCII text is lower-casing); others as readability does."""
    if names.isascii():
        lowered = names.lower()
        return bool(_UNLIKELY_LOWER.search(lowered)) and not _MAYBE_CANDIDATE_LOWER.search(lowered)
    return bool(_UNLIKELY.search(names)) and not _MAYBE_CANDIDATE.search(names)


_BLOCK_TAGS = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul")
"""The tags whose opening readability-lxml's ``divToPElementsRe`` finds (``<p`` opens
``<param>`` and ``<picture>`` as well: a prefix, as there)."""
_INLINE_TAGS = frozenset({"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"})
"""readability-lxml's inline tags, gathered into a paragraph when loose in a ``<div>``."""


_WHITESPACE_RUN = re.compile(r"\s{2,}")
"""The runs of whitespace that clean can change: a single space, tab or line break stays one
character (a tab becomes a space), so only longer runs are found (71,000 calls on 300
extraction-dev pages)."""
_TAB_OR_SPACES = re.compile(r"\t|[ \t]{2,}")
_LONG_RUN = 255


def cleaned_length(text: str) -> int:
    """``len(readability.readability.clean(text))`` without building the cleaned text. clean's
    three substitutions each touch only a run of whitespace: a run of 255 or more becomes one
    space (255 spaces, then squeezed), a run with a line break one line break, and any other run
    is squeezed as its ``\\t|[ \\t]{2,}`` pattern squeezes it; the strip then removes the first
    and last runs, whatever they became (``tests/test_extract.py`` checks it against clean)."""
    stripped = text.strip()
    length = len(stripped)
    for run in _WHITESPACE_RUN.findall(stripped):
        if len(run) >= _LONG_RUN or "\n" in run:
            length += 1 - len(run)
        else:
            length += len(_TAB_OR_SPACES.sub(" ", run)) - len(run)
    return length


def _inside_code(elem: lxml.html.HtmlElement) -> bool:
    return elem.tag in ("pre", "code") or next(elem.iterancestors("pre", "code"), None) is not None


def _holds_article(elem: lxml.html.HtmlElement) -> bool:
    return next(elem.iter("main", "article", "math"), None) is not None


def _holds_block(elem: lxml.html.HtmlElement) -> bool:
    return any(node.tag.lower().startswith(_BLOCK_TAGS) for node in elem.iterdescendants())


def _serialises_as_its_elements(root: lxml.html.HtmlElement) -> bool:
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style") or any("<" in name for name in node.attrib):
            return False
    return True


_TEXT_CLEANER = Cleaner(
    scripts=True, javascript=False, comments=True, style=True, links=True, meta=False, add_nofollow=False,
    page_structure=False, processing_instructions=True, embedded=False, frames=False, forms=False, annoying_tags=False,
    remove_unknown_tags=False, safe_attrs_only=False,
)
"""readability-lxml's own cleaner less its ``javascript`` pass, which rewrites ``javascript:``
links and drops event attributes: it changes no text, and took 9 of readability's 21 ms a page
on extraction-dev. readability-lxml given the same tree gives the same text on all 990
extraction-dev pages and all 727 CleanEval pages (checked by hand this once;
``tests/test_extract.py`` keeps a page with such links). ``benchmarks/html_wide.py`` counts the
pages where this pass differs from readability-lxml given the markup itself: 1, 1 and 0 of
the wide sets' pages, from the two parsers, not the cleaner."""


def readability_text(html: str, tree: lxml.html.HtmlElement | None = None) -> str:
    """readability-lxml's main text of a page, paragraphs one per line, spaced as a browser
    shows it (:func:`cleaner.rendered_text.rendered_html_text`: html-text's layout, without
    the spaces html-text adds between adjacent elements). ``tree``, the page as
    :func:`parse_page` gives it if the caller has it, is changed."""
    if tree is None:
        tree = parse_page(html)
    if tree is None:
        return ""
    try:
        summary = _Readability(tree, html).summary(html_partial=True)
        return rendered_html_text(summary)
    except (Unparseable, lxml.etree.LxmlError, ValueError, TypeError):
        return ""


def _trafilatura(page: lxml.html.HtmlElement, url: str | None, markup_tags: int) -> tuple[str, dict[str, str | None]]:
    """trafilatura's main text (comments left out: they are not article text) and metadata
    (title, author, date, site, URL) of a parsed page. Its own fallback extractors (a
    readability port, jusText) are skipped (``fast``): readability-lxml runs anyway. Measured:
    extraction-dev 26% faster, snippet F1 0.9135 -> 0.9120; extraction-wide token F1 dragnet
    0.911 -> 0.914, cleaneval 0.908 = 0.908, readability 0.958 -> 0.955, 26-40% faster.
    trafilatura copies the tree before changing it. The metadata is read apart from the text, so
    a page whose text trafilatura rejects (too short: 11 of extraction-wide's 2,221 pages)
    keeps its title and date, as does one it is not given (:func:`trafilatura_reads`; the page
    has ``markup_tags`` tags)."""
    metadata: dict[str, str | None] = dict.fromkeys(METADATA_FIELDS)
    try:
        found = page_metadata(page, url)
        metadata.update(title=found.title, author=found.author, date=iso_date(found.date), sitename=found.sitename, url=found.url)
    except (lxml.etree.LxmlError, ValueError, TypeError):
        pass  # the page keeps its text without metadata
    if not trafilatura_reads(page, markup_tags):
        return "", metadata
    try:
        document = trafilatura.bare_extraction(
            page, url=url or metadata["url"], fast=True, with_metadata=False, deduplicate=False, include_comments=False,
            include_tables=True, include_images=False,
        )
    except (lxml.etree.LxmlError, ValueError, TypeError):
        return "", metadata
    return (document.text or "") if document is not None else "", metadata


SIBLINGS_LIMIT = 5_000
"""trafilatura does not read the text of a page where one element has more children than this.

Its search for paragraph text (the XPath ``//p//text()``, run on its cleaned tree) makes
libxml2 sort text nodes, and libxml2 orders two siblings by walking from one to the other:
with thousands of siblings the sort grows with their square and more, in C, where no time
limit can stop it. One ``<p>`` of 40,000 ``<span>`` words (a 2 MB page; trafilatura strips
the spans, leaving 80,000 text nodes side by side) took 172 s, a page of 150,000 paragraphs
52 s (19 MB: 160 s, against a 30 s limit that fired only when the sort returned). Such a page
keeps readability-lxml's text (0.9-1.2 s at 40,000 elements of every shape tried, 3.4 s at
150,000 paragraphs) and trafilatura's metadata. The most children of one element on the 3,211
pages of extraction-wide and extraction-dev is 3,711 (a story of 3,700 paragraphs, read by
trafilatura in the usual time); 5,000 spans in one paragraph cost trafilatura about 1 s."""


def trafilatura_reads(page: lxml.html.HtmlElement, markup_tags: int) -> bool:
    """Whether no element of ``page`` has more than :data:`SIBLINGS_LIMIT` children. Only a page
    with that many tags (``markup_tags``: its count of ``<``, 1,365 on a median extraction-dev
    page; 2% of them have 5,000) is walked: the walk costs 0.35 ms a page."""
    return markup_tags < SIBLINGS_LIMIT or max(map(len, page.iter())) <= SIBLINGS_LIMIT


def page_metadata(page: lxml.html.HtmlElement, url: str | None = None) -> TrafilaturaDocument:
    """trafilatura's ``extract_metadata``, step for step, less the fields cleaner does not keep
    (categories, tags, licence, host name): those took 4.6% of a whole ``cleaner clean --workers
    1`` on extraction-dev's pages (py-spy), four times its title, meta tags and JSON-LD
    together. The date search is trafilatura's default, htmldate's extensive one.
    ``tests/test_extract.py`` compares the kept fields with ``extract_metadata``'s."""
    metadata = examine_meta(page)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(page, metadata)
    except Exception:  # noqa: BLE001, S110 - trafilatura guards its JSON-LD reader the same way: a bug there costs the fields, not the page
        pass
    if not metadata.title:
        metadata.title = extract_title(page)
    if not metadata.author:
        metadata.author = extract_author(page)
    if not metadata.url:
        metadata.url = extract_url(page, url)
    metadata.date = find_date(page, **{**set_date_params(True), "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(page)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (from_url := META_URL.match(metadata.url)):
        metadata.sitename = from_url[1]
    metadata.clean_and_trim()
    return metadata


def structured_author(page: lxml.html.HtmlElement) -> str | None:
    """The author the page states for machines, the last resort where neither trafilatura nor a
    byline in the text names one: the JSON-LD ``author`` (or ``creator``) given as a name or as
    a ``Person``, several joined by ``"; "`` as trafilatura joins them; reviewers and commenters
    left out. On the 538 extraction-dev pages with an expected author, right answers go from
    315 to 319; 2 pages get a wrong name (a user name, a site given as a string). Taking
    ``Organization`` authors and ``author`` meta tags too named 8 publishers for 5 authors."""
    names: list[str] = []
    for script in page.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            nodes = [json.loads(script)]
        except ValueError:
            continue
        while nodes:
            node = nodes.pop()
            if isinstance(node, list):
                nodes.extend(reversed(node))
            elif isinstance(node, dict):
                found = node.get("author") or node.get("creator")
                node = {key: value for key, value in node.items() if key not in _NOT_THE_PAGES}
                for item in found if isinstance(found, list) else [found]:
                    name = item.get("name") if isinstance(item, dict) and _is_person(item) else item
                    if isinstance(name, str):
                        names.append(name)
                nodes.extend(value for value in reversed(node.values()) if isinstance(value, (dict, list)))
    names = [" ".join(name.split()) for name in names if name.strip() and not name.strip().startswith(("http://", "https://"))]
    return "; ".join(dict.fromkeys(names)) or None


_NOT_THE_PAGES = frozenset({"review", "reviews", "comment", "comments"})
"""JSON-LD keys whose nodes have authors of their own (a recipe's reviewers), not the page's."""


def _is_person(node: dict) -> bool:
    kind = node.get("@type")
    return kind == "Person" or (isinstance(kind, list) and "Person" in kind)


@dataclass(frozen=True)
class MainText:
    """A page's main text as extracted, before the text rules: whose it is, and its metadata."""

    text: str
    metadata: dict[str, str | None]
    extractor: str
    html_chars: int
    stated_author: str | None = None  # the page's structured data's author: the last resort
    thread_from: str | None = None
    """The normalised first line of a reader comment thread that trafilatura's text shows under a
    marker this text lost (:func:`thread_openings`): from that line on, the text is comments."""


_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity
)
"""Every element of a parsed page is an ``HtmlElement``, its class chosen in C. lxml.html's own
parsers ask a Python method for the class of every element the extractors touch (forms and their
fields get classes of their own, which no extractor uses): 1.3 million calls for 400
extraction-dev pages; with this lookup the two extractors and the page's visible text took
31.1 instead of 35.5 ms a page (300 pages, best of two, the same texts and metadata)."""


def _html_parser(**settings: object) -> lxml.html.HTMLParser:
    parser = lxml.html.HTMLParser(**settings)
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


_TRAFILATURA_PARSER = _html_parser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
"""``trafilatura.utils.HTML_PARSER``'s settings, on :data:`_ELEMENT_CLASSES`."""
_DOCUMENT_PARSER = _html_parser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False)


def load_page(html: str) -> lxml.html.HtmlElement | None:
    """trafilatura's ``load_html`` of a decoded page, step for step (its repairs of markup
    libxml2 trips on, its rejection of a "dubious" page that parses to under two elements), on
    :data:`_TRAFILATURA_PARSER`: trafilatura's parser is module state of trafilatura, which a
    library imported into someone's job must not change. ``tests/test_extract.py`` compares
    the trees."""
    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    markup = repair_faulty_html(html, beginning)
    tree = None
    from_bytes = False
    try:
        tree = lxml.html.fromstring(markup, parser=_TRAFILATURA_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        tree, from_bytes = _from_bytes(markup), True
    except (lxml.etree.LxmlError, TypeError):
        pass
    if (tree is None or len(tree) < 1) and not from_bytes:
        tree = _from_bytes(markup)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _from_bytes(markup: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(markup.encode("utf8", "surrogatepass"), parser=_TRAFILATURA_PARSER)
    except (lxml.etree.LxmlError, ValueError, TypeError):
        return None


def parse_page(html: str) -> lxml.html.HtmlElement | None:
    """A page's tree, always rooted at ``<html>`` with a ``<body>``. trafilatura's loader is
    tried first (:func:`load_page`: its markup repairs); a page it reads as a fragment or
    rejects as "dubious" (markup that starts with a ``<div>``, not ``<html>``: 157 of
    CleanEval's 727 pages, 9 of them rejected) is parsed as a whole document instead, which
    readability-lxml needs to find anything in it. A tree cut at libxml2's depth limit is
    parsed again without it (:func:`reached_depth_limit`)."""
    return _parsed_page(html)[0]


def _parsed_page(html: str) -> tuple[lxml.html.HtmlElement | None, bool]:
    """:func:`parse_page`, and whether even the parse without limits stopped short of the
    page's end (at :data:`UNLIMITED_DEPTH_LIMIT`)."""
    if not html.strip():
        return None, False
    if may_hold_a_huge_text_node(html):
        return _parsed_without_limits(html, None)
    tree = load_page(html)
    if tree is None or tree.tag != "html":
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=_DOCUMENT_PARSER)
        except (lxml.etree.ParserError, ValueError):
            pass
    if tree is None or not reached_depth_limit(tree):
        return tree, False
    return _parsed_without_limits(html, tree)


def _parsed_without_limits(html: str, tree: lxml.html.HtmlElement | None) -> tuple[lxml.html.HtmlElement | None, bool]:
    """The page parsed with ``huge_tree`` (after trafilatura's repairs of markup libxml2
    trips on), and whether it still reaches the hard depth limit; ``tree`` if it cannot be."""
    markup = repair_faulty_html(html, html[:50].lower()).encode("utf-8", "surrogatepass")
    try:
        unlimited = lxml.html.document_fromstring(markup, parser=_UNLIMITED_DOCUMENT_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return tree, tree is not None
    return unlimited, reached_depth_limit(unlimited, UNLIMITED_DEPTH_LIMIT)


TEXT_NODE_LIMIT = 10_000_000
"""libxml2 stops at a text node of 10,000,000 bytes (without ``huge_tree``): the whole page read
empty, though the size cap (``max_document_bytes``) lets pages of 20 MB through."""


def may_hold_a_huge_text_node(html: str) -> bool:
    """Whether the page is large enough to hold a text node past :data:`TEXT_NODE_LIMIT`
    (UTF-8 takes up to 4 bytes a character): such a page is parsed without libxml2's limits
    from the start. None of the 3,211 development pages is."""
    return len(html) * 4 > TEXT_NODE_LIMIT and len(html.encode("utf-8", "surrogatepass")) > TEXT_NODE_LIMIT


_UNLIMITED_DOCUMENT_PARSER = _html_parser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)

DEPTH_LIMIT = 256
"""libxml2 stops parsing at the 256th level of nested elements (without ``huge_tree``)."""
UNLIMITED_DEPTH_LIMIT = 2048
"""... and at the 2,048th with ``huge_tree``, its hard limit."""


def _path_down(levels: int) -> lxml.etree.XPath:
    return lxml.etree.XPath("/" + "/".join(["*"] * levels))


_AT_LIMIT = {limit: _path_down(limit) for limit in (DEPTH_LIMIT, UNLIMITED_DEPTH_LIMIT)}


def reached_depth_limit(tree: lxml.html.HtmlElement, limit: int = DEPTH_LIMIT) -> bool:
    """Whether the tree has an element ``limit`` levels down, where libxml2 stopped parsing:
    everything after that element, the article and the footer alike, was left out of the tree
    without a word. A page nested 256 deep (generated markup) is parsed again without the usual
    limits, which reach 2,048 levels. The test is one XPath in C: 0.2 ms a page of
    extraction-dev, whose deepest page has 43 levels."""
    return bool(_AT_LIMIT[limit](tree))


@dataclass(frozen=True)
class Candidates:
    """The two extractors' main texts of one page (one parse), and trafilatura's metadata."""

    readability: str
    trafilatura: str
    metadata: dict[str, str | None]
    html_chars: int
    stated_author: str | None = None  # structured_author, where trafilatura found no author
    page_text: str = ""
    """The page's whole visible text (html-text), for the third reading of the page."""
    cut_short: bool = False
    """Whether the page nests elements 2,048 deep, past which libxml2 reads nothing: only the
    part of the page before that point was read."""

    def choose(self, view: str) -> MainText:
        """The page's main text: readability-lxml's (with trafilatura's lead), or trafilatura's
        when :func:`second_is_closer` to ``view`` (the text rules' reading of :attr:`page_text`),
        completed by the other extractor's lines that ``view`` confirms
        (:func:`with_confirmed_lines`)."""
        readability, theirs = _Reading.of(self.readability), _Reading.of(self.trafilatura)
        lead, lead_grams = _lead_of(theirs, readability.first_line_of.keys())
        mine = readability.led_by(lead, lead_grams)
        view_grams = _text_grams(view)
        second = _second_is_closer(mine.first_line_of.keys(), theirs.first_line_of.keys(), view_grams)
        chosen, other = (theirs, readability) if second else (mine, theirs)
        main = self.take(True) if second else self._led(lead)
        merged = _with_confirmed_lines(chosen, other, view_grams)
        return main if merged is None else replace(main, text=merged)

    def take(self, second: bool) -> MainText:
        """trafilatura's text if ``second``, else readability-lxml's after the lines that
        trafilatura's text has before anything the two share (:func:`lead_only_in`; the page
        is still readability's: the lead only completes its top); "none" when empty."""
        return self._main(self.trafilatura, SECOND) if second else self._led(lead_only_in(self.trafilatura, self.readability))

    def _led(self, lead: list[str]) -> MainText:
        return self._main("\n\n".join([*lead, self.readability]) if lead else self.readability, PRIMARY)

    def _main(self, text: str, extractor: str) -> MainText:
        if not text.strip():
            return MainText("", self.metadata, "none", self.html_chars, self.stated_author)
        return MainText(text, self.metadata, extractor, self.html_chars, self.stated_author)


def read_candidates(html: str, *, url: str | None = None) -> Candidates:
    """Both extractors and the page's visible text on one parse of the page: trafilatura and
    html-text read the tree first (they copy what they change), then readability-lxml, which
    changes it."""
    tree, cut_short = _parsed_page(html)
    if tree is None:
        return Candidates("", "", dict.fromkeys(METADATA_FIELDS), len(html), None)
    second, metadata = _trafilatura(tree, url, html.count("<"))
    stated_author = structured_author(tree) if metadata["author"] is None else None
    page_text = _visible_text(tree)
    return Candidates(readability_text(html, tree), second, metadata, len(html), stated_author, page_text, cut_short)


_VISIBLE_TEXT_CLEANER = copy.copy(html_text.html_text.cleaner)
_VISIBLE_TEXT_CLEANER.kill_tags = FORM_CONTROLS
"""html-text's own cleaner (``html_text.html_text.cleaner``), and the form controls out: a
browser shows one option of a ``<select>``, html-text printed them all into the third reading
(Dragnet 0.92686 -> 0.92736, CleanEval 0.91024 -> 0.91032, Readability 0.95510 -> 0.95518,
extraction-dev 0.93057 -> 0.93026: one page whose choice flipped on a near tie)."""


def _visible_text(tree: lxml.html.HtmlElement) -> str:
    """The whole page as a browser would show its text (html-text on a cleaned copy of the tree:
    3.9 ms a page on extraction-dev, against 65 ms for the page's whole extraction). html-text's
    own spacing stays here: spaced as readability's article is
    (:func:`cleaner.rendered_text.rendered_text`), the choice moved Dragnet 0.92808 -> 0.92808,
    CleanEval 0.91199 -> 0.91195, Readability unchanged, extraction-dev 0.93119 -> 0.93104."""
    cleaned = cleaned_as_html_text_cleans(tree, _VISIBLE_TEXT_CLEANER)
    try:
        return html_text.etree_to_text(cleaned, guess_layout=True)
    except (lxml.etree.LxmlError, ValueError, TypeError):
        return ""


VIEW_OPTIONS = StripOptions(line_model=False)
"""The third reading of a page: the text rules without the learned line model, whose
thresholds were chosen on the very sets that measure this choice (see :func:`second_is_closer`)."""


def choose_main_texts(pages: list[Candidates]) -> list[MainText]:
    """Each page's main text (:meth:`Candidates.choose`): the text rules read every page's
    visible text in one call. The call has a fixed cost of about 25 ms, then about 2 ms a page
    (extraction-dev's pages); in a whole run it is 9% of a worker's time (py-spy), and a
    caller with many pages should pass them together."""
    views = strip_texts([page.page_text for page in pages], options=VIEW_OPTIONS) if pages else []
    mains = [page.choose(view.text) for page, view in zip(pages, views)]
    openings = thread_openings([page.trafilatura if main.extractor == PRIMARY else "" for page, main in zip(pages, mains)])
    return [main if opening is None else replace(main, thread_from=opening) for main, opening in zip(mains, openings)]


def thread_openings(texts: list[str]) -> list[str | None]:
    """For each text, the normalised first line of the reader comment thread it holds under a
    comments marker (:func:`comment_thread_reasons`), or ``None``.

    readability-lxml drops a heading whose id or class says "comments" (its negative class
    weight) and keeps the comments that follow it as siblings of the article's paragraphs: with
    the marker gone, the thread could not be found in its text. trafilatura keeps the heading,
    so the thread is found in trafilatura's text and cut from readability's at the same line.
    On extraction-wide, Dragnet 0.92443 -> 0.92500 (two blogs' comment threads, 0.056 -> 0.968
    and 0.362 -> 0.939; three other pages cut, unchanged), CleanEval, Readability and
    extraction-dev unchanged. Only texts that name comments somewhere are read by the phrase
    patterns, in one call."""
    openings: list[str | None] = [None] * len(texts)
    read = [index for index, text in enumerate(texts) if mentions_comments(text)]
    pages = [[paragraph.text for paragraph in split_unnumbered(texts[index])] for index in read]
    flat = pattern_reasons([line for lines in pages for line in lines], StripOptions()) if pages else []
    start = 0
    for index, lines in zip(read, pages):
        reasons = flat[start : start + len(lines)]
        start += len(lines)
        marked = comment_thread_reasons(lines, reasons)
        first = next((line for line, before, after in zip(lines, reasons, marked) if before is None and after == "comments"), None)
        openings[index] = normalize_text(first) if first is not None else None
    return openings


def extract_main_text(html: str, *, url: str | None = None) -> MainText:
    """One page's main text and trafilatura's metadata (:func:`choose_main_texts`): the part of
    :func:`extract_html` that reads the page. Many pages: :func:`read_candidates` for each,
    then one :func:`choose_main_texts`."""
    return choose_main_texts([read_candidates(html, url=url)])[0]


def apply_text_rules(pages: list[MainText], options: StripOptions | None = None) -> list[ExtractResult]:
    """The text rules on extracted pages, all at once: clutter that extraction let through
    (phrase patterns, each line with its reason), the headline (moved to metadata) and a byline
    (its author kept). One call for a batch of pages: the phrase patterns cost a call about
    12 ms for one page's few lines (Python's regex engine, which small inputs use) and under
    1 ms a page over a batch of pages (Rust's, compiled once for the batch)."""
    options = options or StripOptions()
    texts = [tidy_text(page.text) for page in pages]
    paragraphs = [split_unnumbered(text) if text.strip() else [] for text in texts]
    lines = [paragraph.text for page in paragraphs for paragraph in page]
    flat = pattern_reasons(lines, options) if options.strip else [None] * len(lines)
    if options.strip:
        unmarked = without_reference_marks(lines)
        flat = [reason or (None if text else "citation") for reason, text in zip(flat, unmarked)]
        paragraphs = _with_texts(paragraphs, unmarked)
    results = []
    start = 0
    for page, page_paragraphs in zip(pages, paragraphs):
        reasons = flat[start : start + len(page_paragraphs)]
        start += len(page_paragraphs)
        results.append(_page_result(page, page_paragraphs, reasons))
    return results


def _with_texts(paragraphs: list[list[Paragraph]], texts: list[str]) -> list[list[Paragraph]]:
    """``paragraphs`` (pages of them) with their texts replaced, in order, by ``texts``; a
    paragraph left empty keeps its text (it goes to ``removed`` whole, with its reason)."""
    flat = iter(texts)
    return [[paragraph._replace(text=next(flat) or paragraph.text) for paragraph in page] for page in paragraphs]


def _page_result(page: MainText, paragraphs: list[Paragraph], reasons: list[str | None]) -> ExtractResult:
    metadata = dict(page.metadata)
    if not page.text.strip():
        metadata["author"] = metadata["author"] or page.stated_author
        summary = f"{PRIMARY} and {SECOND} found no main text in {page.html_chars:,} characters of HTML"
        return ExtractResult([], metadata, [(summary, "extraction-empty")], "none")
    kept: list[Paragraph] = []
    removed: list[tuple[str, str]] = []
    title = metadata["title"]
    title_key = normalize_text(title) if title else None
    title_at = next(
        (i for i, p in enumerate(paragraphs[:TITLE_WITHIN]) if title_key is not None and normalize_text(p.text) == title_key), None
    )
    reasons = comment_thread_reasons([paragraph.text for paragraph in paragraphs], reasons)
    if page.thread_from is not None:
        reasons = _thread_from(paragraphs, reasons, page.thread_from)
    bylines: list[str] = []
    for index, (paragraph, reason) in enumerate(zip(paragraphs, reasons)):
        if index == title_at:
            removed.append((paragraph.text, "title"))
            continue
        if index < TITLE_WITHIN + 2 and reason is None and (author := byline_author(paragraph.text)) is not None:
            bylines.append(author)
            removed.append((paragraph.text, "byline"))
            continue
        if reason is None:
            kept.append(paragraph)
        else:
            removed.append((paragraph.text, reason))
    metadata["author"] = next(iter(bylines), None) or metadata["author"] or page.stated_author
    kept_chars = sum(len(p.text) for p in kept)
    summary = (
        f"{page.extractor} kept {kept_chars:,} characters in {len(kept)} paragraphs from {page.html_chars:,} characters "
        f"of HTML; the rest (navigation, markup, scripts, comments, clutter) was dropped"
    )
    removed.append((summary, "html-extraction"))
    return ExtractResult(kept, metadata, removed, page.extractor, page.text)


def comment_thread_reasons(lines: list[str], reasons: list[str | None]) -> list[str | None]:
    """``reasons`` with a reader comment thread that extraction kept below the article marked
    ``comments``: readability-lxml takes the element that holds the article, and a page's
    ``<main>`` often holds the comments too. The thread is found as in text mode
    (``strip.comments.opens_thread``): a comments marker after some article text, comment
    headers ("2 hours ago", "NAME says:", "Reply") under it."""
    article = 0
    for index, (line, reason) in enumerate(zip(lines, reasons)):
        n_words = len(line.split())
        if reason is None:
            article += len(line)
        elif reason in MARKER_PATTERNS and n_words <= HEADER_WORDS and article >= ARTICLE_BEFORE and names_comments(line):
            following = [(len(text.split()), text, is_dateline(text)) for text in lines[index + 1 : index + 1 + THREAD_WINDOW]]
            if opens_thread(line, following):
                return reasons[: index + 1] + [below or "comments" for below in reasons[index + 1 :]]
    return reasons


def _thread_from(paragraphs: list[Paragraph], reasons: list[str | None], opening: str) -> list[str | None]:
    """``reasons`` with the paragraphs from the one whose normalised text is ``opening`` (a
    kept one) to the end marked ``comments`` (:attr:`MainText.thread_from`)."""
    kept = (index for index, (paragraph, reason) in enumerate(zip(paragraphs, reasons)) if reason is None)
    at = next((index for index in kept if normalize_text(paragraphs[index].text) == opening), None)
    if at is None:
        return reasons
    return reasons[:at] + [below or "comments" for below in reasons[at:]]


def extract_html(
    html: str, *, url: str | None = None, options: StripOptions | None = None, guess_language: bool = True
) -> ExtractResult:
    """Main text and metadata of one HTML page (module docstring: readability-lxml's text, or
    trafilatura's when :func:`second_is_closer`; ``extractor`` says whose text it is).

    The text rules then remove the clutter that extraction let through, each line with its
    reason. A language the page does not state is guessed from the text unless
    ``guess_language`` is off. Many pages: :func:`extract_main_text` for each, then one
    :func:`apply_text_rules` (and one ``language_codes``) for them all, as a batch does.
    """
    result = apply_text_rules([extract_main_text(html, url=url)], options)[0]
    if result.metadata["language"] is None and guess_language and result.text.strip():
        result.metadata["language"] = language_codes([result.text])[0]
    return result
