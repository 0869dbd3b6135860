"""Strip stage for plain text: decide, line by line, what is article and what is clutter.

Every line gets a decision with a reason code and a score, so that ``cleaner strip --explain``
can show why. The decision combines signals that carry over to sites never seen before:

1. **Shape**: length, terminal punctuation, stopword density in the document's language
   (jusText's lists for 100 languages). Prose is long and full of function words.
2. **Position**: clutter surrounds the article. The main region is the run of lines with the
   highest sum of prose scores (a maximum-subarray search); short lines inside it are
   headings, short lines outside it are navigation and link lists.
3. **Barriers**: markers of related-article lists, comment sections and footers end the
   region, and the lines listed under them share their reason.
4. **Phrase patterns**: data files per language (``cleaner/data/patterns``), applied to short
   lines only, so that a sentence that merely mentions "subscribe" is never removed.

Title, byline and dateline lines are moved into metadata instead of being dropped silently,
and clutter inside kept lines (glued citation numbers, slug prefixes) is cut out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from cleaner import stopwords
from cleaner.dates import iso_date
from cleaner.normalize import normalize_text, words
from cleaner.paragraphs import (
    TERMINAL,
    Paragraph,
    blocks_of,
    is_wrapped,
    split_paragraphs,
)
from cleaner.templates import line_key

SHORT_LINE_WORDS = 14
"""Patterns decide lines of at most this many words; longer lines are judged on shape."""
BARRIER_REASONS = frozenset({"related", "comments", "footer"})
"""Reasons whose lines end the article region: what follows them is their list, not the article."""
LISTING_REASONS = frozenset({"related", "comments", "video"})
"""Reasons that carry over to the short lines listed right under the marker line."""
EDGE_REASONS = frozenset({"subscribe", "social", "ad", "comments", "footer"})
"""Clutter that, as a full sentence at either end of the article, is a promotion or a form."""
INTERRUPTION_REASONS = frozenset({"caption", "ad"})
"""Reasons of lines that interrupt an article without ending it (a photo, an ad slot)."""
PROSE_MIN_WORDS = 10
SHORT_SENTENCE_WEIGHT = 0.5
"""Score per character of a short complete sentence, against 1.0 for prose."""
STRONG_PROSE_WORDS = 30
RESCUE_WORDS = 35
"""A prose line outside every article region is still kept when it has this many words."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BULLET = re.compile(r"^(?:[-–—•·*▪►●◦‣]|\d{1,2}[.)])\s")
_CITATION_GLUED = re.compile(r"(?<=[a-z][a-z][a-z])\d{1,2}(?=[.,;:!?\"”’)]*(?:\s|$))")
_CITATION_BRACKET = re.compile(r"\s?\[(?:\d{1,3}(?:[,–-]\d{1,3})*|citation needed|note \d{1,3})\]")
_SLUG_PREFIX = re.compile(r"^(?:[^/\n]{1,120}?/ ){3,8}")
_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|od|przez|written by|reporting by|geschrieben von|verfasst von|"
    r"text:|author:|autor:|auteur\s?:)\s+"
    r"(?P<name>[^\W\d][^|]{1,120}?)\s*$",
    re.I,
)
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|"
    "mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|"
    "julio|agosto|septiembre|octubre|noviembre|diciembre"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.?\s+(?:{_MONTHS})\.?\s+\d{{4}}|"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.I,
)
_DATELINE_WORDS = re.compile(
    r"^(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado)\b",
    re.I,
)


class LineDecision(NamedTuple):
    """What happened to one input line, and why (a tuple: millions are made per run)."""

    line: int
    text: str
    keep: bool
    reason: str
    score: float
    cleaned: str = ""


@dataclass(frozen=True)
class StripResult:
    """Kept text, per-line decisions, removed lines with reasons, and the metadata found."""

    text: str
    paragraphs: list[Paragraph]
    decisions: list[LineDecision]
    metadata: dict[str, str | None] = field(default_factory=dict)
    language: str | None = None

    @property
    def removed(self) -> list[tuple[int, str, str]]:
        """``(line, text, reason)`` of every line not kept."""
        return [(d.line, d.text, d.reason) for d in self.decisions if not d.keep]


@dataclass(frozen=True)
class StripOptions:
    """What a user wants kept, and site-specific patterns added without code."""

    keep_captions: bool = False
    keep_headings: bool = True
    extra_patterns: tuple[tuple[str, str], ...] = ()
    strip: bool = True
    template_lines: frozenset[int] = frozenset()
    """Keys (``templates.line_key``) of lines that are this document's site template."""


# --- patterns --------------------------------------------------------------------------------


def parse_patterns(text: str, origin: str) -> list[tuple[str, str]]:
    """Parse ``reason<TAB>regex`` lines; bad expressions raise ``ValueError`` naming file and line."""
    rules: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        reason, sep, expression = line.partition("\t")
        if not sep or not reason.strip() or not expression.strip():
            raise ValueError(f"{origin}:{number}: expected 'reason<TAB>regular expression'")
        try:
            re.compile(expression)
        except re.error as exc:
            raise ValueError(f"{origin}:{number}: bad regular expression: {exc}") from exc
        rules.append((reason.strip(), expression.strip()))
    return rules


def load_pattern_file(path: str | Path) -> tuple[tuple[str, str], ...]:
    """Read a user's pattern file (same format as the bundled ones)."""
    return tuple(parse_patterns(Path(path).read_text(encoding="utf-8"), str(path)))


@lru_cache(maxsize=1)
def _bundled_patterns() -> tuple[tuple[str, str], ...]:
    folder = resources.files("cleaner").joinpath("data/patterns")
    rules: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt") and entry.name != "README.txt":
            rules.extend(parse_patterns(entry.read_text(encoding="utf-8"), f"patterns/{entry.name}"))
    return tuple(rules)


@dataclass(frozen=True)
class _Rules:
    """The patterns compiled into a few alternations with one named group per reason.

    Anchored expressions (``^...``) go into alternations tried only at the start of the
    line, the rest into alternations searched through it: a line costs a handful of regex
    calls however many pattern files there are. Lines of any length are checked only
    against ``reason:any`` rules.
    """

    short_anchored: re.Pattern[str] | None
    short_anywhere: re.Pattern[str] | None
    long_anchored: re.Pattern[str] | None
    long_anywhere: re.Pattern[str] | None
    reasons: dict[str, tuple[str, bool]]
    known: dict[tuple[str, bool], tuple[str, bool] | None] = field(default_factory=dict, compare=False, repr=False)
    """Results for short lines already seen: menus, footers and widgets repeat across a site's
    pages, so most short lines of a crawl are matched once (bounded by :data:`KNOWN_LINES`)."""


_UNSEEN = object()
KNOWN_LINES = 100_000
CACHED_LINE_CHARS = 200
"""Lines up to this long are remembered (normalised form, words, pattern result); longer
lines are prose, which rarely repeats."""


def _alternation(parts: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(parts), re.I) if parts else None


@lru_cache(maxsize=64)
def _compiled(extra: tuple[tuple[str, str], ...]) -> _Rules:
    """Compile the user's patterns (first, so that they win) and the bundled ones."""
    grouped: dict[tuple[str, bool, bool], list[str]] = {}
    for reason, expression in (*extra, *_bundled_patterns()):
        name, _, reach = reason.partition(":")
        anchored = expression.startswith("^")
        body = expression[1:] if anchored else expression
        grouped.setdefault((name, reach == "any", anchored), []).append(f"(?:{body})")
    reasons: dict[str, tuple[str, bool]] = {}
    buckets: dict[tuple[bool, bool], list[str]] = {(a, b): [] for a in (False, True) for b in (False, True)}
    for index, ((name, any_length, anchored), parts) in enumerate(grouped.items()):
        group = f"r{index}"
        reasons[group] = (name, any_length)
        alternation = f"(?P<{group}>{'|'.join(parts)})"
        buckets[(any_length, anchored)].append(alternation)
        if any_length:
            buckets[(False, anchored)].append(alternation.replace(f"?P<{group}>", f"?P<{group}s>", 1))
            reasons[f"{group}s"] = (name, any_length)
    return _Rules(
        short_anchored=_alternation(buckets[(False, True)]),
        short_anywhere=_alternation(buckets[(False, False)]),
        long_anchored=_alternation(buckets[(True, True)]),
        long_anywhere=_alternation(buckets[(True, False)]),
        reasons=reasons,
    )


def _pattern_match(normalized: str, n_words: int, rules: _Rules) -> tuple[str, bool] | None:
    """``(reason, strong)`` of the rule that decides this line; strong rules apply at any length."""
    short = n_words <= SHORT_LINE_WORDS
    if len(normalized) > CACHED_LINE_CHARS:
        return _match_rules(normalized, short, rules)
    key = (normalized, short)
    found = rules.known.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = _match_rules(normalized, short, rules)
        if len(rules.known) >= KNOWN_LINES:
            rules.known.clear()
        rules.known[key] = found
    return found  # type: ignore[return-value]


def _match_rules(normalized: str, short: bool, rules: _Rules) -> tuple[str, bool] | None:
    anchored = rules.short_anchored if short else rules.long_anchored
    anywhere = rules.short_anywhere if short else rules.long_anywhere
    match = (anchored.match(normalized) if anchored else None) or (anywhere.search(normalized) if anywhere else None)
    if match is None or match.lastgroup is None:
        return None
    return rules.reasons[match.lastgroup]


def _pattern_reason(normalized: str, n_words: int, rules: _Rules) -> str | None:
    match = _pattern_match(normalized, n_words, rules)
    return match[0] if match else None


def pattern_reason_of(text: str, options: StripOptions | None = None) -> str | None:
    """The pattern reason of one line of already-extracted text (``None`` when it is content).

    Used after HTML extraction, where position signals no longer exist but phrase patterns
    still catch the clutter that extractors let through.
    """
    options = options or StripOptions()
    normalized = normalize_text(text)
    reason = _pattern_reason(normalized, len(words(normalized)), _compiled(options.extra_patterns))
    if reason == "caption" and options.keep_captions:
        return None
    return reason


# --- line features ---------------------------------------------------------------------------


@dataclass
class _Line:
    number: int
    raw: str
    text: str
    normalized: str
    words: tuple[str, ...]
    stop_ratio: float = 0.0
    pattern: str | None = None
    barrier: bool = False
    """Ends the article region: related or comment markers, copyright lines (not a lone "Contact")."""
    numbers: tuple[int, ...] = ()
    """Input lines this unit stands for: one, or all lines of a hard-wrapped paragraph."""

    @property
    def n_words(self) -> int:
        return len(self.words)

    @property
    def bullet(self) -> bool:
        return bool(_BULLET.match(self.text))

    @property
    def terminal(self) -> bool:
        return self.text.endswith(tuple(TERMINAL))

    def is_prose(self, has_stoplist: bool) -> bool:
        if self.pattern is not None:
            return False
        n = self.n_words
        if n >= STRONG_PROSE_WORDS and (self.stop_ratio >= 0.1 or not has_stoplist):
            return True
        if n < PROSE_MIN_WORDS:
            return _cjk_prose(self.text)
        stop_ok = self.stop_ratio >= 0.2 or not has_stoplist
        return stop_ok and (self.terminal or n >= 18)

    def is_short_sentence(self, has_stoplist: bool) -> bool:
        """A complete short sentence ("Preheat the oven to 200 degrees."): weak evidence of content."""
        return (
            self.pattern is None
            and 4 <= self.n_words < PROSE_MIN_WORDS
            and self.text[:1].isupper()
            and self.text.endswith((".", "!", "?", "…", ".)", '."', ".”"))
            and (self.stop_ratio > 0 or not has_stoplist)
        )

    def is_list_item(self, has_stoplist: bool) -> bool:
        """A bulleted sentence (key points, fact boxes): content even without a final period."""
        return self.bullet and self.n_words >= 6 and (self.stop_ratio >= 0.15 or not has_stoplist)


def _cjk_prose(text: str) -> bool:
    """Prose in scripts without spaces: long runs of CJK characters with sentence punctuation."""
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af")
    return cjk >= 40 and text.endswith(("。", "！", "？", ".", "!", "?"))


def _prose_score(line: _Line, has_stoplist: bool) -> float:
    """Positive for prose (its length), negative for everything else (a fixed cost per line)."""
    if line.barrier:
        return -1e9
    if line.is_prose(has_stoplist) or line.is_list_item(has_stoplist):
        return float(len(line.text))
    if line.is_short_sentence(has_stoplist):
        return SHORT_SENTENCE_WEIGHT * len(line.text)
    if line.pattern in INTERRUPTION_REASONS or _byline_name(line) is not None or _is_dateline(line):
        return -5.0
    if line.pattern is not None:
        return -120.0
    return -25.0 - 2.0 * min(len(line.text), 60)


def _best_run(scores: Sequence[float]) -> tuple[int, int, float]:
    """Maximum-sum contiguous run ``[start, end)`` of ``scores`` (Kadane)."""
    best = (0, 0, 0.0)
    start, total = 0, 0.0
    for index, score in enumerate(scores):
        if total <= 0:
            start, total = index, 0.0
        total += score
        if total > best[2]:
            best = (start, index + 1, total)
    return best


def _regions(scores: Sequence[float]) -> list[tuple[int, int]]:
    """The main region plus strong secondary regions not cut off from it by a barrier."""
    start, end, total = _best_run(scores)
    if total <= 0:
        return []
    regions = [(start, end)]
    threshold = max(150.0, 0.1 * total)
    pending = [(0, start, "before"), (end, len(scores), "after")]
    while pending:
        lo, hi, side = pending.pop()
        if hi - lo <= 0:
            continue
        sub_start, sub_end, sub_total = _best_run(scores[lo:hi])
        if sub_total < threshold:
            continue
        a, b = lo + sub_start, lo + sub_end
        between = scores[b:start] if side == "before" else scores[end:a]
        if any(score <= -1e9 for score in between):
            continue
        regions.append((a, b))
        pending.extend([(lo, a, side), (b, hi, side)])
    return sorted(regions)


def _trim_edges(lines: Sequence[_Line], start: int, end: int, rules: _Rules) -> tuple[int, int]:
    """Drop lines at either end of a region that match a clutter pattern, whatever their length.

    Inside the article a long sentence that mentions a newsletter is content; as the first or
    last paragraph of the region it is almost always the promotion itself.
    """
    def promotion(line: _Line) -> str | None:
        match = _pattern_match(line.normalized, 0, rules)
        return match[0] if match is not None and match[0] in EDGE_REASONS else None

    while start < end and (reason := promotion(lines[start])) is not None:
        lines[start].pattern = reason
        start += 1
    while end > start and (reason := promotion(lines[end - 1])) is not None:
        lines[end - 1].pattern = reason
        end -= 1
    return start, end


# --- inline clutter --------------------------------------------------------------------------


def clean_inline(text: str) -> str:
    """Cut clutter out of a kept line: slug prefixes and citation markers."""
    match = _SLUG_PREFIX.match(text)
    if match and len(text) - match.end() >= 40:
        segments = match.group(0).split("/ ")
        if all(len(segment.split()) <= 14 for segment in segments):
            text = text[match.end() :]
    text = _CITATION_BRACKET.sub("", text)
    text = _CITATION_GLUED.sub("", text)
    return text.strip()


# --- metadata lines --------------------------------------------------------------------------


def _byline_name(line: _Line) -> str | None:
    if line.n_words > 12 or line.text.endswith("."):
        return None
    match = _BYLINE.match(line.text)
    return match.group("name").strip() if match else None


def _is_dateline(line: _Line) -> bool:
    if line.n_words > 10:
        return False
    return bool(_DATE.search(line.text)) or (bool(_DATELINE_WORDS.match(line.text)) and line.n_words <= 8)


def _is_headline(line: _Line) -> bool:
    shaped = 3 <= line.n_words <= 30 and not line.text.endswith((".", ":", ","))
    separated = any(mark in line.text for mark in (" | ", " > ", " » ", " / "))
    return shaped and line.pattern is None and not line.bullet and not separated


# --- the classifier --------------------------------------------------------------------------


LONG_LINE_CHARS = 5000
"""Lines longer than this are judged on their first 4,000 and last 1,000 characters."""


def _features(text: str) -> list[_Line]:
    lines = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        clean = " ".join(raw.split())
        sample = clean if len(clean) <= LONG_LINE_CHARS else f"{clean[:4000]} {clean[-1000:]}"
        normalized, line_words = _normalized_words(sample) if len(sample) <= CACHED_LINE_CHARS else _normalize(sample)
        lines.append(_Line(number, raw, clean, normalized, line_words))
    return lines


def _normalize(text: str) -> tuple[str, tuple[str, ...]]:
    normalized = normalize_text(text) if text else ""
    return normalized, tuple(words(normalized)) if normalized else ()


_normalized_words = lru_cache(maxsize=KNOWN_LINES)(_normalize)
"""Short lines repeat (menus, labels, footers): their normalised form and words are computed once."""


def _units(lines: Sequence[_Line]) -> list[_Line]:
    """Non-blank classification units: single lines, or whole hard-wrapped paragraphs.

    A wrapped paragraph's lines are each too short to look like prose, so they are judged
    together, as the paragraph they are.
    """
    by_number = {line.number: line for line in lines}
    units: list[_Line] = []
    for block in blocks_of([(line.number, line.text) for line in lines if line.text]):
        if is_wrapped(block):
            text = " ".join(t for _, t in block)
            normalized = normalize_text(text)
            first = by_number[block[0][0]]
            units.append(_Line(first.number, first.raw, text, normalized, tuple(words(normalized)), numbers=tuple(n for n, _ in block)))
        else:
            for number, _ in block:
                line = by_number[number]
                line.numbers = (number,)
                units.append(line)
    return units


def _languages(lines: Iterable[_Line]) -> list[str]:
    """The document's likely languages, best first (pages often mix a template language in)."""
    sample: list[str] = []
    for line in sorted((ln for ln in lines if ln.words), key=lambda ln: -ln.n_words)[:60]:
        sample.extend(line.words)
    return stopwords.guess_languages(sample)


def strip_text(
    text: str,
    *,
    options: StripOptions | None = None,
    title: str | None = None,
) -> StripResult:
    """Separate article text from clutter in one plain-text document.

    ``title`` (when the record already has one) lets the title line be recognised.
    Returns the kept paragraphs with their line spans, a decision per input line
    (kept or removed, reason, score) and the title/author/date found in the text.
    """
    options = options or StripOptions()
    if not options.strip:
        return _keep_all(text)
    lines = _features(text)
    languages = _languages(lines)
    language = languages[0] if languages else None
    stoplists = [stopwords.stoplist(name) for name in languages]
    rules = _compiled(options.extra_patterns)
    nonblank = _units(lines)
    for line in nonblank:
        if stoplists and line.words:
            line.stop_ratio = max(sum(1 for w in line.words if w in stoplist) for stoplist in stoplists) / len(line.words)
        match = _pattern_match(line.normalized, line.n_words, rules)
        if match is not None:
            line.pattern = match[0]
            line.barrier = match[0] in BARRIER_REASONS and (match[0] != "footer" or match[1])
        elif options.template_lines and len(line.numbers) == 1 and line_key(line.text) in options.template_lines:
            line.pattern = "template"

    has_stoplist = bool(stoplists)
    scores = [_prose_score(line, has_stoplist) for line in nonblank]
    regions = _regions(scores)
    regions = [_trim_edges(nonblank, start, end, rules) for start, end in regions]
    in_region = [False] * len(nonblank)
    for start, end in regions:
        for index in range(start, end):
            in_region[index] = True
    first_main = regions[0][0] if regions else len(nonblank)

    metadata: dict[str, str | None] = {"title": None, "author": None, "date": None}
    title_norm = normalize_text(title) if title else None
    decided: dict[int, tuple[bool, str, float]] = {}
    listing: str | None = None
    for index, line in enumerate(nonblank):
        score = scores[index]
        prose = line.is_prose(has_stoplist) or line.is_list_item(has_stoplist)
        if prose and line.n_words >= PROSE_MIN_WORDS:
            listing = None
        reason = _decide(line, in_region[index], index < first_main, prose, listing, metadata, title_norm, options)
        if line.pattern in LISTING_REASONS:
            listing = line.pattern
        for number in line.numbers:
            decided[number] = (reason == "", reason or "", score)

    _head_of_article(nonblank, first_main, decided, metadata, title_known=title is not None or metadata["title"] is not None)

    decisions = []
    for line in lines:
        if not line.text:
            decisions.append(LineDecision(line.number, line.raw, False, "blank", 0.0))
            continue
        keep, reason, score = decided[line.number]
        cleaned = clean_inline(line.text) if keep else ""
        if keep and not cleaned:
            keep, reason = False, "inline-clutter"
        decisions.append(LineDecision(line.number, line.raw, keep, "kept" if keep else reason, score, cleaned))
    return _result(decisions, metadata, stopwords.iso_code(language))


def _decide(
    line: _Line,
    in_region: bool,
    before_main: bool,
    prose: bool,
    listing: str | None,
    metadata: dict[str, str | None],
    title_norm: str | None,
    options: StripOptions,
) -> str:
    """The reason to remove ``line``, or ``""`` to keep it."""
    if title_norm is not None and line.normalized == title_norm:
        return "title"
    if line.pattern is not None:
        if line.pattern == "caption" and options.keep_captions:
            return ""
        return line.pattern
    if not prose or line.n_words < PROSE_MIN_WORDS:
        name = _byline_name(line)
        if name is not None:
            metadata["author"] = metadata["author"] or name
            return "byline"
        if _is_dateline(line) and before_main:
            metadata["date"] = metadata["date"] or iso_date(line.text)
            return "dateline"
        if listing is not None and not in_region:
            return listing
    if in_region:
        if not prose and not options.keep_headings:
            return "heading"
        return ""
    if prose and line.n_words >= RESCUE_WORDS and listing is None:
        return ""
    return "outside-main"


MAX_HEADLINE_RUN = 4
"""A headline, its kicker and deck: at most this many headline-shaped lines above the text."""


def _head_of_article(
    nonblank: Sequence[_Line],
    first_main: int,
    decided: dict[int, tuple[bool, str, float]],
    metadata: dict[str, str | None],
    title_known: bool,
) -> None:
    """Find the headline above the main text, and keep the deck and standfirst beside it.

    Walking up from the main text over bylines, datelines and captions, a run of
    headline-shaped lines (and full sentences) is the head of the article. Its first
    headline of four words or more is the title (moved to metadata, unless the record had
    one); what follows it (deck, standfirst) stays in the text; what precedes it (kickers,
    section labels, breadcrumbs) stays out.
    """
    run: list[_Line] = []
    for line in reversed(nonblank[:first_main]):
        keep, reason, score = decided[line.number]
        if reason in ("byline", "dateline", "caption", "title"):
            continue
        if keep:
            continue
        if reason != "outside-main":
            break
        standfirst = line.n_words >= PROSE_MIN_WORDS and line.terminal and not line.bullet
        if not (standfirst or _is_headline(line)) or len(run) >= MAX_HEADLINE_RUN:
            break
        run.append(line)
    if not run:
        return
    head = run[::-1]
    title_at = next((i for i, line in enumerate(head) if _is_headline(line) and line.n_words >= 4), None)
    if title_at is None:
        return
    if not title_known:
        metadata["title"] = head[title_at].text
        for number in head[title_at].numbers:
            decided[number] = (False, "title", decided[number][2])
    for line in head[title_at + 1 :]:
        for number in line.numbers:
            decided[number] = (True, "", decided[number][2])


def _keep_all(text: str) -> StripResult:
    """Every non-blank line kept as it is (already-clean text): no features are computed."""
    decisions = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        clean = " ".join(raw.split())
        decisions.append(LineDecision(number, raw, bool(clean), "kept" if clean else "blank", 0.0, clean))
    return _result(decisions, {"title": None, "author": None, "date": None}, None)


def _result(decisions: list[LineDecision], metadata: dict[str, str | None], language: str | None) -> StripResult:
    paragraphs = split_paragraphs([(d.line, d.cleaned) for d in decisions if d.keep])
    return StripResult(
        text="\n\n".join(p.text for p in paragraphs),
        paragraphs=paragraphs,
        decisions=decisions,
        metadata=metadata,
        language=language,
    )
