"""The run's summary, as a person reads it at the end of ``cleaner clean``."""

from __future__ import annotations

from cleaner import schemas
from cleaner.result import CleanResult


def _summary(**counts: int) -> str:
    return CleanResult(stored={}, errors=schemas.empty(schemas.ERRORS), manifest={"counts": counts}).summary()


def test_counts_of_one_are_singular_and_others_plural() -> None:
    one = _summary(documents=2, duplicate_documents=1, paragraphs=3, clusters=1, duplicate_clusters=1, duplicate_paragraphs=1)
    assert one.splitlines()[:2] == [
        "documents: 2 (1 near-copy of another)",
        "paragraphs: 3 in 1 cluster (1 with copies, 1 duplicate paragraph)",
    ]
    many = _summary(documents=1200, duplicate_documents=0, paragraphs=5000, clusters=4100, duplicate_clusters=2, duplicate_paragraphs=900)
    assert many.splitlines()[:2] == [
        "documents: 1,200 (0 near-copies of another)",
        "paragraphs: 5,000 in 4,100 clusters (2 with copies, 900 duplicate paragraphs)",
    ]
    assert "input errors: none" in many
