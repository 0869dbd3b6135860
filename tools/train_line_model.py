"""Train the stripper's line model (``cleaner.strip.line_model``) on the extraction dev set.

Labels come from the snippet metric's own data: a unit holding a ``with`` snippet is article
text, one holding a ``without`` snippet is not (weighted by how many snippets it holds); the
other units are unlabelled. Each feature is cut into quantile bins and an L2-regularised
logistic regression learns one weight per bin (a generalised additive model, fitted here by
Newton's method: no extra dependency).

Pages are cross-validated (5 folds, whole pages held out): the figures printed are for pages
the fold's model never saw, and show the rules alone against rules + model on the units'
snippets. ``--write`` stores the model fitted on every page as ``cleaner/data/line_model.json``.

    python -m tools.train_line_model [--write]     (from the repository's root)

It rewrites shipped weights, so it lives in ``tools/``, not among the benchmarks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.devset import load_pages, squash
from cleaner.strip import line_model, line_model_inputs
from cleaner.strip.line_model import (
    DROP_PROBABILITY,
    RESCUE_PROBABILITY,
    RUN_WEIGHT,
    LineModel,
)

HERE = Path(__file__).resolve().parent
DEV = HERE.parent.parent / "shared" / "extraction-dev"
MODEL = HERE.parent / "cleaner" / "data" / "line_model.json"
FEATURES = (
    "in_region", "rules_outside", "from_region_start", "from_region_end", "region_share", "position", "standfirst",
    "n_words", "chars", "stop_ratio", "upper_start", "score", "prose_nearby", "run_length", "short_run_length",
    "next_stop_ratio", "next_n_words", "next_has_pattern", "prev_n_words", "prev2_n_words", "prev3_n_words",
)
"""Chosen by dropping features one at a time under cross-validation: 30 -> 21 lost nothing."""
BINS = 12
L2 = 3.0
"""Ridge penalty on the bin weights (cross-validated: 1, 3, 10, 30 and 100 tried; 3 best)."""
FOLDS = 5


def labelled_units(pages: list[tuple[dict, str]], batch: int = 200) -> pl.DataFrame:
    """Every unit of every dev dump with ``page``, ``positive``/``negative`` snippet counts."""
    frames = []
    for first in range(0, len(pages), batch):
        chunk = pages[first : first + batch]
        units = line_model_inputs([dump for _, dump in chunk])
        texts = [squash(text) for text in units["text"].to_list()]
        doc = units["doc"].to_numpy()
        positive = np.zeros(units.height, dtype=np.int64)
        negative = np.zeros(units.height, dtype=np.int64)
        for page, (record, _) in enumerate(chunk):
            rows = np.flatnonzero(doc == page)
            for counts, key in ((positive, "with"), (negative, "without")):
                for snippet in filter(None, map(squash, record.get(key) or [])):
                    for row in rows:
                        counts[row] += snippet in texts[row]
        frames.append(units.with_columns((pl.col("doc") + first).alias("page"), pl.Series("positive", positive), pl.Series("negative", negative)))
    return pl.concat(frames)


def bin_edges(values: np.ndarray) -> np.ndarray:
    seen = np.unique(values[~np.isnan(values)])
    if len(seen) <= BINS:
        return (seen[:-1] + seen[1:]) / 2
    return np.unique(np.quantile(values[~np.isnan(values)], np.linspace(0, 1, BINS + 1)[1:-1]))


def one_hot(features: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    blocks = []
    for column, edge in enumerate(edges):
        values = features[:, column]
        bins = np.searchsorted(edge, values, side="right")
        bins[np.isnan(values)] = len(edge) + 1
        block = np.zeros((len(values), len(edge) + 2))
        block[np.arange(len(values)), bins] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def fit(design: np.ndarray, target: np.ndarray, weight: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted logistic regression with an L2 penalty on the bin weights (Newton steps)."""
    x = np.hstack([np.ones((len(design), 1)), design])
    penalty = np.full(x.shape[1], L2)
    penalty[0] = 0.0
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (weight * (p - target)) + penalty * beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return float(beta[0]), beta[1:]


def train(units: pl.DataFrame) -> LineModel:
    labelled = units.filter((pl.col("positive") > 0) ^ (pl.col("negative") > 0))
    features = labelled.select(FEATURES).to_numpy().astype(np.float64)
    target = (labelled["positive"].to_numpy() > 0).astype(np.float64)
    weight = np.where(target > 0, labelled["positive"].to_numpy(), labelled["negative"].to_numpy()).astype(np.float64)
    edges = [bin_edges(features[:, column]) for column in range(len(FEATURES))]
    intercept, beta = fit(one_hot(features, edges), target, weight)
    weights, offset = [], 0
    for edge in edges:
        weights.append(np.round(beta[offset : offset + len(edge) + 2], 6))
        offset += len(edge) + 2
    return LineModel(FEATURES, tuple(np.round(edge, 6) for edge in edges), tuple(weights), round(intercept, 6))


def snippet_scores(pages: list[tuple[dict, str]], units: pl.DataFrame, keep: np.ndarray) -> str:
    """The benchmark's snippet metric on each page's kept units (no inline cleaning)."""
    kept = units.select("page", "text").filter(pl.Series(keep)).group_by("page").agg(pl.col("text").str.join(" "))
    outputs = dict(zip(kept["page"].to_list(), kept["text"].to_list()))
    tp = fn = fp = 0
    for page, (record, dump) in enumerate(pages):
        dump, output = squash(dump), squash(outputs.get(page, ""))
        for snippet in filter(lambda s: s and s in dump, map(squash, record.get("with") or [])):
            tp, fn = (tp + 1, fn) if snippet in output else (tp, fn + 1)
        fp += sum(1 for s in map(squash, record.get("without") or []) if s and s in dump and s in output)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return f"P {precision:.3f} R {recall:.3f} F1 {2 * precision * recall / (precision + recall):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--write", action="store_true", help=f"store the model fitted on every page as {MODEL}")
    args = parser.parse_args()
    pages = load_pages(args.dev, lambda page: f"textmode/{page}.txt", lambda path: path.read_text(encoding="utf-8"))
    units = labelled_units(pages)
    fold = units["page"].to_numpy() % FOLDS
    probability = np.zeros(units.height)
    for held_out in range(FOLDS):
        model = train(units.filter(pl.Series(fold != held_out)))
        test = units.filter(pl.Series(fold == held_out))
        probability[fold == held_out] = line_model.content_probability(model.log_odds(test))
    rules = units["reason"].is_in(["", "title"]).to_numpy()
    revised = line_model.revised_reasons(units["reason"], probability, units["page"].to_numpy(), units["n_words"].to_numpy()).is_in(["", "title"]).to_numpy()
    print(f"units {units.height}, labelled {units.filter((pl.col('positive') > 0) ^ (pl.col('negative') > 0)).height}, pages {units['page'].n_unique()}")
    print(f"snippet metric, pages held out ({FOLDS} folds): rules {snippet_scores(pages, units, rules)} | rules + model {snippet_scores(pages, units, revised)}")
    print(
        f"rescued {int((revised & ~rules).sum())} units ({RUN_WEIGHT:.0%} run mean + {1 - RUN_WEIGHT:.0%} own p > {RESCUE_PROBABILITY}), "
        f"dropped {int((rules & ~revised).sum())} (p < {DROP_PROBABILITY})"
    )
    if args.write:
        MODEL.write_text(model_text(units), encoding="utf-8")
        print(f"wrote {MODEL}")


def model_text(units: pl.DataFrame) -> str:
    """The model fitted on every labelled unit, as ``cleaner/data/line_model.json`` holds it."""
    return json.dumps(train(units).to_json(), indent=1) + "\n"


def fitted_on(dev: Path) -> str:
    """:func:`model_text` of the extraction dev set at ``dev``: what ``--write`` would ship."""
    pages = load_pages(dev, lambda page: f"textmode/{page}.txt", lambda path: path.read_text(encoding="utf-8"))
    return model_text(labelled_units(pages))


if __name__ == "__main__":
    main()
