"""A record's other fields, kept with its document as the ``metadata`` struct column.

Records carry more than cleaner reads (a feed's ``guid``, an outlet code, tags, a crawl's
scores). They are not dropped: each document keeps the top-level fields that no field option
names, as compact JSON while the run holds it, and the ``documents`` table gets them as one
struct column whose fields are every name seen in the run, sorted. A field's type is the one
its values share (bool, integer, float: integers and floats together are floats, text);
anything else (nested objects, lists, values of mixed types) is kept as JSON text, so that
the table has one schema whatever the order of the records.

Records whose keys are data (a date or a URL per key) would make a struct of as many fields as
records, mostly null: a run of 5,000 records with a key each peaked at 1.07 GB with a
5,000-field struct, and at 0.34 GB with the JSON text. Past :data:`MAX_METADATA_FIELDS` names
in a run, the column is each record's JSON text instead, with nothing dropped.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import polars as pl

from cleaner.config import FieldMap

METADATA_COLUMN = "metadata"
log = logging.getLogger("cleaner")


@lru_cache(maxsize=64)
def read_field_names(fields: FieldMap) -> frozenset[str]:
    """The top-level record keys the field options read (``doc.content`` reads ``doc``)."""
    specs = (fields.text, fields.html, fields.id, fields.url, fields.source, fields.title, fields.author, fields.date)
    return frozenset(name.strip().split(".")[0] for spec in specs for name in spec.split(","))


def other_fields(record: Mapping[str, Any], read: frozenset[str]) -> str | None:
    """The record's fields that cleaner does not read, as JSON (``None``: there are none)."""
    kept = {str(key): _scalar(value) for key, value in record.items() if str(key) not in read}
    if not kept:
        return None
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _scalar(value: Any) -> Any:
    """A JSON scalar as it is; anything else (objects, lists, dates, NaN) as JSON text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _kind(value: Any) -> type | None:
    if value is None:
        return None
    return bool if isinstance(value, bool) else int if isinstance(value, int) else float if isinstance(value, float) else str


_DTYPES: dict[frozenset[type], pl.DataType] = {
    frozenset({bool}): pl.Boolean(),
    frozenset({int}): pl.Int64(),
    frozenset({float}): pl.Float64(),
    frozenset({int, float}): pl.Float64(),
}


MAX_METADATA_FIELDS = 1_000
"""Most field names the ``metadata`` struct gets; past it the column is JSON text."""


def metadata_dtype(texts: Iterable[str | None]) -> pl.Struct | pl.String | None:
    """The type of the run's ``metadata`` column: a struct of every other field seen, or text
    (each record's JSON) past :data:`MAX_METADATA_FIELDS` of them (``None``: no record had other
    fields)."""
    kinds: dict[str, set[type]] = {}
    for text in texts:
        if text is None:
            continue
        for key, value in json.loads(text).items():
            found = kinds.setdefault(key, set())
            if (kind := _kind(value)) is not None:
                found.add(kind)
    if not kinds:
        return None
    if len(kinds) > MAX_METADATA_FIELDS:
        log.warning(
            "records carry %d different other fields (over %d): the documents' metadata column holds each record's JSON text",
            len(kinds), MAX_METADATA_FIELDS,
        )
        return pl.String()
    return pl.Struct({key: _DTYPES.get(frozenset(kinds[key]), pl.String()) for key in sorted(kinds)})


def metadata_column(texts: pl.Series, dtype: pl.Struct | pl.String) -> pl.Series:
    """The ``metadata`` column of ``texts`` (the JSON of :func:`other_fields`): a struct, where a
    value of a field typed as text is printed as JSON prints it (``1`` -> ``"1"``, ``true`` ->
    ``"true"``), or the JSON text itself."""
    if not isinstance(dtype, pl.Struct):
        return texts.cast(pl.String).alias(METADATA_COLUMN)
    return texts.str.json_decode(dtype).alias(METADATA_COLUMN)
