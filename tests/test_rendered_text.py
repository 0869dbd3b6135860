"""A page's text spaced as a browser shows it: html-text's layout, the markup's own spaces."""

from __future__ import annotations

import re

import html_text
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.extract import readability_text
from cleaner.rendered_text import rendered_html_text

TEXT = st.text(alphabet="ab 一\n\t", max_size=6)


def markup(tags: list[str]) -> st.SearchStrategy[str]:
    """Random markup of text pieces nested in ``tags``."""
    return st.recursive(
        TEXT,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(tags), st.lists(inner, max_size=4)).map(lambda tag_children: _element(*tag_children)),
            st.lists(inner, min_size=2, max_size=4).map("".join),
        ),
        max_leaves=12,
    )


def _element(tag: str, children: list[str]) -> str:
    return f"<{tag}>" if tag == "br" else f"<{tag}>{''.join(children)}</{tag}>"


INLINE = ["span", "b", "em", "a"]
ANY = [*INLINE, "p", "div", "li", "br", "h2", "td", "section"]


def test_words_split_into_inline_elements_stay_whole() -> None:
    assert rendered_html_text('<p><span class="dropcap">A</span>dvertise yourself</p>') == "Advertise yourself"
    assert rendered_html_text("<p>the “<em>no assholes</em>” rule</p>") == "the “no assholes” rule"
    assert rendered_html_text("<p><span>一波波<span>接續性</span>低溫</span></p>") == "一波波接續性低溫"
    assert rendered_html_text("<p><code>Headers</code>,<code>Request</code>, <code>Response</code></p>") == "Headers,Request, Response"


def test_the_markups_own_spaces_stay() -> None:
    assert rendered_html_text("<p><b>Bold</b> <i>italic</i></p>") == "Bold italic"
    assert rendered_html_text("<p>one<b> two</b>three </p>") == "one twothree"
    assert rendered_html_text("<p>a<!-- note --> b</p>") == "a b"


def test_table_cells_and_sections_stay_apart_as_a_browser_lays_them_out() -> None:
    table = "<table><tr><th>Year</th><th>Team</th></tr><tr><td>1998</td><td>Ajax</td></tr></table>"
    assert rendered_html_text(table) == "Year Team\n1998 Ajax"
    assert rendered_html_text("<section>one</section><section>two</section>") == "one two"


def test_blocks_are_laid_out_as_html_text_lays_them_out() -> None:
    page = "<h1>Title</h1><p>First<br>line</p><ul><li>one</li><li>two</li></ul><div>end</div>"
    assert rendered_html_text(page) == html_text.extract_text(page, guess_layout=True) == "Title\n\nFirst\nline\n\none\ntwo\n\nend"


def test_readability_reads_an_article_of_styled_spans_as_the_browser_shows_it() -> None:
    sentence = "<span>Re</span><span>cords</span> show that the <em>harbour</em>’s older piers were rebuilt twice."
    page = f"<html><body><article>{''.join(f'<p>{sentence} Paragraph {n} of the story.</p>' for n in range(6))}</article></body></html>"
    text = readability_text(page)
    assert "Records show that the harbour’s older piers" in text
    assert "Re cords" not in text


@settings(max_examples=300, deadline=None)
@given(markup(INLINE))
@example("a<b> </b>b")
@example("<span>一</span>\n<span>a</span>")
def test_inline_markup_reads_as_its_text_content_with_whitespace_squeezed(piece: str) -> None:
    tree = html_text.parse_html(f"<p>{piece}</p>")
    assert rendered_html_text(f"<p>{piece}</p>") == re.sub(r"\s+", " ", tree.text_content()).strip()


@settings(max_examples=300, deadline=None)
@given(markup(ANY))
@example("<p>a</p><br><li>b<b>c</b></li>")
def test_only_spaces_differ_from_html_text(piece: str) -> None:
    mine, theirs = rendered_html_text(piece), html_text.extract_text(piece, guess_layout=True)
    assert mine.replace(" ", "") == theirs.replace(" ", "")
    assert len(mine) <= len(theirs)
