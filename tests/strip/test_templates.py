"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

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
