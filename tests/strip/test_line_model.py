"""The learned line model: its features, its arithmetic, and how far it may move the rules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import StripOptions, strip_text
from cleaner.cli import cli
from cleaner.strip import line_model, line_model_inputs, strip_texts
from cleaner.strip.line_model import (
    LineModel,
    bundled_model,
    line_features,
    revised_reasons,
)
from tests.conftest import ARTICLE


def _units(docs: list[int], n_words: list[int], in_region: list[bool]) -> tuple[pl.DataFrame, pl.Series, np.ndarray]:
    n = len(docs)
    units = pl.DataFrame(
        {
            "doc": docs,
            "n_words": n_words,
            "chars": [6 * w for w in n_words],
            "stop_ratio": [0.3] * n,
            "terminal": [w >= 10 for w in n_words],
            "standfirst": [False] * n,
            "upper_start": [True] * n,
            "score": [float(6 * w) if w >= 10 else -30.0 for w in n_words],
            "pattern": [None] * n,
            "prose_shape": [w >= 10 for w in n_words],
        },
        schema_overrides={"doc": pl.Int32, "n_words": pl.Int32, "chars": pl.UInt32, "pattern": pl.String},
    )
    reasons = pl.Series("reason", ["" if r else "outside-main" for r in in_region])
    return units, reasons, np.array(in_region)


def test_features_stay_inside_their_document() -> None:
    units, reasons, in_region = _units([0, 0, 0, 1, 1], [2, 20, 3, 4, 5], [False, True, False, False, False])
    features = line_features(units, reasons, in_region)
    assert features["prev_n_words"].to_list()[:4] == pytest.approx([math.nan, 2, 20, math.nan], nan_ok=True)
    assert math.isnan(features["next_n_words"][2]) and features["next_n_words"][3] == 5
    assert features["from_region_start"].to_list() == [-1, 0, 1, -999, -999]
    assert features["from_region_end"].to_list() == [-1, 0, 1, 999, 999]
    # runs of short lines: the first document's are split by the long line, the second's by the document edge
    assert features["run_length"].to_list() == [1, 1, 1, 2, 2]
    assert features["short_run_length"].to_list() == [1, 0, 1, 2, 2]
    assert features["prose_nearby"].to_list() == [120, 120, 120, 0, 0]
    assert set(bundled_model().features) <= set(features.columns)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan), st.sampled_from([0.0, 1.0])), min_size=1, max_size=40))
def test_contributions_are_a_lookup_per_bin(values: list[float]) -> None:
    """The flag shortcut and the bin search agree with a plain reference, missing values included."""
    model = LineModel(
        ("flag", "amount"),
        (np.array([0.5]), np.array([-3.0, 0.0, 7.5])),
        (np.array([-1.0, 2.0, 9.0]), np.array([0.1, 0.2, 0.3, 0.4, -5.0])),
        0.25,
    )
    frame = pl.DataFrame({"flag": values, "amount": values}, schema={"flag": pl.Float64, "amount": pl.Float64})
    contributions = model.contributions(frame)

    def reference(edges: np.ndarray, weights: np.ndarray, value: float) -> float:
        return weights[-1] if math.isnan(value) else weights[sum(value >= edge for edge in edges)]

    for row, value in enumerate(values):
        assert contributions[row, 0] == reference(model.edges[0], model.weights[0], value)
        assert contributions[row, 1] == reference(model.edges[1], model.weights[1], value)
    assert np.allclose(model.log_odds(frame), 0.25 + contributions.sum(axis=1))


def test_model_round_trips_through_json_and_rejects_a_broken_file() -> None:
    model = bundled_model()
    again = LineModel.from_json(model.to_json())
    assert again.features == model.features and again.intercept == model.intercept
    assert all(np.array_equal(a, b) for a, b in zip(again.weights, model.weights))
    broken = model.to_json()
    broken["features"][0]["weights"] = broken["features"][0]["weights"][:-1]
    with pytest.raises(ValueError, match=model.features[0]):
        LineModel.from_json(broken)


def test_a_damaged_model_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    damaged = tmp_path / "cleaner" / "data" / "line_model.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_text('{"intercept": 0.5, "features": [', encoding="utf-8")
    monkeypatch.setattr(line_model.resources, "files", lambda package: tmp_path / package)
    bundled_model.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"line_model\.json: not a usable line model"):
            bundled_model()
    finally:
        monkeypatch.undo()
        bundled_model.cache_clear()
    assert bundled_model().features


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from(["", "outside-main", "outside-main", "nav", "title", "byline", "heading"]),
            st.floats(0, 1),
            st.integers(1, 3),
        ),
        min_size=1,
        max_size=30,
    ).map(sorted)
)
def test_the_model_moves_only_the_margins(rows: list[tuple[int, str, float, int]]) -> None:
    """Reference: runs of ``outside-main`` lines walked by hand in each document."""
    docs = np.array([row[0] for row in rows])
    reasons = pl.Series("reason", [row[1] for row in rows])
    n_words = np.array([row[3] for row in rows])
    revised = revised_reasons(reasons, np.array([row[2] for row in rows]), docs, n_words).to_list()
    keeps_something = {
        doc
        for (doc, reason, p, _), after in zip(rows, revised)
        if (reason == "" and p >= line_model.DROP_PROBABILITY) or (reason == "outside-main" and after == "")
    }
    for index, ((doc, reason, p, words), after) in enumerate(zip(rows, revised)):
        if reason == "outside-main":
            lo = index
            while lo > 0 and rows[lo - 1][:2] == (doc, reason):
                lo -= 1
            hi = index
            while hi + 1 < len(rows) and rows[hi + 1][:2] == (doc, reason):
                hi += 1
            run_mean = sum(row[2] for row in rows[lo : hi + 1]) / (hi - lo + 1)
            blended = line_model.RUN_WEIGHT * run_mean + (1 - line_model.RUN_WEIGHT) * p
            listed = words >= 2 or hi - lo + 1 >= line_model.LIST_RUN
            if abs(blended - line_model.RESCUE_PROBABILITY) > 1e-9:
                assert after == ("" if blended > line_model.RESCUE_PROBABILITY and listed else reason)
        elif reason == "" and p < line_model.DROP_PROBABILITY:
            # dropped, unless that would leave its document with nothing kept
            assert after == ("line-model" if doc in keeps_something else "")
        else:
            assert after == reason
    still_kept = {doc for (doc, _, _, _), after in zip(rows, revised) if after == ""}
    assert {doc for doc, reason, _, _ in rows if reason == ""} <= still_kept


def test_strip_reports_the_model_and_can_do_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with_model = strip_text(ARTICLE)
    judged = [d for d in with_model.decisions if d.content is not None]
    assert judged and all(0.0 < d.content < 1.0 for d in judged)
    assert all(d.reason in ("kept", "outside-main", "line-model", "inline-clutter") for d in judged)
    assert all(d.content is None for d in strip_text(ARTICLE, options=StripOptions(line_model=False)).decisions)
    # the kept line the model is least sure of goes, and says why
    sure = sorted(d.content for d in with_model.decisions if d.reason == "kept" and d.content is not None)
    monkeypatch.setattr(line_model, "DROP_PROBABILITY", (sure[0] + sure[1]) / 2)
    dropped = strip_text(ARTICLE)
    assert [d.reason for d in dropped.decisions if d.content == sure[0]] == ["line-model"]
    # thresholds at their extremes: the model would drop every kept line, and empties no document
    monkeypatch.setattr(line_model, "DROP_PROBABILITY", 1.0)
    monkeypatch.setattr(line_model, "RESCUE_PROBABILITY", 1.0)
    assert strip_text(ARTICLE).text == strip_text(ARTICLE, options=StripOptions(line_model=False)).text != ""
    monkeypatch.setattr(line_model, "DROP_PROBABILITY", 0.0)
    monkeypatch.setattr(line_model, "RESCUE_PROBABILITY", 0.0)
    rescued = strip_text(ARTICLE)
    assert rescued.text.startswith("Example Times")
    assert "Sign in" not in rescued.text and "Facebook" not in rescued.text  # a pattern is the rules' final word


def test_training_inputs_match_what_the_stripper_sees() -> None:
    texts = [ARTICLE, "Menu\nA single line of text without much in it\n"]
    inputs = line_model_inputs(texts)
    assert {"doc", "line", "text", "reason", *bundled_model().features} <= set(inputs.columns)
    rules = strip_texts(texts, options=StripOptions(line_model=False))
    removed = {(doc, line) for doc, result in enumerate(rules) for line, _, reason in result.removed if reason == "outside-main"}
    assert removed == set(inputs.filter(pl.col("reason") == "outside-main").select("doc", "line").iter_rows())


def test_cli_explain_shows_the_model_and_the_flag_turns_it_off(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    explained = CliRunner().invoke(cli, ["strip", "--explain", str(page)]).output
    assert "p(text)" in explained
    rows = [line.split() for line in explained.splitlines() if line[:5].strip().isdigit()]
    assert any(row[4] != "-" for row in rows if len(row) > 4)
    plain = CliRunner().invoke(cli, ["strip", "--explain", "--no-line-model", str(page)]).output
    assert all(row[4] == "-" for row in (line.split() for line in plain.splitlines() if line[:5].strip().isdigit()) if len(row) > 4)


def test_training_recovers_a_known_rule() -> None:
    """The trainer's Newton fit on synthetic units: a feature that decides the label gets the
    weights that say so, and the fit is deterministic."""
    from tools import train_line_model as trainer

    rng = np.random.default_rng(7)
    n = 2_000
    columns = {name: rng.normal(size=n) for name in trainer.FEATURES}
    decisive = trainer.FEATURES[0]
    columns[decisive] = rng.uniform(0, 10, size=n)
    positive = (columns[decisive] > 5).astype(np.int64)
    units = pl.DataFrame(columns).with_columns(pl.Series("positive", positive), pl.Series("negative", 1 - positive))
    model = trainer.train(units)
    again = trainer.train(units)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights, again.weights))
    probability = line_model.content_probability(model.log_odds(units))
    assert ((probability > 0.5) == (positive == 1)).mean() > 0.97
    weights = model.weights[0]
    assert weights[0] < 0 < weights[-2]  # lowest bin says "not text", highest says "text"
