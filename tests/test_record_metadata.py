"""A record's other fields: one struct type for the run, whatever the order of the records."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.config import FieldMap
from cleaner.record_metadata import (
    metadata_column,
    metadata_dtype,
    other_fields,
    read_field_names,
)

READ = read_field_names(FieldMap(text="body,text", id="doc.id"))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False, allow_infinity=False), st.text("ab\"", max_size=3))
values = st.one_of(scalars, st.lists(scalars, max_size=2))
records = st.lists(st.dictionaries(st.sampled_from(["a", "b", "body"]), values, max_size=3), min_size=1, max_size=5)


def test_the_fields_cleaner_reads_are_not_kept_twice() -> None:
    assert {"body", "text", "doc", "url", "source", "title", "author", "date", "html"} <= READ and "id" not in READ
    assert other_fields({"body": "x", "doc": {"id": 1}, "outlet": "o"}, READ) == '{"outlet":"o"}'
    assert other_fields({"body": "x"}, READ) is None


def test_types_are_shared_or_text() -> None:
    texts = [other_fields(record, READ) for record in ({"n": 1, "m": 1, "f": True}, {"n": 2.5, "m": "one", "f": False}, {})]
    dtype = metadata_dtype(texts)
    assert dtype == pl.Struct({"f": pl.Boolean, "m": pl.String, "n": pl.Float64})
    column = metadata_column(pl.Series(texts, dtype=pl.String), dtype)
    assert column.to_list() == [{"f": True, "m": "1", "n": 1.0}, {"f": False, "m": "one", "n": 2.5}, None]


def test_no_other_field_means_no_column() -> None:
    assert metadata_dtype([None, None]) is None


@given(records, st.data())
def test_the_type_and_every_value_do_not_depend_on_record_order(rows: list[dict], data: st.DataObject) -> None:
    texts = [other_fields(row, READ) for row in rows]
    shuffled = data.draw(st.permutations(texts))
    dtype = metadata_dtype(texts)
    assert dtype == metadata_dtype(shuffled)
    if dtype is None:
        return
    by_text = dict(zip(texts, metadata_column(pl.Series(texts, dtype=pl.String), dtype).to_list()))
    again = dict(zip(shuffled, metadata_column(pl.Series(shuffled, dtype=pl.String), dtype).to_list()))
    assert by_text == again
    for text, value in by_text.items():
        if text is not None:
            assert set(value) == {field.name for field in dtype.fields}
            assert set(json.loads(text)) <= set(value)


def test_past_the_most_fields_a_struct_gets_the_column_is_each_records_json(monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner
    from cleaner import record_metadata

    monkeypatch.setattr(record_metadata, "MAX_METADATA_FIELDS", 3)
    few = [json.dumps({"a": 1}), json.dumps({"b": "x", "c": True}), None]
    assert isinstance(metadata_dtype(few), pl.Struct)
    many = [*few, json.dumps({"day-2024-01-01": 5})]  # keys that are data: one more name than allowed
    dtype = metadata_dtype(many)
    assert dtype == pl.String()
    assert metadata_column(pl.Series(many), dtype).to_list() == many  # nothing dropped
    records = [{"id": f"r{n}", "text": f"Story number {n} about the harbour.", f"key{n}": n} for n in range(5)]
    documents = cleaner.clean(records, workers=1).documents
    assert documents.schema["metadata"] == pl.String and json.loads(documents["metadata"][4]) == {"key4": 4}
