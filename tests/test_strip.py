"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import StripOptions, strip_text
from cleaner.normalize import WORD, normalize_series
from cleaner.strip import (
    _clean_inline_expr,
    _clean_inline_series,
    _distinct,
    _loosened,
    _spread_words,
    _stoplists,
    _word_ids,
    _words,
    clean_inline,
    load_pattern_file,
    parse_patterns,
    pattern_reasons,
    strip_texts,
)
from tests.conftest import ARTICLE, SEEDS

needs_seeds = pytest.mark.skipif(not (SEEDS / "labels.jsonl").exists(), reason="../shared/seeds not present")


def seed_labels() -> dict[str, dict[int, dict]]:
    labels: dict[str, dict[int, dict]] = defaultdict(dict)
    for line in (SEEDS / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        labels[record["file"]][record["line"]] = record
    return labels


@needs_seeds
def test_seeds_keep_all_content_and_remove_clutter() -> None:
    kept_content = total_content = removed_clutter = total_clutter = 0
    for name, labels in seed_labels().items():
        result = strip_text((SEEDS / name).read_text(encoding="utf-8"))
        decisions = {d.line: d for d in result.decisions}
        for number, label in labels.items():
            assert decisions[number].text.strip() == label["text"].strip()
            if label["label"] == "content":
                total_content += 1
                kept_content += decisions[number].keep
                assert decisions[number].keep, f"{name}:{number} content removed as {decisions[number].reason}"
            else:
                total_clutter += 1
                removed_clutter += not decisions[number].keep
    assert kept_content == total_content
    assert removed_clutter / total_clutter >= 0.95


@needs_seeds
def test_seeds_bodies_have_no_inline_clutter_and_metadata_is_found() -> None:
    glued = re.compile(r"[a-z]{3}\d{1,2}[.,;]?(?:\s|$)")
    for name, labels in seed_labels().items():
        result = strip_text((SEEDS / name).read_text(encoding="utf-8"))
        for paragraph in result.paragraphs:
            assert not glued.search(paragraph.text), paragraph.text
            assert not re.match(r"^(?:[^/]{1,120}/ ){3,}", paragraph.text), paragraph.text
        for label in labels.values():
            if label["kind"] == "title":
                assert result.metadata["title"] == label["text"].strip()
            if label["kind"] == "byline":
                assert result.metadata["author"] and result.metadata["author"] in label["text"]


def test_article_is_separated_from_its_clutter() -> None:
    result = strip_text(ARTICLE)
    assert result.metadata["title"] == "A quiet town gets its first library in fifty years"
    assert result.metadata["author"] == "Jane Doe"
    assert len(result.paragraphs) == 3
    assert result.paragraphs[0].text.startswith("The town of Millbrook")
    reasons = {text.strip(): reason for _, text, reason in result.removed}
    assert reasons["Share this article"] == "social"
    assert reasons["Millbrook council approves new bus route"] == "related"
    assert reasons["© 2026 Example Times. All rights reserved."] == "footer"
    assert reasons["Home | World | Business | Sport"] == "nav"


PROSE = [
    "The council met on Monday evening and voted to extend the opening hours of the public library, which had been cut two years ago when the budget was reduced.",
    "Residents who spoke at the meeting said that students in particular had missed the late evenings, when the reading rooms were the only quiet place many of them had.",
    "The new hours start next month, and the council said it would review them after a year to see whether enough people use the library in the evening.",
    "A spokesperson for the library said that the staff were pleased with the decision and that volunteers had already offered to help with the longer shifts.",
]


def test_an_article_that_goes_on_after_a_related_box_is_kept_but_a_weak_tail_is_not() -> None:
    box = ["More on this topic:", "Bus fares rise again in the spring", "Schools prepare for the new term"]
    continued = strip_text("\n\n".join([PROSE[0], PROSE[1], *box, PROSE[2], PROSE[3]]))
    kept = {d.text for d in continued.decisions if d.keep}
    assert {PROSE[2], PROSE[3]} <= kept and not kept & set(box)
    tail = "Thanks for reading, we hope you enjoyed this article and come back soon."
    weak = strip_text("\n\n".join([PROSE[0], PROSE[1], PROSE[2], *box, tail]))
    assert tail not in {d.text for d in weak.decisions if d.keep}


CLUTTER_LINES = [
    ("Workers repair the bridge on Monday. Photo: A. Example/Agency", "caption"),
    ("Die Brücke wird am Montag repariert. Foto: Max Muster", "caption"),
    ("Die Brücke wird am Montag repariert. (Bildquelle: Stadtverwaltung)", "caption"),
    ("The harbour at dawn, seen from the old lighthouse on the northern pier © Jane Example", "caption"),
    ("A cyclist crosses the square in the rain (Image: Someone/Unsplash)", "caption"),
    ("Some rights reserved 2020 by Example Media", "footer"),
    ("This work is licensed under a Creative Commons Attribution 4.0 International License.", "footer"),
    ("© 2026 Example Times. All rights reserved.", "footer"),
    ("5 min read", "widget"),
    ("Lesezeit: 4 Minuten", "widget"),
    ("Support independent journalism today", "subscribe"),
    ("Pingback: Another blog post about this", "comments"),
    ("Warning: Undefined variable $title in /var/www/theme/header.php on line 12", "widget"),
]


@pytest.mark.parametrize(("line", "reason"), CLUTTER_LINES)
def test_clutter_phrases_and_shapes(line: str, reason: str) -> None:
    assert pattern_reasons([line]) == [reason]


CONTENT_LINES = [
    "Das ergibt folgendes Bild: Die Preise steigen weiter, sagte sie am Montag.",
    "He handed her the photo: a faded print of the harbour in 1950.",
    "Prices rose > 5% in May and > 7% in June, the office said.",
    "The vet was glad to donate the supplies to the shelter.",
    "Die Polizei bittet um Hinweise. (Quelle: Polizeipräsidium)",
]


@pytest.mark.parametrize("line", CONTENT_LINES)
def test_content_lines_are_not_taken_for_clutter(line: str) -> None:
    assert pattern_reasons([line]) == [None]


def test_both_regex_engines_read_the_bundled_patterns_alike() -> None:
    """A large batch runs loosened prefilters and Rust's engine, a small one Python's: same reasons."""
    lines = [line for line, _ in CLUTTER_LINES] + CONTENT_LINES
    assert pattern_reasons(lines * 200)[: len(lines)] == pattern_reasons(lines)


def test_a_promotion_sentence_outside_the_article_keeps_its_reason() -> None:
    """Outside every article region, a long line that is a promotion gets the promotion's reason,
    so that neither the long-prose rescue nor the line model brings it back; inside, it is text."""
    promo = (
        "Enter your email address below and sign up for our free morning newsletter to receive the latest stories "
        "from the region in your inbox every day of the week."
    )
    box = ["Related stories", "Bus fares rise again in the spring", "Schools prepare for the new term"]
    outside = strip_text("\n\n".join([*PROSE, *box, promo]))
    assert {d.text: d.reason for d in outside.decisions}[promo] == "subscribe"
    inside = strip_text("\n\n".join([PROSE[0], PROSE[1], promo, PROSE[2], PROSE[3]]))
    assert {d.text: d.keep for d in inside.decisions}[promo]


def test_chinese_prose_without_spaces_is_the_article() -> None:
    """Lines of 40+ CJK characters ending a sentence are prose, though they have few "words"."""
    article = [
        "市议会周一晚上开会，投票决定延长公共图书馆的开放时间，这些时间在两年前预算削减时被缩短了，居民们对此表示欢迎。",
        "在会议上发言的居民说，学生们尤其怀念晚上的时光，因为阅览室是他们中许多人唯一能找到的安静地方，他们希望尽快恢复。",
        "新的开放时间将于下个月开始，议会表示将在一年后进行评估，看看晚上是否有足够多的人使用图书馆，然后再做决定。",
    ]
    result = strip_text("首页 | 新闻 | 体育\n登录\n\n" + "\n\n".join(article) + "\n\n分享到微信\n版权所有 © 2026\n")
    assert [p.text for p in result.paragraphs] == article


def test_paragraph_spans_point_at_their_lines() -> None:
    lines = ARTICLE.split("\n")
    for paragraph in strip_text(ARTICLE).paragraphs:
        assert paragraph.line_start is not None and paragraph.line_end is not None
        source = " ".join(" ".join(lines[paragraph.line_start - 1 : paragraph.line_end]).split())
        assert source == paragraph.text


def test_hard_wrapped_paragraphs_are_judged_whole() -> None:
    text = (
        "Menu\n\n"
        "The committee met for the third time this year and agreed on a plan\n"
        "that will change how the town pays for its roads, after months of\n"
        "debate in which neither side was willing to give up its position.\n\n"
        "It is the first time that the two parties have agreed on a budget\n"
        "since the election, and the vote was welcomed by business groups.\n"
    )
    result = strip_text(text)
    assert [(p.line_start, p.line_end) for p in result.paragraphs] == [(3, 5), (7, 8)]
    assert result.paragraphs[0].text.startswith("The committee met") and result.paragraphs[0].text.endswith("position.")


def test_inline_clutter() -> None:
    assert clean_inline("Officials said so on Tuesday Reuters4.") == "Officials said so on Tuesday Reuters."
    assert clean_inline("A statement from the U.S. Department of State2.") == "A statement from the U.S. Department of State."
    assert clean_inline("The vote passed.[12] It was close.[3]") == "The vote passed. It was close."
    assert clean_inline("Talks resume/ Daily Post/ PARIS/ J. Smith/ Diplomats met again on Monday to resume talks.") == (
        "Diplomats met again on Monday to resume talks."
    )
    assert clean_inline("Windows 10 and G7 and COVID-19 stay as they are.") == "Windows 10 and G7 and COVID-19 stay as they are."


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(list("abcXYZ019 ./[],;:!?\"”’)-–") + ["/ ", "Reuters", "citation needed", "note 2"]), max_size=30).map("".join),
        max_size=8,
    )
)
def test_inline_cleaning_of_a_column_equals_line_by_line(lines: list[str]) -> None:
    lines = [" ".join(line.split()) for line in lines]
    column = pl.Series(lines, dtype=pl.String).to_frame("t").select(_clean_inline_expr(pl.col("t")))["t"].to_list()
    assert column == [clean_inline(line) for line in lines]
    assert _clean_inline_series(pl.Series(lines, dtype=pl.String)).to_list() == column  # the hint skips no clutter


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=10))
def test_words_are_the_regex_words_of_each_line(texts: list[str]) -> None:
    normalized = normalize_series(pl.Series(texts, dtype=pl.String))
    unit, words = _words(normalized)
    expected = [(row, word) for row, line in enumerate(normalized.str.extract_all(WORD).to_list()) for word in line]
    assert list(zip(unit.tolist(), words.to_list())) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "Home", "home", "Share this", "The council met on Monday.", "a b c"]), max_size=30))
def test_distinct_texts_spread_back_to_every_unit(texts: list[str]) -> None:
    series = pl.Series(texts, dtype=pl.String)
    distinct, inverse = _distinct(series)
    assert distinct.to_list() == list(dict.fromkeys(texts))  # each text once, in order of first appearance
    assert distinct.gather(inverse).to_list() == texts
    unit, words = _words(distinct)
    ids = np.arange(len(words), dtype=np.int64)  # a word's id: its position among the distinct texts' words
    spread_unit, spread_ids = _spread_words(ids, np.bincount(unit, minlength=len(distinct)).astype(np.int32), inverse)
    expected = [(row, word) for row, text in enumerate(texts) for word in re.findall(r"\w+", text)]
    assert list(zip(spread_unit.tolist(), words.gather(spread_ids).to_list())) == expected


def test_a_hash_collision_keeps_every_text_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pl.Series, "hash", lambda self, *args: pl.Series([7] * len(self), dtype=pl.UInt64))
    distinct, inverse = _distinct(pl.Series(["a", "b", "a"], dtype=pl.String))
    assert distinct.to_list() == ["a", "b", "a"] and inverse.tolist() == [0, 1, 2]


def test_stopword_ids_by_join_equal_dictionary_lookups() -> None:
    index = _stoplists().index
    words = pl.Series([*list(index)[:30_000:7], "", "zzzqx", "the", "der", "nicht", "ünd"] * 8, dtype=pl.String)
    assert len(words) > 25_000  # the join's side of the threshold
    assert _word_ids(words).tolist() == [index.get(word, -1) for word in words.to_list()]


def test_a_batch_decides_every_document_as_it_would_alone() -> None:
    texts = [ARTICLE, "", "One line only.", ARTICLE.replace("Share this article", "Share this article\nShare this article\nShare this article")]
    texts += [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))[:3]]
    titles = [None, None, "One line only.", None] + [None] * (len(texts) - 4)
    together = strip_texts(texts, titles=titles)
    for text, title, batch in zip(texts, titles, together):
        alone = strip_text(text, title=title)
        assert batch.decisions == alone.decisions
        assert (batch.text, batch.metadata, batch.language) == (alone.text, alone.metadata, alone.language)
    assert together[2].text == "" and together[2].removed == [(1, "One line only.", "title")]


LOOSENED_CASES = [r"©\s*[^\d\s©][^©]{0,12}$", r"\bab\b.{0,10}c$", r"^a{2,3}b", r"(?:a|b)[^c]{1,20}\$", r"x{0,30}y$"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcxy ©$1.", max_size=40), st.sampled_from(LOOSENED_CASES), st.booleans())
def test_a_prefilter_matches_wherever_its_expression_does(text: str, expression: str, unanchored: bool) -> None:
    loose = _loosened(expression, unanchored=unanchored)
    if re.search(expression, text):
        assert re.search(loose, text)


def test_patterns_with_capitals_or_look_arounds_still_apply() -> None:
    text = ARTICLE.replace("Share this article", "Sponsored by the Millbrook Bakery")
    capitals = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"^Sponsored By The Millbrook Bakery$"),)))
    assert "promo" in {reason for _, _, reason in capitals.removed}
    python_only = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"(?<=sponsored )by the millbrook bakery$"),)))
    assert "promo" in {reason for _, _, reason in python_only.removed}


def test_word_boundaries_next_to_accented_letters_keep_their_meaning() -> None:
    text = ARTICLE.replace("Share this article", "Gesponsert von der Bäckerei Müller")
    whole_word = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    assert "promo" in {reason for _, _, reason in whole_word.removed}
    part_of_word = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"\bbäck\b"),)))
    assert "promo" not in {reason for _, _, reason in part_of_word.removed}


def test_options_keep_captions_and_extra_patterns() -> None:
    text = ARTICLE.replace(
        "Share this article",
        "The new reading room on its first day. (Photo: Millbrook Library)\nSponsored by the Millbrook Bakery",
    )
    default = strip_text(text)
    assert "caption" in {reason for _, _, reason in default.removed}
    kept = strip_text(text, options=StripOptions(keep_captions=True))
    assert any("reading room" in p.text for p in kept.paragraphs)
    custom = strip_text(text, options=StripOptions(extra_patterns=(("site-promo", r"^sponsored by the millbrook bakery$"),)))
    assert ("site-promo" in {reason for _, _, reason in custom.removed})


def test_no_strip_keeps_every_non_blank_line() -> None:
    result = strip_text(ARTICLE, options=StripOptions(strip=False))
    assert {reason for _, _, reason in result.removed} == {"blank"}


def test_pattern_files_are_validated(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\npromo\t^buy now$\n", encoding="utf-8")
    assert load_pattern_file(good) == (("promo", "^buy now$"),)
    with pytest.raises(ValueError, match="bad.txt:2"):
        parse_patterns("ok\tfine\nbroken\t(unclosed\n", "bad.txt")
    with pytest.raises(ValueError, match="x.txt:1"):
        parse_patterns("no tab here\n", "x.txt")


LINE = st.one_of(
    st.just(""),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=80),
    st.sampled_from(["Menu", "Share this article", "Related stories", "© 2026 X", "By Someone", "Advertisement"]),
    st.builds(lambda n: " ".join(["the council said that the plan was good"] * n) + ".", st.integers(1, 5)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=40), st.sampled_from(["\n", "\r\n"]))
def test_every_line_is_kept_or_removed_exactly_once(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    result = strip_text(text)
    n_lines = len(lines) if lines else 1
    covered: list[int] = []
    for paragraph in result.paragraphs:
        assert paragraph.line_start is not None and paragraph.line_end is not None
        covered.extend(range(paragraph.line_start, paragraph.line_end + 1))
    removed = [number for number, _, _ in result.removed]
    assert sorted(covered + removed) == list(range(1, n_lines + 1))
    assert [d.line for d in result.decisions] == list(range(1, n_lines + 1))


@pytest.mark.parametrize("symbol", ["a", " ", "/", "|", ".", "(", "©", "1", "\u00a0", "by ", "/ x", "a > ", "foto: "])
def test_adversarial_lines_stay_linear(symbol: str) -> None:
    """100k characters of one symbol must not trigger catastrophic backtracking."""
    from cleaner.limits import time_limit

    line = symbol * (100_000 // len(symbol))
    with time_limit(20):
        result = strip_text(f"Heading\n{line}\nThe committee agreed on a plan that will change how the town pays for its roads.\n")
    assert [d.line for d in result.decisions] == [1, 2, 3, 4]


def test_time_limit_interrupts_a_stuck_document() -> None:
    import time as _time

    from cleaner.limits import DocumentTimeout, time_limit

    with pytest.raises(DocumentTimeout):
        with time_limit(0.2):
            _time.sleep(5)


def test_site_template_lines_are_found_per_source() -> None:
    from cleaner.templates import find_templates, line_key

    chrome = "The Weekly Bugle\nSections: Town, Country\n"
    docs = [
        {"source": "bugle", "content_type": "text", "body": chrome + f"Story {i} is about the town council and its long debate on roads."}
        for i in range(4)
    ] + [{"source": "other", "content_type": "text", "body": chrome + "Another outlet, another story."}]
    templates = find_templates(docs, min_documents=3)
    assert set(templates) == {"bugle"}
    assert templates["bugle"] == {line_key("The Weekly Bugle"), line_key("Sections: Town, Country")}
    result = strip_text(docs[0]["body"] + "\n" + ARTICLE, options=StripOptions(template_lines=templates["bugle"]))
    assert {text: reason for _, text, reason in result.removed}["The Weekly Bugle"] == "template"
    assert line_key("x " * 40) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(LINE, max_size=15), min_size=1, max_size=5))
def test_documents_of_a_batch_do_not_affect_each_other(documents: list[list[str]]) -> None:
    texts = ["\n".join(lines) for lines in documents]
    for text, batch in zip(texts, strip_texts(texts)):
        alone = strip_text(text)
        assert batch.decisions == alone.decisions
        assert (batch.text, batch.metadata, batch.language) == (alone.text, alone.metadata, alone.language)


def test_small_and_large_batches_decide_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below ``SMALL_BATCH_LINES`` and ``SMALL_BATCH_BYTES`` patterns run in Python's engine and stopwords are looked up
    in a dict; above, Rust's engine (groups screened together) and a join do it: the decisions
    must not depend on which, nor on how the groups are screened."""
    from cleaner import strip

    texts = [ARTICLE, *(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))]
    texts.append(ARTICLE.replace("Share this article", "Gesponsert von der Bäckerei Müller\nNewsletter abonnieren"))
    monkeypatch.setattr(strip, "SMALL_BATCH_BYTES", 10**12)
    small = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    monkeypatch.setattr(strip, "SMALL_BATCH_LINES", 0)
    large = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    monkeypatch.setattr(strip, "SCREEN_CHARS", 0)  # every group scans alone
    strip._screens.cache_clear()
    unscreened = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    strip._screens.cache_clear()
    for a, b, c in zip(small, large, unscreened):
        assert a.decisions == b.decisions == c.decisions
        assert (a.text, a.metadata, a.language) == (b.text, b.metadata, b.language)
    assert "promo" in {reason for _, _, reason in large[-1].removed}


def test_headings_inside_the_article_are_kept_unless_asked_otherwise() -> None:
    text = ARTICLE.replace("More than four hundred", "Opening day\n\nMore than four hundred")
    kept = strip_text(text)
    assert any(p.text == "Opening day" for p in kept.paragraphs)
    dropped = strip_text(text, options=StripOptions(keep_headings=False))
    assert not any(p.text == "Opening day" for p in dropped.paragraphs)
    assert [line for _, line, reason in dropped.removed if reason == "heading"] == ["Opening day"]


def test_a_batch_decision_frame_holds_every_line_decision() -> None:
    from cleaner.strip import LINE_DECISIONS, strip_batch

    texts = [ARTICLE, "Menu\n\nOne short line.", ""]
    for options in (StripOptions(), StripOptions(strip=False)):
        batch = strip_batch(texts, options=options)
        assert batch.lines.schema == LINE_DECISIONS
        expected = [(doc, *decision) for doc, result in enumerate(batch.results) for decision in result.decisions]
        assert batch.lines.rows() == expected
