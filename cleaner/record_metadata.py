"""A record's other fields, kept with its document as the ``metadata`` struct column.

Records carry more than cleaner reads (a feed's ``guid``, an outlet code, tags, a crawl's
scores). They are not dropped: each document keeps the top-level fields that no field option
names, as compact JSON while the run holds it, and the ``documents`` table gets them as one
struct column whose fields are every name seen in the run, sorted. A field's type is the one
its values share (bool, integer, float: integers and floats together are floats, text);
anything else (nested objects, lists, values of mixed types) is kept as JSON text, so that
the table has one schema whatever the order of the records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import polars as pl

from cleaner.config import FieldMap

METADATA_COLUMN = "metadata"


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


def metadata_dtype(texts: Iterable[str | None]) -> pl.Struct | None:
    """The struct type of the run's ``metadata`` column (``None``: no record had other fields)."""
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
    return pl.Struct({key: _DTYPES.get(frozenset(kinds[key]), pl.String()) for key in sorted(kinds)})


def metadata_column(texts: pl.Series, dtype: pl.Struct) -> pl.Series:
    """The ``metadata`` struct column of ``texts`` (the JSON of :func:`other_fields`); a value of a
    field typed as text is printed as JSON prints it (``1`` -> ``"1"``, ``true`` -> ``"true"``)."""
    return texts.str.json_decode(dtype).alias(METADATA_COLUMN)
