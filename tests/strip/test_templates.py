"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import polars as pl

from cleaner import StripOptions, strip_text
from tests.conftest import ARTICLE


def test_site_template_lines_are_found_per_source() -> None:
    from cleaner.strip.templates import find_templates, line_key

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


def test_copies_of_one_article_do_not_make_its_short_sentences_a_template() -> None:
    from cleaner.strip.templates import copy_keys, find_templates, line_key

    story = "The council agreed the budget on Monday.\nRoads come first, the mayor said after the vote."
    captures = [f"Home | Town | Sport\nUpdated {hours} hours ago\n{story}" for hours in range(5)]
    others = [f"Home | Town | Sport\nUpdated today\nStory {n} is about a different part of the town and its people." for n in range(3)]
    docs = [{"source": "bugle", "content_type": "text", "body": body} for body in captures + others]
    template = find_templates(docs, min_documents=3)["bugle"]
    assert line_key("Home | Town | Sport") in template
    assert line_key("The council agreed the budget on Monday.") not in template  # five captures, one article
    keys = copy_keys(pl.DataFrame({"source": ["bugle"] * len(docs), "body": captures + others}))
    assert keys.n_unique() == 4 and keys[:5].n_unique() == 1


def test_a_template_line_is_one_line_whether_or_not_a_direction_mark_opens_it() -> None:
    import cleaner

    stories = [f"Story {n} is about the town council and its long debate on the roads and the new bridge." for n in range(4)]
    records = [{"id": str(n), "source": "bugle", "text": f"\u200fThe Weekly Bugle\n\n{story}\n\n{ARTICLE}"} for n, story in enumerate(stories)]
    removed = cleaner.clean(records, workers=1).removed
    assert removed.filter(pl.col("line") == 1)["reason"].to_list() == ["template"] * 4
