"""Teaser lists under a list heading: other stories' headlines with their summaries."""

from __future__ import annotations

from cleaner import strip_text

SHORT_ARTICLE = "A section of the ring road was closed for several hours on Friday after a lorry overturned near the junction, police said. No one was hurt."
TEASERS = [
    "Hospital waiting lists fall for the first time in two years",
    "The number of patients waiting more than a year for treatment has dropped, new figures show, although health leaders warn of a hard winter.",
    "Teachers vote to accept pay offer after months of talks",
    "Members of the union backed the deal by a large majority, ending the threat of strikes in schools across the region this term.",
    "Energy firm fined for overcharging customers",
    "The regulator said the company had charged thousands of households too much over three years and must pay back every penny.",
]


def test_teasers_under_a_list_heading_do_not_outweigh_a_short_article() -> None:
    page = "\n".join(["News", "Sport", "Business", "Road closed after lorry overturns", SHORT_ARTICLE, "Top stories", *TEASERS, "Weather"])
    result = strip_text(page)
    assert [paragraph.text for paragraph in result.paragraphs] == [SHORT_ARTICLE]
    reasons = {d.text: d.reason for d in result.decisions if d.text.strip()}
    assert all(reasons[line] == "related" for line in TEASERS)
    assert result.metadata["title"] == "Road closed after lorry overturns"


def test_an_article_that_goes_on_after_a_list_heading_with_sections_of_several_paragraphs_is_kept() -> None:
    sections = [
        "What the council decided",
        "The council agreed on Tuesday to close the old ferry pier for repairs in March, after divers found rotten piles under it.",
        "Ferries will use the freight quay during the works, which are expected to take about six weeks in all.",
        "What passengers should do",
        "Passengers were asked to allow ten more minutes for boarding, and to follow the signs from the station to the quay.",
        "Buses from the town centre will stop at the freight quay as well, the operator said in a statement on Wednesday.",
    ]
    page = "\n".join(["Home", "Harbour pier to close for repairs", SHORT_ARTICLE, "Related stories", *sections, "Contact us"])
    kept = [paragraph.text for paragraph in strip_text(page).paragraphs]
    assert all(line in kept for line in sections if len(line.split()) > 6)


def test_two_teasers_are_not_yet_a_list() -> None:
    page = "\n".join(["Home", "Road closed after lorry overturns", SHORT_ARTICLE, "Top stories", *TEASERS[:4], "Weather"])
    reasons = {d.text: d.reason for d in strip_text(page).decisions if d.text.strip()}
    assert reasons[TEASERS[1]] != "related"
