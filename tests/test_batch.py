"""The map stage's batch function: a document that fails costs itself, never its batch."""

from __future__ import annotations

import polars as pl

import cleaner
from tests.conftest import ARTICLE


def test_a_document_that_fails_after_the_batch_strip_leaves_no_audit_rows(monkeypatch) -> None:
    """The removed lines of a batch come from its decision frame: a document that fails later
    (while its paragraphs are made) must not leave removed rows behind, as if it was cleaned."""
    from cleaner import batch

    original = batch.clean_text_document

    def fails_on_bad(doc, *args, **kwargs):  # type: ignore[no-untyped-def]
        if doc["doc_id"] == "bad":
            raise RuntimeError("cannot split this document")
        return original(doc, *args, **kwargs)

    monkeypatch.setattr(batch, "clean_text_document", fails_on_bad)
    records = [{"id": "good", "text": ARTICLE}, {"id": "bad", "text": ARTICLE}, {"id": "also-good", "text": ARTICLE}]
    result = cleaner.clean(records, workers=1)
    assert result.documents["doc_id"].to_list() == ["good", "also-good"]
    assert [e for e in result.errors["error"].to_list() if "'bad'" in e and "cannot split this document" in e]
    removed_docs = result.removed["doc_id"].to_list()
    assert "bad" not in removed_docs and removed_docs.count("good") == removed_docs.count("also-good") > 0


def test_a_document_that_breaks_the_batch_strip_costs_only_itself(monkeypatch) -> None:
    """When stripping a batch at once fails, every document is stripped alone: only the bad
    one becomes an error naming it, and the others are cleaned as usual."""
    from cleaner import batch, strip

    def fragile(text: str, **options):  # type: ignore[no-untyped-def]
        if "POISON" in text:
            raise RuntimeError("cannot strip this document")
        return strip.strip_text(text, **options)

    monkeypatch.setattr(batch, "strip_batch", lambda texts, **options: [fragile(t) for t in texts])
    monkeypatch.setattr(batch, "strip_text", fragile)
    records = [{"id": "good", "text": ARTICLE}, {"id": "bad", "text": "POISON\n" + ARTICLE}, {"id": "also-good", "text": ARTICLE}]
    result = cleaner.clean(records, workers=1)
    assert result.documents["doc_id"].to_list() == ["good", "also-good"]
    assert [e for e in result.errors["error"].to_list() if "'bad'" in e and "cannot strip this document" in e]
    assert result.paragraphs.filter(pl.col("doc_id") == "also-good").height == result.paragraphs.filter(pl.col("doc_id") == "good").height > 0
