"""A learned second opinion on the stripper's rules: how likely each line is article text.

The rules (shape, main region, barriers, patterns) decide most lines well, but they trade
precision for recall about one for one at their margins: a short sentence just below the
main region, a list of ingredients, a teaser inside it. The line model looks at the same
signals together, with their neighbours, and moves only the margins:

- a line the rules left **outside the main region** is kept when the model finds it, and
  the run of such lines around it, likely enough to be article text (``RESCUE_PROBABILITY``,
  ``RUN_WEIGHT``);
- a line kept **inside the region** is dropped (reason ``line-model``) only when the model is
  nearly sure it is not (``DROP_PROBABILITY``): the region is usually right, and a subheading
  the snippets never label must not be lost.

Titles, bylines, datelines and every pattern-matched line keep the rules' decision.

The model is additive (a generalised additive model): each feature is cut into at most
12 quantile bins and each bin adds a learned weight to the log-odds, so a line's score is a
sum that can be read term by term (:meth:`LineModel.contributions`). The weights are data
(``data/line_model.json``), trained by ``tools/train_line_model.py`` on the snippet
labels of the extraction development set, with pages cross-validated; the features are
language-independent shapes and positions, no words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import polars as pl

from cleaner.once import once

RESCUE_PROBABILITY = 0.45
"""Chosen on four sets, each page weighing the same: the mean token F1 of the three
extraction-wide sets plus the snippet F1 of extraction-dev is highest at 0.45 (grid 0.33 /
0.45 / 0.6 / 0.75 / never, with ``DROP_PROBABILITY`` 0.1 / 0.25 / 0.4). Leaving one wide set
out, the choice made on the other two scores dragnet 0.822 (0.45 chosen), CleanEval 0.895
(0.6, 0.4: the two news sets want precision, CleanEval's gold keeps comments and lists) and
Readability 0.902 (0.6, 0.25). extraction-dev, pages cross-validated: F1 0.906 (0.33: 0.903)."""
DROP_PROBABILITY = 0.1
"""Low, so that subheadings (which the dev set's snippets hardly ever mark) stay: the seed
articles' lowest content line scores 0.13 (cross-validated, 0.05 / 0.08 / 0.10 gave
F1 0.900 / 0.901 / 0.902)."""
RUN_WEIGHT = 0.7
"""A line outside the region is judged 70% by the mean probability of its run (the lines
outside the region next to it) and 30% by its own: a list is mostly kept or dropped as a
whole, not one item in three (pages cross-validated: recall 0.948 -> 0.953, precision equal)."""
LIST_RUN = 3
"""A one-word line is rescued only in a run of at least this many lines (a list): alone
between clutter it is a section label (no change on the dev pages: 94 units)."""
SHORT_RUN_WORDS = 10
"""Lines shorter than this without terminal punctuation form runs (menus, link lists)."""

MODEL_INPUTS = ("doc", "n_words", "chars", "stop_ratio", "terminal", "standfirst", "upper_start", "score", "pattern", "prose_shape")
"""The columns of the stripper's unit frame that :func:`line_features` reads."""


def line_features(units: pl.DataFrame, reasons: pl.Series, in_region: np.ndarray) -> pl.DataFrame:
    """Every feature of the model, one row per unit, for a batch sorted by ``doc``.

    ``reasons`` are the rules' reasons (``""``: kept), ``in_region`` whether a unit lies in an
    article region. Neighbour features (``next_``/``prev_``) are NaN past a document's edge.
    """
    doc = units["doc"].to_numpy().astype(np.int64)
    n = units.height
    bounds = np.searchsorted(doc, np.arange(int(doc[-1]) + 2 if n else 1))
    start = bounds[doc]
    size = bounds[doc + 1] - start
    index = np.arange(n) - start
    first = np.full(len(bounds), np.iinfo(np.int64).max)
    last = np.full(len(bounds), -1)
    np.minimum.at(first, doc[in_region], index[in_region])
    np.maximum.at(last, doc[in_region], index[in_region])
    has_region = last[doc] >= 0
    region_units = np.bincount(doc[in_region], minlength=len(bounds))
    n_words = units["n_words"].to_numpy().astype(np.float64)
    stop_ratio = units["stop_ratio"].to_numpy()
    has_pattern = units["pattern"].is_not_null().to_numpy().astype(np.float64)
    prose_chars = np.where(units["prose_shape"].to_numpy(), units["chars"].to_numpy(), 0).astype(np.float64)
    short = (n_words < SHORT_RUN_WORDS) & ~units["terminal"].to_numpy()
    run_length = _run_lengths(short, doc)
    columns = {
        "in_region": in_region.astype(np.float64),
        "rules_outside": (reasons == "outside-main").to_numpy().astype(np.float64),
        "from_region_start": np.where(has_region, index - first[doc], -999).astype(np.float64),
        "from_region_end": np.where(has_region, index - last[doc], 999).astype(np.float64),
        "region_share": region_units[doc] / np.maximum(size, 1),
        "position": index / np.maximum(size, 1),
        "standfirst": units["standfirst"].to_numpy().astype(np.float64),
        "n_words": n_words,
        "chars": units["chars"].to_numpy().astype(np.float64),
        "stop_ratio": stop_ratio,
        "upper_start": units["upper_start"].to_numpy().astype(np.float64),
        "score": np.clip(units["score"].to_numpy(), -200, 3000),
        "prose_nearby": _window_sum(prose_chars, start, size, 3),
        "run_length": run_length,
        "short_run_length": np.where(short, run_length, 0.0),
        "next_stop_ratio": _neighbour(stop_ratio, start, size, 1),
        "next_n_words": _neighbour(n_words, start, size, 1),
        "next_has_pattern": _neighbour(has_pattern, start, size, 1),
        "prev_n_words": _neighbour(n_words, start, size, -1),
        "prev2_n_words": _neighbour(n_words, start, size, -2),
        "prev3_n_words": _neighbour(n_words, start, size, -3),
    }
    return pl.DataFrame(columns, schema={name: pl.Float64 for name in columns})


def _neighbour(values: np.ndarray, start: np.ndarray, size: np.ndarray, step: int) -> np.ndarray:
    """``values`` of the unit ``step`` rows away in the same document, NaN past its edge."""
    index = np.arange(len(values)) + step
    inside = (index >= start) & (index < start + size)
    return np.where(inside, values[np.clip(index, 0, max(len(values) - 1, 0))], np.nan)


def _window_sum(values: np.ndarray, start: np.ndarray, size: np.ndarray, reach: int) -> np.ndarray:
    """Sum of ``values`` over ``reach`` rows each side, within the document."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    rows = np.arange(len(values))
    hi = np.minimum(rows + reach + 1, start + size)
    lo = np.maximum(rows - reach, start)
    return total[hi] - total[lo]


def _keeps_something(doc: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """For each unit, whether its document keeps a unit after the model's moves. The model
    does not drop the last of what the rules kept: a two-line note is all its page has. It
    changed no page of extraction-wide or extraction-dev (their pages keep more); before, a
    one-paragraph document whose paragraph scored just under :data:`DROP_PROBABILITY` came out
    empty."""
    return np.bincount(doc, weights=kept, minlength=1)[doc] > 0  # documents are numbered from 0 in a batch


def _run_ids(flag: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Each unit's run: consecutive units of one document whose ``flag`` is the same."""
    new_run = np.ones(len(flag), dtype=bool)
    new_run[1:] = (flag[1:] != flag[:-1]) | (doc[1:] != doc[:-1])
    return np.cumsum(new_run) - 1


def _run_lengths(flag: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Units in each unit's run (:func:`_run_ids`)."""
    run = _run_ids(flag, doc)
    return np.bincount(run, minlength=1)[run].astype(np.float64)


@dataclass(frozen=True, eq=False)
class LineModel:
    """Bins and weights of the additive model: feature ``f``'s bin ``b`` adds
    ``weights[f][b]`` to the log-odds; the last bin of each feature is "missing" (NaN)."""

    features: tuple[str, ...]
    edges: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    intercept: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineModel:
        features = tuple(feature["name"] for feature in data["features"])
        edges = tuple(np.asarray(feature["edges"], dtype=np.float64) for feature in data["features"])
        weights = tuple(np.asarray(feature["weights"], dtype=np.float64) for feature in data["features"])
        for name, edge, weight in zip(features, edges, weights):
            if len(weight) != len(edge) + 2:
                raise ValueError(f"line model feature {name!r}: {len(weight)} weights for {len(edge)} edges")
        return cls(features, edges, weights, float(data["intercept"]))

    def to_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "features": [
                {"name": name, "edges": edge.tolist(), "weights": weight.tolist()}
                for name, edge, weight in zip(self.features, self.edges, self.weights)
            ],
        }

    def contributions(self, features: pl.DataFrame) -> np.ndarray:
        """``[unit, feature]``: what each feature adds to each unit's log-odds. Filled a feature
        at a time, so a feature's values lie side by side in memory (filled a unit row at a
        time, the writes of the dev pages' 100,000 units took 36 ms, a third of the model)."""
        out = np.empty((len(self.features), features.height), dtype=np.float64).T
        for column, (name, edge, weight) in enumerate(zip(self.features, self.edges, self.weights)):
            values = features[name].to_numpy()
            # a flag's one edge is a comparison, much cheaper than a search
            bins = (values >= edge[0]).view(np.int8) if len(edge) == 1 else np.searchsorted(edge, values, side="right")
            missing = np.isnan(values)
            out[:, column] = weight[bins]
            if missing.any():
                out[missing, column] = weight[-1]
        return out

    def log_odds(self, features: pl.DataFrame) -> np.ndarray:
        """Each unit's log-odds of being article text."""
        # summed along rows in memory, the order (and so the last bit) of the sums the model was fitted with
        return self.intercept + np.ascontiguousarray(self.contributions(features)).sum(axis=1)


@once
def bundled_model() -> LineModel:
    """The model shipped with cleaner (``data/line_model.json``); a damaged file is named."""
    path = resources.files("cleaner").joinpath("data", "line_model.json")
    try:
        return LineModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a usable line model ({exc}); reinstall cleaner or run with --no-line-model") from exc


def content_probability(log_odds: np.ndarray) -> np.ndarray:
    """The logistic function: log-odds to probability."""
    return 1.0 / (1.0 + np.exp(-log_odds))


JUDGED_REASONS = ("", "outside-main")
"""The model is asked about these units only: every other reason is the rules' final word."""


def judged(reasons: pl.Series, patterns: pl.Series) -> np.ndarray:
    """The units the model is asked about: a judged reason and no pattern. A caption kept by
    ``StripOptions.keep_captions`` has the reason ``""`` but its pattern, and stays kept."""
    return (reasons.is_in(JUDGED_REASONS) & patterns.is_null()).to_numpy()


def rescue_scores(probability: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Each unit's probability blended with the mean of its run (:data:`RUN_WEIGHT`)."""
    known = np.nan_to_num(probability)
    mean = (np.bincount(run, weights=known, minlength=1) / np.maximum(np.bincount(run, minlength=1), 1))[run]
    return RUN_WEIGHT * mean + (1 - RUN_WEIGHT) * known


def revised_reasons(reasons: pl.Series, probability: np.ndarray, doc: np.ndarray, n_words: np.ndarray) -> pl.Series:
    """The rules' reasons with the model's two moves at the margins (module docstring)."""
    outside = (reasons == "outside-main").to_numpy()
    run = _run_ids(outside, doc)
    rescue = outside & (rescue_scores(probability, run) > RESCUE_PROBABILITY)
    rescue &= (np.asarray(n_words) >= 2) | (np.bincount(run, minlength=1)[run] >= LIST_RUN)
    kept = (reasons == "").to_numpy()
    dropped = kept & (probability < DROP_PROBABILITY)
    dropped &= _keeps_something(doc, (kept & ~dropped) | rescue)
    return (
        pl.select(
            pl.when(pl.Series(rescue)).then(pl.lit(""))
            .when(pl.Series(dropped)).then(pl.lit("line-model"))
            .otherwise(reasons)
            .alias(reasons.name)
        ).to_series()
    )
