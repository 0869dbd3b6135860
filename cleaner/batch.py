"""Per-document work as a pure function over a batch: raw documents in, stage frames out.

``clean_batch`` takes a Polars frame of :data:`schemas.RAW_DOCUMENTS` and returns frames of
declared schemas (:class:`BatchOutput`): extraction or stripping, paragraphs, exact keys and
signatures. It imports no execution engine, so the same function runs in the local process
pool and on Spark executors.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from cleaner import schemas
from cleaner.config import CleanConfig
from cleaner.dates import iso_date
from cleaner.duplicates.keys import key_paragraphs, signature_columns
from cleaner.duplicates.signatures import SignatureParams
from cleaner.limits import time_limit
from cleaner.paragraphs import keep_all_batch
from cleaner.strip import (
    StripOptions,
    StrippedBatch,
    StripResult,
    strip_batch,
    strip_text,
)
from cleaner.strip.language import language_codes
from cleaner.tidy import tidy_series

if TYPE_CHECKING:  # trafilatura's import costs each worker 0.1 s: text-only runs skip it
    from cleaner.extract import Candidates, ExtractResult


@dataclass(frozen=True)
class BatchOutput:
    """What one batch of documents became; every frame has its declared schema."""

    meta: pl.DataFrame  # schemas.DOCUMENT_META
    paragraphs: pl.DataFrame  # schemas.PARAGRAPHS_KEYED
    removed: pl.DataFrame  # schemas.REMOVED
    errors: pl.DataFrame  # schemas.ERRORS

    @classmethod
    def concat(cls, outputs: list[BatchOutput]) -> BatchOutput:
        return cls(
            meta=pl.concat([o.meta for o in outputs]),
            paragraphs=pl.concat([o.paragraphs for o in outputs]),
            removed=pl.concat([o.removed for o in outputs]),
            errors=pl.concat([o.errors for o in outputs]),
        )

    @classmethod
    def failed(cls, path: str | None, error: str) -> BatchOutput:
        """The output of a document that could not be cleaned: one ``skipped`` error row."""
        return cls(
            meta=schemas.empty(schemas.DOCUMENT_META),
            paragraphs=schemas.empty(schemas.PARAGRAPHS_KEYED),
            removed=schemas.empty(schemas.REMOVED),
            errors=schemas.frame([{"path": path, "record": None, "error": error, "action": "skipped"}], schemas.ERRORS),
        )


BATCH_FRAMES: dict[str, pl.Schema] = {
    "meta": schemas.DOCUMENT_META,
    "paragraphs": schemas.PARAGRAPHS_KEYED,
    "removed": schemas.REMOVED,
    "errors": schemas.ERRORS,
}
"""The frames of a :class:`BatchOutput` and their schemas (on Spark each travels as one struct column)."""


def strip_options(config: CleanConfig, template_lines: frozenset[int] = frozenset()) -> StripOptions:
    """The part of the configuration the strip and extract stages need."""
    return StripOptions(
        keep_captions=config.keep_captions,
        keep_headings=config.keep_headings,
        line_model=config.line_model,
        extra_patterns=config.extra_patterns,
        strip=config.strip,
        template_lines=template_lines,
    )


def _strip_text_documents(
    docs: list[dict[str, Any]], config: CleanConfig, templates: Mapping[str, frozenset[int]]
) -> StrippedBatch | None:
    """The text documents of a batch stripped together (``strip.strip_batch``), or ``None``
    when that fails: then each document is stripped alone, so only a bad one is lost."""
    try:
        with time_limit(config.document_timeout * len(docs)):
            return strip_batch(
                [doc["body"] for doc in docs],
                options=strip_options(config),
                titles=[doc["title"] for doc in docs],
                template_lines=[templates.get(doc["source"], frozenset()) for doc in docs],
            )
    except Exception:  # noqa: BLE001 - the documents are retried one by one, with their own errors
        return None


def _batch_removed(stripped: StrippedBatch, doc_ids: list[str], failed: set[int]) -> pl.DataFrame:
    """The removed lines of a batch stripped together, for the documents that did not fail
    afterwards, straight from the batch's decision frame (no tuple per line)."""
    lines = stripped.lines.filter(~pl.col("keep") & ~pl.col("doc").is_in(list(failed)))
    return lines.select(
        pl.Series("doc_id", doc_ids, dtype=pl.String).gather(lines["doc"]).alias("doc_id"),
        "line",
        pl.col("raw").alias("text"),
        "reason",
    )


def clean_text_document(
    doc: dict[str, Any],
    config: CleanConfig,
    out: dict[str, list[dict[str, Any]]],
    templates: Mapping[str, frozenset[int]],
    stripped: StripResult | None = None,
) -> None:
    """One text document's paragraphs and metadata. Stripped alone here (when ``stripped`` is
    not given) its removed lines are added too; a batch's come from its decision frame."""
    result = stripped
    if result is None:
        options = strip_options(config, templates.get(doc["source"], frozenset()))
        result = strip_text(doc["body"], options=options, title=doc["title"])
        for line, text, reason in result.removed:
            out["removed"].append({"doc_id": doc["doc_id"], "line": line, "text": text, "reason": reason})
    position = 0
    for paragraph in result.paragraphs:
        if len(paragraph.text) < config.min_paragraph_chars and paragraph.line_start is not None:
            for number in range(paragraph.line_start, (paragraph.line_end or paragraph.line_start) + 1):
                text = result.decisions[number - 1].text  # one decision per input line, numbered from 1
                out["removed"].append({"doc_id": doc["doc_id"], "line": number, "text": text, "reason": "too-short"})
            continue
        out["paragraphs"].append(
            {
                "doc_id": doc["doc_id"],
                "position": position,
                "text": paragraph.text,
                "line_start": paragraph.line_start,
                "line_end": paragraph.line_end,
            }
        )
        position += 1
    found = result.metadata
    out["meta"].append(
        {
            "doc_id": doc["doc_id"],
            "title": found.get("title"),
            "author": found.get("author"),
            "date": iso_date(found.get("date")),
            "language": result.language,
            "extractor": "text-rules" if config.strip else "none",
            "strip_confidence": result.confidence,
        }
    )


def extract_html_document(doc: dict[str, Any], config: CleanConfig) -> Candidates:
    """One page's two extractions, visible text and metadata (the part of a page's work that the
    per-document time limit guards); a batch's pages then choose their main texts together
    (``extract.choose_main_texts``), and :func:`add_html_document` applies the text rules' verdicts."""
    from cleaner.extract import read_candidates

    if len(doc["body"]) > config.max_document_bytes:
        raise ValueError(f"HTML larger than the limit of {config.max_document_bytes:,} characters")
    return read_candidates(doc["body"], url=doc["url"])


def add_html_document(doc: dict[str, Any], result: ExtractResult, config: CleanConfig, out: dict[str, list[dict[str, Any]]]) -> str | None:
    """One page's paragraphs, removed lines and metadata. Returns the extracted text when the
    page's language is still to be guessed: :func:`clean_batch` guesses a batch's in one call
    (``strip.language.language_codes`` costs 4 ms a call, 2.7 ms of it fixed)."""
    for text, reason in result.removed:
        out["removed"].append({"doc_id": doc["doc_id"], "line": None, "text": text, "reason": reason})
    position = 0
    for paragraph in result.paragraphs:
        if len(paragraph.text) < config.min_paragraph_chars:
            out["removed"].append({"doc_id": doc["doc_id"], "line": None, "text": paragraph.text, "reason": "too-short"})
            continue
        out["paragraphs"].append(
            {"doc_id": doc["doc_id"], "position": position, "text": paragraph.text, "line_start": None, "line_end": None}
        )
        position += 1
    out["meta"].append({"doc_id": doc["doc_id"], **result.metadata, "extractor": result.extractor})
    return result.text if result.metadata["language"] is None and result.text else None


def clean_batch(
    raw: pl.DataFrame, config: CleanConfig, templates: Mapping[str, frozenset[int]] | None = None
) -> BatchOutput:
    """Strip or extract every document of ``raw`` and split it into keyed paragraphs.

    ``templates`` maps a source to the keys of its site-template lines (``strip.templates``).
    A document whose processing fails becomes a row of ``errors``; the others are unaffected.
    With ``strip`` off, text documents need no per-line decisions and are split a whole batch
    at a time (``paragraphs.keep_all_batch``); outputs keep the documents' order either way.
    """
    templates = templates or {}
    raw = _tidied_texts(raw)
    whole_batch = raw.filter(pl.col("content_type") != "html") if not config.strip else raw.clear()
    one_by_one = raw.filter(pl.col("content_type") == "html") if not config.strip else raw
    out: dict[str, list[dict[str, Any]]] = {"meta": [], "paragraphs": [], "removed": [], "errors": []}
    documents = list(one_by_one.iter_rows(named=True))
    text_rows = [row for row, doc in enumerate(documents) if doc["content_type"] != "html"]
    stripped = _strip_text_documents([documents[row] for row in text_rows], config, templates) if config.strip and text_rows else None
    stripped_at = dict(zip(text_rows, stripped.results)) if stripped is not None else {}
    failed: set[int] = set()
    unknown_languages: list[tuple[dict[str, Any], str]] = []
    extracted: dict[int, Candidates] = {}
    staged: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for row, doc in enumerate(documents):
        staged[row] = {"meta": [], "paragraphs": [], "removed": []}
        try:
            with time_limit(config.document_timeout):
                if doc["content_type"] == "html":
                    extracted[row] = extract_html_document(doc, config)
                    if extracted[row].cut_short:
                        out["errors"].append(_cut_short(doc))
                else:
                    clean_text_document(doc, config, staged[row], templates, stripped_at.get(row))
        except Exception as exc:  # one document must never take its batch down
            _document_failed(doc, exc, out)
            failed.add(row)
            del staged[row]
    if extracted:
        from cleaner.extract import apply_text_rules, choose_main_texts

        main_texts = choose_main_texts(list(extracted.values()))
        for row, result in zip(extracted, apply_text_rules(main_texts, strip_options(config))):
            if (text := add_html_document(documents[row], result, config, staged[row])) is not None:
                unknown_languages.append((staged[row]["meta"][0], text))
    for rows_of_document in staged.values():
        for key, rows in rows_of_document.items():
            out[key].extend(rows)
    if unknown_languages:
        guessed = language_codes([text for _, text in unknown_languages])
        for (meta, _), language in zip(unknown_languages, guessed):
            meta["language"] = language
    stripped_removed = []
    if stripped is not None:
        failed_texts = {index for index, row in enumerate(text_rows) if row in failed}
        batch_removed = _batch_removed(stripped, [documents[row]["doc_id"] for row in text_rows], failed_texts)
        stripped_removed.append(schemas.conform(batch_removed, schemas.REMOVED))
    kept_paragraphs, kept_removed = keep_all_batch(whole_batch, config.min_paragraph_chars)
    kept_meta = whole_batch.select("doc_id", pl.lit("none").alias("extractor"))
    paragraphs = _in_document_order([schemas.frame(out["paragraphs"], schemas.PARAGRAPHS_RAW), kept_paragraphs], raw)
    keyed, hashed = key_paragraphs(paragraphs)
    return BatchOutput(
        meta=_in_document_order([schemas.frame(out["meta"], schemas.DOCUMENT_META), schemas.conform(kept_meta, schemas.DOCUMENT_META, missing_as_null=True)], raw),
        paragraphs=schemas.conform(keyed.with_columns(signature_columns(keyed["normalized"], _signature_params(config), config.min_contained_words, hashed)), schemas.PARAGRAPHS_KEYED),
        removed=_in_document_order([*stripped_removed, schemas.frame(out["removed"], schemas.REMOVED), kept_removed], raw),
        errors=schemas.frame(out["errors"], schemas.ERRORS),
    )


def _tidied_texts(raw: pl.DataFrame) -> pl.DataFrame:
    """``raw`` with its text documents' bodies tidied (``tidy.tidy_series``: NFC, no invisible
    characters) before anything reads their lines; a page's extracted text is tidied by
    ``extract.apply_text_rules``, its markup is not touched."""
    rows = (raw["content_type"] != "html").arg_true()
    if len(rows) == 0:
        return raw
    body = raw["body"]
    return raw.with_columns(body.scatter(rows, tidy_series(body.gather(rows))))


def _cut_short(doc: dict[str, Any]) -> dict[str, Any]:
    from cleaner.extract import UNLIMITED_DEPTH_LIMIT

    error = (f"document {doc['doc_id']!r}: HTML nested {UNLIMITED_DEPTH_LIMIT:,} elements deep, where the parser stops: "
             "only the page before that point was read")
    return {"path": doc["path"], "record": None, "error": error, "action": "truncated"}


def _document_failed(doc: dict[str, Any], exc: Exception, out: dict[str, list[dict[str, Any]]]) -> None:
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    out["errors"].append(
        {"path": doc["path"], "record": None, "error": f"document {doc['doc_id']!r} failed: {detail}", "action": "skipped"}
    )


def releases_gil(raw: pl.DataFrame, config: CleanConfig) -> bool:
    """Whether ``clean_batch`` spends this batch in Polars and numpy kernels only.

    True for text documents without per-line stripping (``--no-strip``): splitting,
    normalising and signing a whole batch are column operations that release the GIL, so
    such batches parallelise on threads (measured: 13 batches of 100k paragraphs, 1.33 s in
    one thread, 0.83 s on two threads of a 2-core machine). Stripping (per-document Python)
    and HTML extraction (trafilatura) need worker processes, where the per-document time
    limit (``SIGALRM``, main thread only) also applies.
    """
    return not config.strip and not (raw["content_type"] == "html").any()


def _in_document_order(parts: list[pl.DataFrame], raw: pl.DataFrame) -> pl.DataFrame:
    """Concatenate per-document rows from both paths, ordered as the documents are in ``raw``."""
    nonempty = [part for part in parts if part.height]
    if len(nonempty) <= 1:
        return nonempty[0] if nonempty else parts[0]
    rank = raw.select("doc_id", pl.int_range(pl.len()).alias("_rank"))
    combined = pl.concat(nonempty).with_row_index("_row")
    return combined.join(rank, on="doc_id", how="left").sort("_rank", "_row").drop("_rank", "_row")


def _signature_params(config: CleanConfig) -> SignatureParams | None:
    return config.signature_params() if config.signatures_needed() else None
