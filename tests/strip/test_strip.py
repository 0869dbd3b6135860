"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import StripOptions, strip_text
from cleaner.strip import strip_confidence, strip_texts
from cleaner.strip.comments import opens_thread
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
    glued = re.compile(r"[a-z]{3}\d{1,3}[.,;]?(?:\s|$)")
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


TOUR = [
    (
        "The band announced on Tuesday that it would return to the road next spring, its first tour in six years, with a new "
        "album due in March and a run of dates across Europe before it plays in North America in the summer."
    ),
    (
        "Tickets go on sale on Friday morning, and the band said that a share of the takings from every show would go to the music "
        "education charities of each of the cities where it plays."
    ),
]
DATES = ["March 3 - Dublin, 3Arena", "March 5 - Glasgow, Hydro", "March 8 - London, O2 Arena", "March 10 - Paris, Accor Arena"]


def test_a_list_inside_the_article_is_kept_when_announced_or_bulleted() -> None:
    menu = ["Home", "News", "Sport", "Weather"]
    announced = strip_text("\n".join([*menu, TOUR[0], "The dates announced so far are:", *DATES, TOUR[1], "Related stories", "Band splits up"]))
    kept = [d.text for d in announced.decisions if d.keep]
    assert kept == [TOUR[0], "The dates announced so far are:", *DATES, TOUR[1]]
    bulleted = strip_text("\n".join([*menu, TOUR[0], *(f"- {date}" for date in DATES), TOUR[1]]))
    assert [d.text for d in bulleted.decisions if d.keep] == [TOUR[0], *(f"- {date}" for date in DATES), TOUR[1]]


def test_a_label_with_a_colon_does_not_make_a_sidebar_a_list() -> None:
    """"Topics:" heads links; after the article's last paragraph, even an announced list is not taken."""
    links = ["Topics:", "Music", "Touring", "Ireland", "Festivals", "Albums", "Reviews", "Interviews", "Charts"]
    sidebar = strip_text("\n".join([TOUR[0], *links, TOUR[1]]))
    assert [d.text for d in sidebar.decisions if d.keep] == TOUR
    tail = strip_text("\n".join([TOUR[0], TOUR[1], "More stories from our music desk below:", *DATES]))
    assert not set(DATES) & {d.text for d in tail.decisions if d.keep}


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


def test_a_whole_story_on_one_line_is_kept_though_a_character_asks_to_share_this() -> None:
    """A page flattened into one long line is its own article region; a phrase of the short-line
    patterns in its middle ("share this") does not make it a promotion peeled off the edge."""
    story = " ".join(
        [
            "The lighthouse keeper climbed the stairs at dusk and lit the lamp as the fog rolled in from the bay.",
            "Below him the harbour was quiet, and the fishing boats had all come home before the weather turned.",
            "His daughter called up from the yard: please share this supper with us before the night shift starts.",
            "He laughed, wound the clockwork once more, and went down to eat with the family in the warm kitchen.",
        ]
        * 6
    )
    result = strip_text(story)
    assert [p.text for p in result.paragraphs] == [story]


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
    # a break that ends the text ends its last line and opens none
    n_lines = len(lines) - 1 if len(lines) > 1 and lines[-1] == "" else max(len(lines), 1)
    covered: list[int] = []
    for paragraph in result.paragraphs:
        assert paragraph.line_start is not None and paragraph.line_end is not None
        covered.extend(range(paragraph.line_start, paragraph.line_end + 1))
    removed = [number for number, _, _ in result.removed]
    assert sorted(covered + removed) == list(range(1, n_lines + 1))
    assert [d.line for d in result.decisions] == list(range(1, n_lines + 1))


def test_time_limit_interrupts_a_stuck_document() -> None:
    import time as _time

    from cleaner.limits import DocumentTimeout, time_limit

    with pytest.raises(DocumentTimeout):
        with time_limit(0.2):
            _time.sleep(5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(LINE, max_size=15), min_size=1, max_size=5))
def test_documents_of_a_batch_do_not_affect_each_other(documents: list[list[str]]) -> None:
    texts = ["\n".join(lines) for lines in documents]
    for text, batch in zip(texts, strip_texts(texts)):
        alone = strip_text(text)
        assert batch.decisions == alone.decisions
        assert (batch.text, batch.metadata, batch.language) == (alone.text, alone.metadata, alone.language)


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


def test_a_dateline_gives_a_date_only_when_one_parses() -> None:
    page = "\n".join(["Home", "Harbour pier to close for repairs", "Updated 23:41", "Published 3 March 2026", *ARTICLE_PARAGRAPHS])
    assert strip_text(page).metadata["date"] == "2026-03-03"


@pytest.mark.parametrize(
    ("byline", "author", "date"),
    [
        ("By Sam Ortiz, Reuters | 2 February 2026", "Sam Ortiz", "2026-02-02"),
        ("By Sam Ortiz, Music Desk | 2 February 2026", "Sam Ortiz", "2026-02-02"),
        ("By Ann Lee, Bo Park and Cy Dunn | 2 February 2026", "Ann Lee, Bo Park and Cy Dunn", "2026-02-02"),
        ("By Sam Ortiz | February 2, 2026", "Sam Ortiz", "2026-02-02"),
        ("By Ann Lee, Bo Park", "Ann Lee, Bo Park", None),  # co-authors, no date: the comma stays
        ("By Ann Lee on March 3, 2026 at 9:14 am", "Ann Lee", "2026-03-03"),
        ("Von Jule Berg am 3. Februar 2026", "Jule Berg", "2026-02-03"),
        ("By Ann Lee // 3 March 2026", "Ann Lee", "2026-03-03"),
        ("By Ann Lee Published 3 March 2026", "Ann Lee", "2026-03-03"),
        ("By Ann Lee Feb 8, 2026 5 min read", "Ann Lee", "2026-02-08"),
    ],
)
def test_a_byline_gives_the_author_and_its_date(byline: str, author: str, date: str | None) -> None:
    page = "\n".join(["Home", "News", "Harbour pier to close for repairs", byline, *ARTICLE_PARAGRAPHS, "Contact us"])
    result = strip_text(page)
    assert (result.metadata["author"], result.metadata["date"]) == (author, date)
    assert all(d.keep for d in result.decisions if d.text in ARTICLE_PARAGRAPHS)



BUDGET_STORY = (
    "The council met on Tuesday evening to discuss the new budget for the town's schools, "
    "and after a long debate the members agreed to fund two more teachers from the spring."
)


def test_strip_confidence_says_how_clearly_one_article_stands_out() -> None:
    alone = strip_text("Home\nNews\n\n" + "\n\n".join([BUDGET_STORY] * 4) + "\n\nContact us\n")
    assert alone.confidence == 1.0
    kept = np.array([True, True, False, False, False] * 2)
    doc = np.repeat([0, 1], 5)
    scores = np.array([100.0, 100.0, -50.0, 150.0, 50.0, 100.0, 100.0, -1e9, 10.0, -20.0])
    for compiled in (False, True):
        a_rival_article, a_weak_block = strip_confidence(doc, scores, kept, 2, compiled=compiled)
        assert a_rival_article == pytest.approx(200 / 400) and a_weak_block == pytest.approx(200 / 210)
    assert strip_text("Home\nNews\nSport\n").confidence == 0.0  # nothing kept
    assert strip_text(BUDGET_STORY, options=StripOptions(strip=False)).confidence is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.booleans(), st.floats(-1e4, 1e4, allow_nan=False)), max_size=30), min_size=1, max_size=8))
def test_the_compiled_confidence_equals_the_polars_one_bit_for_bit(documents: list[list[tuple[bool, float]]]) -> None:
    doc = np.repeat(np.arange(len(documents)), [len(lines) for lines in documents])
    kept = np.array([keep for lines in documents for keep, _ in lines], dtype=bool)
    scores = np.array([score for lines in documents for _, score in lines], dtype=np.float64)
    in_polars = strip_confidence(doc, scores, kept, len(documents), compiled=False)
    assert strip_confidence(doc, scores, kept, len(documents), compiled=True).tobytes() == in_polars.tobytes()


ARTICLE_PARAGRAPHS = [
    "The harbour authority said on Friday that the old ferry pier will close for repairs in March, after divers found that two of its wooden piles had rotted through.",
    "Ferries will use the freight quay during the works, which are expected to last about six weeks, and passengers were asked to allow ten more minutes for boarding.",
]
COMMENTS = [
    "12 Comments",
    "Margaret on March 3, 2026 at 9:14 am",
    "About time too, that pier has been falling apart for years and nobody in the council seemed to care about it at all.",
    "Reply",
    "Tom Baker on March 3, 2026 at 10:02 am",
    "I walked past it last week and could see the gaps between the boards from the promenade, so I am glad they are fixing it.",
    "Reply",
]


def test_a_comment_thread_under_a_short_article_is_removed_as_comments() -> None:
    result = strip_text("\n\n".join(["Home", "News", *ARTICLE_PARAGRAPHS, *COMMENTS]))
    reasons = {d.text: d.reason for d in result.decisions if d.text.strip()}
    assert all(reasons[line] == "kept" for line in ARTICLE_PARAGRAPHS)
    assert all(reasons[line] == "comments" for line in COMMENTS[2::3])  # the comments' bodies, prose as they are


WIDGET_COMMENTS = [
    "47 comments",
    "Sort by: Newest",
    "harbour_watcher",
    "2 hours ago",
    "About time too, that pier has been falling apart for years and nobody in the council seemed to care about it at all.",
    "Reply",
    "Like (12)",
    "Tom B",
    "an hour ago",
    "I walked past it last week and could see the gaps between the boards from the promenade, so I am glad they are fixing it.",
    "Reply",
]


@pytest.mark.parametrize(
    "marker", ["{ 12 comments… read them below or add one }", "12 Comments Add A Comment", "Posted by Ann Lee | Permalink | 12 Comments"]
)
def test_a_line_counting_the_comments_opens_the_thread_under_it(marker: str) -> None:
    result = strip_text("\n\n".join(["Home", "News", *ARTICLE_PARAGRAPHS, marker, *COMMENTS[1:]]))
    reasons = {d.text: d.reason for d in result.decisions if d.text.strip()}
    assert all(reasons[line] == "kept" for line in ARTICLE_PARAGRAPHS)
    assert reasons[marker] == "comments" and all(reasons[line] == "comments" for line in COMMENTS[2::3])


def test_a_time_of_day_with_its_am_or_pm_glued_on_is_a_comment_header() -> None:
    headers = ["by harbour_watcher (1287) on Monday March 3, @09:14AM (#4074)", "by Tom B (5327) on Monday March 3, @10:02PM (#4075)"]
    thread = [headers[0], COMMENTS[2], "Reply to This", headers[1], COMMENTS[5], "Reply to This"]
    following = [(len(line.split()), line, False) for line in thread]
    assert opens_thread("12 Comments", following)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["ÉCRIT 3 Comments", "12 comments", "Σ 4 Replies", "İ 7 comments"]), st.text(max_size=10))
def test_a_counter_repeated_in_the_same_shape_opens_no_thread(marker: str, noise: str) -> None:
    """Case, digits and spacing aside, a line like the marker under it means a list of posts,
    whatever its first character (``noise`` in front of the marker's copy)."""
    header = "by Tom B on Monday March 3, 09:14"
    copy = "  " + re.sub(r"\d+", "41", marker.lower()) + " "
    following = [(6, header, False), (1, "Reply", False), (6, header, False), (4, noise + copy, False), (4, copy, False)]
    assert not opens_thread(marker, following)
    assert opens_thread(marker, following[:4]) == (noise.strip() != "")


def test_a_comment_widget_with_relative_times_and_reply_buttons_is_a_thread() -> None:
    result = strip_text("\n".join(["Home", "News", *ARTICLE_PARAGRAPHS, "Share this article", *WIDGET_COMMENTS]))
    reasons = {d.text: d.reason for d in result.decisions if d.text.strip()}
    assert all(reasons[line] == "kept" for line in ARTICLE_PARAGRAPHS)
    assert reasons[WIDGET_COMMENTS[4]] == reasons[WIDGET_COMMENTS[9]] == "comments"


def test_a_comment_widgets_frame_is_read_in_other_languages() -> None:
    article = [
        "Der Stadtrat hat am Dienstag den Bau eines geschützten Radwegs entlang der Hafenstraße beschlossen und damit eine lange Debatte beendet.",
        "Die Arbeiten sollen im Herbst beginnen und etwa sechs Monate dauern, teilte die Stadt am Abend in einer Mitteilung mit.",
    ]
    comment = "Endlich! Ich fahre jeden Tag über diese Straße und im Berufsverkehr ist es gefährlich, die Lastwagen kommen einem viel zu nahe."
    second = "Das ist Geldverschwendung, solange die Schlaglöcher in den Seitenstraßen seit Jahren nicht repariert werden und sich niemand kümmert."
    thread = ["12 Kommentare", "Peter W.", "vor 2 Stunden", comment, "Antworten", "Margarete H.", "vor einer Stunde", second, "Antworten"]
    result = strip_text("\n".join(["Startseite", "Politik", *article, *thread, "Impressum"]))
    reasons = {d.text: d.reason for d in result.decisions if d.text.strip()}
    assert all(reasons[line] == "kept" for line in article) and reasons[comment] == reasons[second] == "comments"


def test_a_comments_link_above_the_article_or_a_papers_discussion_is_not_a_thread() -> None:
    menu = strip_text("\n\n".join(["Home", "Comments", "Posted on March 3, 2026 at 9:14 am", *ARTICLE_PARAGRAPHS]))
    assert all(d.keep for d in menu.decisions if d.text in ARTICLE_PARAGRAPHS)
    paper = strip_text("\n\n".join([*ARTICLE_PARAGRAPHS, "Discussion", "Received 3 March 2026 at 9:14", *ARTICLE_PARAGRAPHS[::-1]]))
    assert sum(d.keep for d in paper.decisions if d.text in ARTICLE_PARAGRAPHS) == 4
    no_headers = strip_text("\n\n".join([*ARTICLE_PARAGRAPHS, "3 Comments", *ARTICLE_PARAGRAPHS[::-1]]))
    assert sum(d.keep for d in no_headers.decisions if d.text in ARTICLE_PARAGRAPHS) == 4  # a counter in a byline, no thread under it


def test_a_document_of_one_line_keeps_it_unless_a_pattern_names_it() -> None:
    headline_like = "Ferry service to the islands resumes on Monday after three days of storms"
    one_line, boilerplate, two_lines = strip_texts(
        [headline_like, "Share this article", f"{headline_like}\n\nThe ferries sailed at dawn, the harbour master said on Monday."]
    )
    assert [(d.reason, d.keep) for d in one_line.decisions] == [("kept", True)]
    assert one_line.text == headline_like and one_line.metadata["title"] is None
    assert [d.reason for d in boilerplate.decisions] == ["social"]
    assert two_lines.metadata["title"] == headline_like  # with a body under it, it is the headline
    told = strip_text(headline_like, title=headline_like)  # a record whose text repeats its title: no body
    assert told.text == "" and [d.reason for d in told.decisions] == ["title"]
