"""Reader comments: a comment section below the article is clutter, however much it reads like prose.

Comments are sentences full of stopwords, so the prose score alone keeps them, and after a
short article they even outscore it. What gives a thread away is its frame: a marker after
the article ("Comments", "12 Responses to ...", "Leave a reply") and, right under it, the
headers that open each comment ("NAME on DATE at TIME", "NAME says:", a time of day) or
the frame a comment widget draws around each one ("2 hours ago", a lone "Reply" or "Like (12)").

A document's thread starts at the first comments marker that names comments (not a bare
"Discussion", which is also a paper's section), follows some article prose, and is followed
closely by comment headers (:data:`FIRST_HEADER_WITHIN`, :data:`THREAD_HEADERS`); from there
to the end every line without a pattern of its own is marked ``comments``. A marker with
nothing like a thread under it ("Comments" as a menu link, "3 Comments" in a byline), one
that counts no comments ("Comments (0)") and a counter repeated further down in the same shape
("Comments (1)" ... "Comments (7)": each post's counter on a blog's front page) change
nothing under them (the marker line itself is its pattern's).
The same rule (:func:`opens_thread`) runs on the text extracted from HTML, where a page's
``<main>`` often holds the article and its comments.

On the extraction-wide text dumps this took Dragnet from token F1 0.769 to 0.814 (precision
0.661 to 0.732); CleanEval went from 0.912 to 0.906 and Readability stayed at 0.902: their gold
keeps comments on some pages (CleanEval's annotators kept all running text, Readability's
output keeps a blog's comments), which no convention for articles does.
The widget's frame changed 11 Dragnet pages (0.823 to 0.824, held out) and no other set's page.
With the two guards and the first header allowed 8 lines under the marker (a thread's sort and
sign-in lines come first; 6 before), held out: Dragnet 0.8243 -> 0.8242, CleanEval 0.8956 ->
0.8966, Readability 0.9030 -> 0.9031 (the three variants tried were compared on all three sets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner.strip.features import with_claimed

ARTICLE_BEFORE = 200.0
"""The summed prose score (about characters of prose) that must come before a comments
marker for it to open a thread: a "Comments" link in the menu above the article does not."""
FIRST_HEADER_WITHIN = 8
THREAD_HEADERS = 2
THREAD_WINDOW = 40
"""A marker opens a thread when a comment header follows within :data:`FIRST_HEADER_WITHIN`
lines and at least :data:`THREAD_HEADERS` within :data:`THREAD_WINDOW` lines (a thread's
"Sort comments by", "Staff", sign-in prompts can come before its first header)."""
HEADER_WORDS = 20
"""A comment header is a short line ("Phil White responded to Davey on November 13th, 2012
at 8:19 am Link To Comment | Reply To Comment" has 17 words); so is a marker."""
MARKER_PATTERNS = ("comments", "related")
"""A marker is a short line naming comments that one of these patterns claims: a heading
("Comments", "Leave a reply"), a list heading, or a count of comments anywhere in it ("{ 2425
comments... read them below or add one }", "126 Comments Add A Comment", "Permalink | 6
Comments"). Without the count pattern, the thread under such a line was kept whole (text mode,
shipped thresholds, line model retrained: Dragnet 0.8244 -> 0.8361, 37 pages up by over 0.3
and 7 down by over 0.1, bylines "Posted on DATE | 9 Comments" that Dragnet's gold keeps;
CleanEval 0.9080 -> 0.9079, Readability 0.9053 -> 0.9075). The count only at the line's start
(0.8356 / 0.9080 / 0.9048) lost to it on the other two sets with each set left out. A line
no pattern claims is not one: post titles, "live splits and comments" (extraction-wide, every
set: F1 down 0.006 to 0.014)."""

_COMMENT_WORD = re.compile(
    r"\b(?:comments?|responses?|replies|reactions?|kommentare?|commentaires?|comentarios?|commenti|"
    r"reacties|komentarz[ey]?|comentários?)\b",
    re.IGNORECASE,
)
_NONE = re.compile(r"(?<!\d)0(?!\d)|\b(?:no|keine|aucun|sin|nessun|geen|brak)\b", re.IGNORECASE)
"""A marker that counts no comments ("Comments (0)", "No comments yet") opens no thread: on a blog's
front page it closes one post, and the next post follows."""
_HEADER = re.compile(
    r"\b\d{1,2}:\d{2}(?:[ap]m)?\b"  # a time of day ("8:25", "08:25PM")
    r"|(?:\bsays|\bsaid|\bwrote|\bschreibt|\bschrieb|\bdit|\bdice|\bescribió|\bscrive|\bschreef|\bnapisał)\s*:?$"
    r"|\b(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year|yr)s?\s+ago\b"  # "2 hours ago"
    r"|\bvor\s+(?:\d+|einer?|einem)\s+(?:sekunde|minute|stunde|tag|woche|monat|jahr)(?:n|en|e)?\b"
    r"|\bil y a\s+(?:\d+|une?)\s+(?:seconde|minute|heure|jour|semaine|mois|an)s?\b"
    r"|\bhace\s+(?:\d+|una?)\s+(?:segundo|minuto|hora|día|dia|semana|mes|año)(?:s|es)?\b"
    r"|^\W*(?:reply|report|flag|like|upvote|permalink|antworten|melden|répondre|signaler|responder|rispondi)\W*(?:\(?\d+\)?)?\W*$",
    re.IGNORECASE,
)


def mentions_comments(text: str) -> bool:
    """Whether a word naming comments occurs anywhere in ``text``: no thread without one."""
    return _COMMENT_WORD.search(text) is not None


def names_comments(marker: str) -> bool:
    """Whether a marker line names comments, and not none of them ("Comments (0)")."""
    return _COMMENT_WORD.search(marker) is not None and _NONE.search(marker) is None


def opens_thread(marker: str, following: Sequence[tuple[int, str, bool]]) -> bool:
    """Whether a marker line (``marker``) opens a comment thread: it names comments, and the
    lines after it (``following``: words, text and whether it is a dateline, up to
    :data:`THREAD_WINDOW` of them) hold comment headers soon and often enough. Text mode and
    the text extracted from HTML share this rule."""
    if not names_comments(marker) or not _headers_follow(following[:THREAD_WINDOW]):
        return False
    shape = _shape(marker)
    # "Comments (1)" ... "Comments (7)": each post's counter on a blog's front page
    return not any(_shape_head(text) == shape[:1] and _shape(text) == shape for _, text, _ in following[:THREAD_WINDOW])


def _headers_follow(following: Sequence[tuple[int, str, bool]]) -> bool:
    """Whether the first comment header comes within :data:`FIRST_HEADER_WITHIN` lines and
    :data:`THREAD_HEADERS` of them within the window; it stops as soon as that is settled
    (reading all 40 lines under every marker cost 4% of the stripping time)."""
    found = 0
    for index, (n_words, text, dateline) in enumerate(following):
        if found == 0 and index >= FIRST_HEADER_WITHIN:
            return False
        if n_words <= HEADER_WORDS and (dateline or _HEADER.search(text)):
            found += 1
            if found >= THREAD_HEADERS:
                return True
    return False


def _shape(line: str) -> str:
    return re.sub(r"\d+", "0", " ".join(line.lower().split()))


def _shape_head(line: str) -> str:
    """The first character of :func:`_shape` of ``line``, read from its first character alone
    (``\\d`` is a decimal digit; a line's first letter is never a final sigma): most lines under
    a marker differ from it there, and shaping the 40 lines under each marker took a third of
    the search for comment threads."""
    first = line.lstrip()[:1]
    return "0" if first.isdecimal() else first.lower()[:1]


def mark_comment_threads(units: pl.DataFrame) -> pl.DataFrame:
    """``units`` (one document after another, with ``doc``, ``pattern``, ``score``, ``n_words``,
    ``text`` and ``dateline``) with the lines of each comment thread given the pattern
    ``comments`` and the score of a pattern line.

    Only the few lines a marker pattern claims are read as text, and the lines under them:
    the batch's other lines cost one comparison each (Polars keeps only the last 32 regular
    expressions it compiled per thread, so these run in Python's engine on a handful of lines).
    """
    candidates = np.flatnonzero(
        (units["pattern"].is_in(MARKER_PATTERNS) & (units["n_words"] <= HEADER_WORDS)).fill_null(False).to_numpy()
    )
    if len(candidates) == 0:
        return units
    doc = units["doc"].to_numpy()
    text, n_words, dateline = units["text"], units["n_words"].to_numpy(), units["dateline"].to_numpy()
    positive = np.maximum(units["score"].to_numpy(), 0.0)
    starts = np.searchsorted(doc, doc[candidates], side="left")
    thread = np.zeros(units.height, dtype=bool)
    opened: set[int] = set()
    for row, start in zip(candidates.tolist(), starts.tolist()):
        if doc[row] in opened or positive[start:row].sum() < ARTICLE_BEFORE:
            continue
        marker = text[row]
        if not names_comments(marker):
            continue
        end = int(np.searchsorted(doc, doc[row], side="right"))
        window = text.slice(row + 1, min(THREAD_WINDOW, end - row - 1)).to_list()
        if opens_thread(marker, [(n_words[row + 1 + k], line, bool(dateline[row + 1 + k])) for k, line in enumerate(window)]):
            thread[row + 1 : end] = True
            opened.add(int(doc[row]))
    return with_claimed(units, thread, "comments") if opened else units
