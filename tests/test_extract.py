"""HTML extraction: which extractor's text is the page's main text."""

from __future__ import annotations

import gzip
import json

import lxml.etree
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.utils import load_html

from cleaner.decode import decode_bytes
from cleaner.extract import (
    SIBLINGS_LIMIT,
    Candidates,
    apply_text_rules,
    choose_main_texts,
    cleaned_length,
    comment_thread_reasons,
    extract_html,
    extract_main_text,
    hidden_by_markup,
    lead_only_in,
    load_page,
    page_metadata,
    parse_page,
    read_candidates,
    readability_text,
    second_is_closer,
    trafilatura_reads,
    unlikely_by_name,
    with_confirmed_lines,
)
from tests.conftest import SAMPLES

STORY = "the council met on monday to agree the budget for the new school year and the roads " * 3


def test_the_text_closer_to_the_page_s_third_reading_wins() -> None:
    elsewhere = " ".join(f"volunteers counted {n} birds in park number {n} for the survey" for n in range(12))
    assert not second_is_closer(STORY, elsewhere, STORY)  # the third reading agrees with readability
    assert second_is_closer(STORY, elsewhere, elsewhere + " " + STORY[:40])  # ... or with trafilatura
    assert not second_is_closer(STORY, elsewhere, "")  # nothing to go by: readability's
    assert second_is_closer("", elsewhere, "")  # unless readability found nothing
    assert not second_is_closer(STORY, STORY, STORY)  # a tie goes to readability


def test_the_other_extractor_s_lines_that_the_third_reading_confirms_complete_the_chosen_text() -> None:
    first = "The council met on Monday to agree the budget for the new school year."
    second = "Roads come next, said the mayor, once the schools are paid for."
    dates = "The dates are: March 3, April 7 and May 12"
    chosen = f"{first}\n\n{second}"
    other = f"{first}\n{dates}\nTuesday\n{second}\nShare this story on social media now"
    view = f"Menu\n{first}\n{dates}\nTuesday\n{second}"
    # the list and the one-word line the view has too go where the other text has them; the
    # share widget only the other text has stays out
    assert with_confirmed_lines(chosen, other, view) == f"{first}\n\n{dates}\n\nTuesday\n\n{second}"
    assert with_confirmed_lines(chosen, other, chosen) == chosen  # the view confirms nothing new
    assert with_confirmed_lines(chosen, "", view) == chosen
    assert with_confirmed_lines("", other, view) == ""  # an empty choice stays empty: the choice decides that
    lead = "Council agrees the school budget"
    with_lead = with_confirmed_lines(chosen, f"{lead}\n{other}", f"{lead}\n{view}")
    assert with_lead.split("\n\n")[0] == lead  # before any shared line: at the top
    shouted = with_confirmed_lines(chosen, other.upper(), view)
    assert shouted == f"{first}\n\n{dates.upper()}\n\nTUESDAY\n\n{second}"  # compared lower-cased; added as the other text has it
    # the page's choice applies it: readability's text chosen, trafilatura's confirmed lines added
    clutter = "Share this story on social media now\nSign up for the morning newsletter from the desk\nMore stories from the city desk this week"
    chose = Candidates(chosen, f"{other}\n{clutter}", {}, 0).choose(view)
    assert (chose.extractor, chose.text) == ("readability", f"{first}\n\n{dates}\n\nTuesday\n\n{second}")


def test_trafilatura_s_lines_before_the_first_one_both_share_lead_readability_s_text() -> None:
    body = "The council met on Monday to agree the budget for the new school year.\n\nRoads come next, said the mayor, once the schools are paid for."
    trafilatura = "Council agrees the school budget\n\nThe vote was close, and the roads must wait\n" + body.upper() + "\nMore from Local News"
    assert lead_only_in(trafilatura, body) == ["Council agrees the school budget", "The vote was close, and the roads must wait"]
    assert lead_only_in("Mayor\n" + body, body) == ["Mayor"]  # a line under four words is one gram
    assert lead_only_in(body, body) == []  # the first line is shared
    menu = "Home\nNews\nSport\nWeather\nFeatured: the harbour fair opens\n"
    assert lead_only_in(menu + trafilatura, body) == [  # the lines nearest the article, at most four
        "Weather", "Featured: the harbour fair opens", "Council agrees the school budget", "The vote was close, and the roads must wait",
    ]
    assert lead_only_in("Volunteers counted birds in the park for the survey", body) == []  # nothing shared: another part of the page
    candidates = Candidates(body, trafilatura, {}, 0)
    assert candidates.take(False).text == "Council agrees the school budget\n\nThe vote was close, and the roads must wait\n\n" + body
    assert candidates.take(True).text == trafilatura
    assert Candidates("", "Mayor", {}, 0).take(False).extractor == "none"  # no shared line, no lead: nothing


def test_text_rules_over_a_batch_of_pages_decide_as_for_each_page_alone() -> None:
    pages = [
        (SAMPLES / "valley-courier" / "greywater-beetle.html").read_text(encoding="utf-8"),
        decode_bytes(gzip.decompress((SAMPLES / "valley-courier" / "kessel-bridge.html.gz").read_bytes()), html=True)[0],
        "<html><body><nav>Home | News</nav></body></html>",
        "",
    ]
    one_by_one = [extract_html(page, guess_language=False) for page in pages]
    together = apply_text_rules([extract_main_text(page) for page in pages])
    assert together == one_by_one
    readability_s = apply_text_rules([read_candidates(page).take(False) for page in pages[:2]])
    assert any(reason == "byline" for page in readability_s for _, reason in page.removed)  # "By NAME · DATE" under the headline
    assert together[3].extractor == "none" and together[3].removed[0][1] == "extraction-empty"


def _stock_readability(tree: object) -> str:
    import html_text
    from readability import Document

    return html_text.extract_text(Document(tree).summary(html_partial=True), guess_layout=True)


def test_the_readability_pass_gives_readability_lxml_s_own_text() -> None:
    page = (SAMPLES / "valley-courier" / "greywater-beetle.html").read_text(encoding="utf-8")
    scripted = page.replace("</body>", '<p><a href="javascript:void(0)" onclick="go()">Print this</a></p></body>')
    for html in (page, scripted):
        ours = readability_text(html)
        assert ours and ours == _stock_readability(parse_page(html))


MISUSED_MARKUP = [
    "<div class='story'>{story}<span>{story}<img src='a.png'></span><em>{story}</em><br>{story}</div>",
    "<div id='comments-sidebar'><article><p>{story}</p></article></div><div><p>{story}</p><p>{story}</p></div>",
    "<div><pre>{story}<span class='comment'>{story}</span></pre><p>{story}</p><p>{story}</p></div><div class='menu'>{story}</div>",
    "<div><i>{story}<picture><source></picture></i>{story}<b>{story}<p>{story}</p></b><p>{story}</p></div>",
    "<div><div><span>{story}</span> loose {story}</div><table><tr><td>{story}</td></tr></table></div>",
    "<div><span data<div='1'>{story}</span><span>{story}</span></div><div class='ad-break'>{story}</div>",
]
"""Pages where readability-lxml's passes (unlikely candidates; ``<div>`` into paragraphs) have
something to do: inline elements holding a block, loose text, an unlikely name around an
``<article>`` or ``<pre>``, a block tag found by its prefix, and ``<`` in an attribute's name
(the pass readability-lxml's own way)."""


def test_the_readability_pass_is_readability_lxml_s_on_pages_its_passes_change() -> None:
    for body in MISUSED_MARKUP:
        html = "<html><body>" + body.format(story=STORY) + "</body></html>"
        ours = readability_text(html)
        assert ours and ours == _stock_readability(parse_page(html)), body


def test_a_copy_of_the_article_the_markup_hides_is_not_read_twice() -> None:
    long_article = "".join(f"<p>{STORY} part {n}.</p>" for n in range(4))
    short_article = "<p>The council met on Monday. It agreed the budget, part 3.</p>"  # read again by readability's retry
    for article in (long_article, short_article):
        for hiding in ("class='story hidden'", "class='teaser d-none'", "aria-hidden='true'"):
            html = f"<html><body><div {hiding}>{article}</div><div class='story'>{article}</div></body></html>"
            assert readability_text(html).count("part 3.") == 1, (hiding, article)


def test_form_controls_in_the_article_are_not_its_text() -> None:
    options = "".join(f"<option>Version {n} in another language</option>" for n in range(40))
    for article in ("".join(f"<p>{STORY} part {n}.</p>" for n in range(4)), "<p>The council met on Monday. Part 3.</p>"):
        html = f"<html><body><div class='story'><select>{options}</select>{article}<button>Load more stories</button></div></body></html>"
        text = readability_text(html)
        assert "art 3." in text and "Version" not in text and "Load more" not in text
        page_text = read_candidates(html).page_text  # the third reading's text, as a browser shows the page
        assert "art 3." in page_text and "Version" not in page_text and "Load more" not in page_text


def test_an_element_hidden_on_small_screens_only_is_still_read() -> None:
    html = "<html><body><div class='hidden lg:block'>{0}</div><div class='d-none d-md-block'>{0}</div></body></html>"
    elements = parse_page(html.format("<p>" + STORY + "</p>")).xpath("//body/div")
    assert [hidden_by_markup(elem) for elem in elements] == [False, False]


def test_hiding_classes_are_whole_class_names() -> None:
    page = parse_page(
        "<html><body><p class='sr-only'>a</p><p class='unhidden'>b</p><p class='lg:hidden'>c</p>"
        "<p aria-hidden='false'>d</p><p aria-hidden='true' class='fallback-image'>e</p><p class='x  visually-hidden'>f</p></body></html>"
    )
    assert {elem.text: hidden_by_markup(elem) for elem in page.xpath("//p")} == {
        "a": True, "b": False, "c": False, "d": False, "e": False, "f": True,
    }


def test_a_page_that_starts_as_a_fragment_is_read_as_a_whole_document() -> None:
    # one <div> around everything, no <html>: trafilatura's loader rejects it as "dubious"
    fragment = '<div id="page"><div id="shell"><b>Local news</b>\n<p>' + STORY + "</p><p>" + STORY.upper() + "</p></div></div>"
    tree = parse_page(fragment)
    assert tree is not None and tree.tag == "html" and tree.find("body") is not None
    assert "council met on monday" in readability_text(fragment)
    assert extract_main_text(fragment).extractor != "none"
    assert parse_page("   ") is None


def _nested(depth: int) -> str:
    return ("<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>" + "<div>" * depth + "<p>" + STORY + "</p><p>"
            + STORY.upper() + "</p>" + "</div>" * depth + "<footer>Contact the newsroom</footer></body></html>")


@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html>\n<html><head><title>T</title></head><body><form><input name=q><select><option>a</select></form><p>"
        + STORY + "</p></body></html>",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>' + STORY + "</p></body></html>",  # lxml refuses it as a string
        "<html/>\n<body><p>" + STORY + "</p></body>",  # a self-closed <html/>, which trafilatura repairs
        "<div><p>" + STORY + "</p></div>",  # "dubious" (no html): one block is rejected
        "<div><p>" + STORY + "</p></div><div>More</div>",
        "   ",
    ],
)
def test_a_page_is_loaded_as_trafilatura_loads_it_with_one_element_class(page: str) -> None:
    ours, theirs = load_page(page), load_html(page)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)
        assert {type(element) for element in ours.iter(lxml.etree.Element)} == {lxml.html.HtmlElement}


MARKUP_PIECES = [
    "<html>", "</html>", "<html/>", "<body>", "<p>", "</p>", "<div>", "</div>", "<!DOCTYPE html>", "<br/>", "<", ">", "&amp;",
    "<?xml version='1.0' encoding='utf-8'?>", "<meta charset='latin-1'>", "<form><input>", "<!-- a comment -->",
    "<script>x</script>", "words of text ", "é", "\x00", "\x0b", "\ud800", "&#0;",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=14))
def test_any_markup_is_loaded_as_trafilatura_loads_it(pieces: list[str]) -> None:
    page = "".join(pieces)
    ours, theirs = load_page(page), load_html(page)
    assert (ours is None) == (theirs is None)
    assert ours is None or lxml.html.tostring(ours) == lxml.html.tostring(theirs)


def test_a_page_nested_past_the_parser_s_usual_depth_limit_is_read_whole() -> None:
    # libxml2 stops at the 256th level without a word: the article and the footer were lost
    for depth in (100, 300, 2000):
        tree = parse_page(_nested(depth))
        assert tree is not None and "contact the newsroom" in tree.text_content().lower(), depth
        candidates = read_candidates(_nested(depth))
        assert not candidates.cut_short and "council met on monday" in extract_main_text(_nested(depth)).text, depth


def test_a_page_nested_past_the_parser_s_hard_limit_is_marked_cut_short() -> None:
    candidates = read_candidates(_nested(3000))
    assert candidates.cut_short and "council met" not in candidates.page_text


def test_a_page_with_a_text_node_past_the_parser_s_usual_limit_is_read_whole() -> None:
    # libxml2 stops at a text node of 10 MB: the page read empty
    page = "<html><body><pre>" + "a log line of a very long dump\n" * 350_000 + "</pre><p>" + STORY + "</p></body></html>"
    tree = parse_page(page)
    assert tree is not None and tree.text_content().endswith(STORY)


def test_bracketed_references_are_cut_from_extracted_paragraphs_and_names_with_digits_kept() -> None:
    page = (
        "<html><body><article><h1>Rivers of the county</h1><p>The Wend is the longest river in the county.<sup>[1]</sup> "
        "It floods most winters, officials said.<sup>[2]</sup><sup>[citation needed]</sup></p><p>[3]</p>"
        "<p>Gauges on the river run Windows7, and report over eth0, every five minutes of the day and night.</p></article></body></html>"
    )
    result = apply_text_rules([extract_main_text(page)])[0]
    assert [p.text for p in result.paragraphs] == [
        "The Wend is the longest river in the county. It floods most winters, officials said.",
        "Gauges on the river run Windows7, and report over eth0, every five minutes of the day and night.",
    ]
    assert ("[3]", "citation") in result.removed


def test_one_read_gives_both_texts_and_the_choice_between_them() -> None:
    page = (SAMPLES / "valley-courier" / "greywater-beetle.html").read_text(encoding="utf-8")
    candidates = read_candidates(page)
    assert candidates.readability and candidates.trafilatura and candidates.metadata["title"]
    assert candidates.take(True).text == candidates.trafilatura and candidates.take(True).extractor == "trafilatura"
    assert candidates.take(False).text == candidates.readability
    assert candidates.page_text and "beetle" in candidates.page_text.lower()
    assert choose_main_texts([candidates]) == [extract_main_text(page)]
    assert candidates.choose(candidates.trafilatura).extractor == "trafilatura"
    assert candidates.choose(candidates.readability).extractor == "readability"


ARTICLE_PAGE = """<html><head><title>Budget agreed</title>{ld}</head><body><nav><a href="/">Home</a></nav>
<article><h1>Budget agreed</h1>{paragraphs}</article><footer>Contact us</footer></body></html>"""


def _page(ld: object) -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    paragraphs = "".join(f"<p>{STORY} Paragraph {n} of the story.</p>" for n in range(4))
    return ARTICLE_PAGE.format(ld=script, paragraphs=paragraphs)


def test_the_author_the_page_states_in_json_ld_is_the_last_resort() -> None:
    person = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ada  Quill"}, "publisher": {"@type": "Organization", "name": "Gazette"}}
    assert extract_html(_page(person)).metadata["author"] == "Ada Quill"
    two = {"@graph": [{"@type": "Article", "author": [{"@type": "Person", "name": "Ada Quill"}, "Ben Ode"]}]}
    assert extract_html(_page(two)).metadata["author"] == "Ada Quill; Ben Ode"
    organisation = {"@type": "Article", "author": {"@type": "Organization", "name": "Gazette"}}
    reviews = {"@type": "Recipe", "review": [{"@type": "Review", "author": {"@type": "Person", "name": "cook42"}}]}
    assert extract_html(_page(organisation)).metadata["author"] is None
    assert extract_html(_page(reviews)).metadata["author"] is None
    assert extract_html(_page("not an object") + "").metadata["author"] is None


def test_a_byline_in_the_text_comes_before_the_stated_author() -> None:
    page = _page({"@type": "Article", "author": {"@type": "Person", "name": "Ada Quill"}})
    page = page.replace("<h1>Budget agreed</h1>", "<h1>Budget agreed</h1><p>By Carl Penn, Gazette | March 3, 2024</p>")
    assert extract_html(page).metadata["author"] == "Carl Penn"
    site_account = _page("no JSON-LD author").replace("<head>", '<head><meta name="author" content="Ben Ode">')
    assert extract_html(site_account).metadata["author"] == "Ben Ode"  # trafilatura's, from the meta tag
    with_byline = site_account.replace("<h1>Budget agreed</h1>", "<h1>Budget agreed</h1><p>By Carl Penn | March 3, 2024</p>")
    assert extract_html(with_byline).metadata["author"] == "Carl Penn"  # the page's own byline first


def _post(name: str, when: str, text: str) -> str:
    return f'<div class="post"><div class="meta"><b>{name}</b> <span>{when}</span></div><p>{text}</p><a>Reply</a></div>'


CYCLE_LANE = [
    "The city council voted on Tuesday to build a protected cycle lane along Harbour Road, ending two years of debate over the busy route.",
    "Work is expected to begin in the autumn and will take about six months, the council said in a statement.",
]
READERS = [
    ("Pete_W", "2 hours ago", "About time. I cycle that road every day and it is terrifying at rush hour, the lorries come within inches of you."),
    ("margaret.h", "3 hours ago", "This is a waste of money when the potholes on the side streets have not been fixed for years and nobody cares."),
    ("Dave from Eastfield", "4 hours ago", "I think it's a good idea but they should have asked the shop owners first because they will lose their parking."),
]


def test_a_comment_thread_inside_the_articles_element_is_removed_as_comments() -> None:
    page = (
        "<html><head><title>Council approves new cycle lane | The Daily Harbour</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav></header>"
        "<main><article><h1>Council approves new cycle lane</h1><p class='byline'>By Jane Morton | 14 March 2025</p>"
        + "".join(f"<p>{text}</p>" for text in CYCLE_LANE)
        + "<div class='share'>Share this article <a>Facebook</a> <a>Twitter</a></div></article>"
        "<section class='discussion'><h2>47 responses</h2>" + "".join(_post(*reader) for reader in READERS) + "</section></main>"
        "<aside><h3>Most read</h3><ul><li><a>Man arrested after town centre disturbance</a></li></ul></aside>"
        "<footer>© 2025 The Daily Harbour · <a>Privacy</a></footer></body></html>"
    )
    result = apply_text_rules([read_candidates(page).take(False)])[0]  # readability's text holds the thread
    assert [paragraph.text for paragraph in result.paragraphs] == CYCLE_LANE
    reasons = {text: reason for text, reason in result.removed}
    assert all(reasons[text] == "comments" for _, _, text in READERS)


KNITTING = [
    "The knitting circle at the town library met again this week after a long summer break, and twelve members came with projects.",
    "Most of them brought scarves for the winter market, where the circle sells its work each December to pay for new yarn.",
    "The oldest member, who has knitted for sixty years, showed the younger ones how to turn a heel without counting every stitch.",
    "The library has offered the circle its reading room on Tuesday evenings for the rest of the year, free of charge.",
]
KNITTERS = [
    ("Ellen", "September 10, 2012 11:40 AM", "What a lovely story, our circle meets on Thursdays and would love to visit."),
    ("Toni", "September 10, 2012 12:11 PM", "I learned to turn a heel the same way from my grandmother, and still count."),
    ("Gina", "September 10, 2012 12:13 PM", "Is the winter market open to knitters from other towns, or only to members?"),
]


def test_a_comment_thread_is_cut_where_readability_dropped_its_heading() -> None:
    body = "".join(f"<p>{text}</p>" for text in KNITTING) + "<p class='posted'>Posted by Laurie at September 10, 2012 9:01 AM</p>"
    body += "<h2 id='comments'>Comments</h2>" + "".join(
        f"<div id='c{n}'><p>{text}</p></div><p class='posted'>Posted by: {who} at {when}</p>"
        for n, (who, when, text) in enumerate(KNITTERS)
    )
    page = f"<html><head><title>Knitting circle</title></head><body><nav>Home</nav><div class='entry'>{body}</div></body></html>"
    candidates = read_candidates(page)
    assert "Comments" not in candidates.readability.split("\n") and "Comments" in candidates.trafilatura.split("\n")
    result = extract_html(page)
    assert result.extractor == "readability"
    assert [paragraph.text for paragraph in result.paragraphs][:4] == KNITTING
    reasons = {text: reason for text, reason in result.removed}
    assert all(reasons[text] == "comments" for _, _, text in KNITTERS)
    assert reasons["Posted by: Gina at September 10, 2012 12:13 PM"] == "comments"


def test_the_comment_rule_on_extracted_lines_needs_a_marker_after_the_article_and_headers_under_it() -> None:
    thread = ["47 responses", *[line for name, when, text in READERS for line in (f"{name} {when}", text, "Reply")]]
    reasons: list[str | None] = [None, None, "comments"] + [None] * (len(thread) - 1)
    marked = comment_thread_reasons([*CYCLE_LANE, *thread], reasons)
    assert marked[:3] == [None, None, "comments"] and set(marked[3:]) == {"comments"}
    too_early = comment_thread_reasons([CYCLE_LANE[1][:60], *thread], [None, "comments"] + [None] * (len(thread) - 1))
    assert too_early[2:] == [None] * (len(thread) - 1)  # a "comments" link above the article
    counted_none = comment_thread_reasons([*CYCLE_LANE, "Comments (0)", *thread[1:]], reasons)
    assert counted_none == reasons


def test_a_blogs_front_page_with_a_comment_counter_under_each_post_keeps_its_posts() -> None:
    posts = [
        (f"Post number {n} about the harbour", f"The harbour board met again this week, and post {n} reports what it decided about the old pier and the ferries.")
        for n in range(3)
    ]
    page = "<html><body><main>" + "".join(
        f"<h2>{title}</h2><p>{text}</p><p>Comments ({n})</p><p>posted by Aaron @ 9:{10 + n} AM</p><p>Thursday, September {20 + n}, 2004</p>"
        for n, (title, text) in enumerate(posts)
    ) + "</main></body></html>"
    kept = [paragraph.text for paragraph in extract_html(page).paragraphs]
    assert all(text in kept for _, text in posts)


def test_the_page_metadata_is_trafilaturas_for_every_field_cleaner_keeps() -> None:
    from trafilatura.metadata import extract_metadata

    stated = {"@type": "NewsArticle", "headline": "Budget agreed", "datePublished": "2024-03-05",
              "author": {"@type": "Person", "name": "Ada Quill"}, "publisher": {"@type": "Organization", "name": "gazette"}}
    pages = [
        (SAMPLES / "valley-courier" / "greywater-beetle.html").read_text(encoding="utf-8"),
        decode_bytes(gzip.decompress((SAMPLES / "valley-courier" / "kessel-bridge.html.gz").read_bytes()), html=True)[0],
        _page(stated),
        _page({"@type": "Article"}).replace(
            "<head>",
            '<head><meta property="og:site_name" content="@riverside"><meta name="author" content="desk">'
            '<link rel="canonical" href="https://news.example.org/2023/11/02/budget">',
        ),
        "<html><body><p>" + STORY + "</p><p>Posted on 12 January 2022</p></body></html>",
    ]
    for html in pages:
        tree = parse_page(html)
        assert tree is not None
        ours, theirs = page_metadata(tree), extract_metadata(tree)
        for name in ("title", "author", "date", "sitename", "url"):
            assert getattr(ours, name) == getattr(theirs, name), (name, html[:80])
    stated_page, tagged_page = page_metadata(parse_page(pages[2])), page_metadata(parse_page(pages[3]))
    assert stated_page.date == "2024-03-05"  # from the JSON-LD
    assert (tagged_page.sitename, tagged_page.url) == ("Riverside", "https://news.example.org/2023/11/02/budget")  # "@" dropped, capitalised


WHITESPACE_HEAVY = st.lists(
    st.one_of(
        st.sampled_from([" ", "\t", "\n", "\r", "\xa0", "\u2009", "\x0b", "\x1f", "a", "b.", "\u00e9"]),
        st.integers(min_value=250, max_value=300).map(lambda n: " \t" * (n // 2) + "\n" * (n % 2)),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(WHITESPACE_HEAVY)
def test_the_cleaned_length_is_readability_lxml_s_cleaned_text_s_length(text: str) -> None:
    from readability.readability import clean

    assert cleaned_length(text) == len(clean(text))


CLASS_NAMES = st.lists(
    st.one_of(
        st.sampled_from(["sidebar", "SideBar", "article", "comment", "Comments-main", "ad-break", "ſidebar", "\u212aey", " ", "-"]),
        st.text(max_size=4),
    ),
    max_size=6,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(CLASS_NAMES)
def test_unlikely_names_are_judged_as_readability_lxml_judges_them(names: str) -> None:
    from readability.readability import REGEXES

    expected = bool(REGEXES["unlikelyCandidatesRe"].search(names)) and not REGEXES["okMaybeItsACandidateRe"].search(names)
    assert unlikely_by_name(names) == expected


def test_trafilatura_is_not_given_a_page_whose_siblings_would_stall_it() -> None:
    def page(words: int) -> str:
        spans = "".join(f"<span>word {n} of a very long paragraph</span> " for n in range(words))
        return f"<html><head><title>Spans</title></head><body><article><p>{spans}</p></article></body></html>"

    usual, many = page(SIBLINGS_LIMIT), page(SIBLINGS_LIMIT + 1)
    assert trafilatura_reads(parse_page(usual), usual.count("<"))
    assert not trafilatura_reads(parse_page(many), many.count("<"))
    assert trafilatura_reads(parse_page(many), SIBLINGS_LIMIT - 1)  # too few tags for such an element: not walked
    candidates = read_candidates(many)
    assert candidates.trafilatura == "" and candidates.metadata["title"] == "Spans"
    result = extract_html(many)
    assert result.extractor == "readability" and f"word {SIBLINGS_LIMIT} of a very long paragraph" in result.paragraphs[-1].text
