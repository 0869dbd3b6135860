"""Documents that copy others: the rule of ``duplicate_documents`` against a plain reference."""

from __future__ import annotations

from collections import Counter, defaultdict

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates import canonical
from cleaner.duplicates.canonical import duplicate_documents

WIDELY = 3


def _reference(rows: list[tuple[str, str]], dates: dict[str, str | None], ratio: float) -> list[tuple[str, str]]:
    """The documented rule, one document at a time."""
    paragraphs = Counter(doc for doc, _ in rows)
    documents_of: dict[str, set[str]] = defaultdict(set)
    for doc, cluster in rows:
        documents_of[cluster].add(doc)
    dated = {doc: bool(date and date[:4].isdigit() and date[4] == "-") for doc, date in dates.items()}
    order = sorted(dates, key=lambda doc: (not dated[doc], dates[doc] if dated[doc] else "", -paragraphs[doc], doc))
    place = {doc: at for at, doc in enumerate(order)}
    evidence = {cluster for cluster, docs in documents_of.items() if len(docs) <= WIDELY}
    counted = Counter(doc for doc, cluster in rows if cluster in evidence)
    found = []
    for doc in sorted(dates):
        clusters = {cluster for d, cluster in rows if d == doc and cluster in evidence}
        shared = Counter(other for cluster in clusters for other in documents_of[cluster] if other != doc)
        earlier = [(-count, place[other], other) for other, count in shared.items() if place[other] < place[doc] and count >= ratio * counted[doc]]
        if earlier:
            found.append((doc, min(earlier)[2]))
    return found


documents = st.sampled_from([f"d{i}" for i in range(7)])
clusters = st.sampled_from([f"c{i}" for i in range(6)])
dates = st.sampled_from([None, "2024-01-02", "2024-01-01", "yesterday"])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(documents, clusters), min_size=1, max_size=30),
    date_of=st.dictionaries(documents, dates),
    ratio=st.sampled_from([0.3, 0.5, 0.8, 1.0]),
)
def test_copies_follow_the_documented_rule(rows: list[tuple[str, str]], date_of: dict[str, str | None], ratio: float) -> None:
    dates = {doc: date_of.get(doc) for doc, _ in rows}
    paragraphs = pl.DataFrame(rows, schema={"doc_id": pl.String, "cluster_id": pl.String}, orient="row")
    frame = pl.DataFrame({"doc_id": list(dates), "date": list(dates.values())}, schema={"doc_id": pl.String, "date": pl.String})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(canonical, "WIDELY_SHARED_DOCUMENTS", WIDELY)
        found = duplicate_documents(paragraphs, frame, ratio)
    assert found.rows() == _reference(rows, dates, ratio)
