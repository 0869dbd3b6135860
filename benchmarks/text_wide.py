"""Text mode on the wide extraction sets, each set on its own, next to baselines in the same run.

    python benchmarks/text_wide.py [--shared ../shared] [--sets dragnet,cleaneval,readability] [--limit N]
    python benchmarks/text_wide.py --leave-one-out

For every set of ``shared/extraction-wide`` (Dragnet, CleanEval, Mozilla Readability's test
pages: whole-page text dumps with human gold), each method keeps some of a dump's lines and the
set's own scorer (``score.py``, the ScrapingHub token metric: per-page 4-gram precision and
recall averaged over pages) scores the lines kept. Methods:

* keep every line;
* jusText on the lines (each wrapped in ``<p>``, the stoplist of the guessed language);
* ``heuristic``: 30 lines of our own (sentence-like lines score their length, short lines and
  a small phrase list count against, the maximum-sum run of lines is kept);
* cleaner with its rules alone, and with the line model (``strip_batch``), its title line
  counted as kept where the set's gold includes the headline (Dragnet, CleanEval).

The line model learned from extraction-dev; its rescue and drop thresholds were chosen on these
three sets and extraction-dev together, so the figures of the first mode are not held out.
``--leave-one-out`` gives the held-out ones: for each set, the thresholds (a grid) that score best
on the other two sets, and that choice's figure on the set left out. The worst set is the
headline figure. Speed is pages per second of the method alone, one process, Polars on one thread.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # per core, as the other text benchmark

from devset import load_wide_set, wide_scorer  # noqa: E402

from cleaner import StripOptions  # noqa: E402
from cleaner.strip import strip_batch  # noqa: E402
from cleaner.strip.language import guess_languages  # noqa: E402
from cleaner.strip.regions import best_run  # noqa: E402

SETS = ("dragnet", "cleaneval", "readability")
TITLE_IN_GOLD = {"dragnet", "cleaneval"}
Method = Callable[[list[str], str], list[list[int]]]
"""``(dumps, set name) -> kept line indexes (0-based) of each dump``."""


def keep_all(dumps: list[str], _: str) -> list[list[int]]:
    return [[i for i, line in enumerate(dump.splitlines()) if line.strip()] for dump in dumps]


def justext_lines(dumps: list[str], _: str) -> list[list[int]]:
    import justext

    kept = []
    for dump in dumps:
        lines = dump.splitlines()
        language = guess_languages([dump])[0] or "English"
        shown = [i for i, line in enumerate(lines) if line.strip()]
        page = "<html><body>" + "".join(f"<p>{html.escape(lines[i])}</p>" for i in shown) + "</body></html>"
        try:
            paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist(language))
        except Exception:  # noqa: BLE001 - jusText raises on some pages (vertical tabs): an empty output
            kept.append([])
            continue
        good = {" ".join(p.text.split()) for p in paragraphs if not p.is_boilerplate}
        kept.append([i for i in shown if " ".join(lines[i].split()) in good])
    return kept


_PHRASES = re.compile(r"comment|reply|share|subscribe|newsletter|cookie|copyright|©|all rights reserved|sign in|log in|advert|related", re.I)


def heuristic(dumps: list[str], _: str) -> list[list[int]]:
    kept = []
    for dump in dumps:
        lines = dump.splitlines()
        scores = []
        for line in lines:
            words = line.split()
            if not words:
                scores.append(-5.0)
            elif _PHRASES.search(line) and len(words) < 15:
                scores.append(-200.0)
            elif len(words) >= 10 and line.rstrip()[-1] in ".!?\"”'":
                scores.append(float(len(line)))
            else:
                scores.append(-30.0 - min(len(line), 60))
        start, end, _ = best_run(scores)  # the maximum-sum run of lines (Kadane)
        kept.append([i for i in range(start, end) if lines[i].strip() and scores[i] > -100])
    return kept


CONFIDENCE: dict[str, list[float]] = {}
"""Each page's ``strip_confidence`` by method, from the last set run."""


def cleaner_method(line_model: bool) -> Method:
    def run(dumps: list[str], name: str) -> list[list[int]]:
        stripped = strip_batch(dumps, options=StripOptions(line_model=line_model))
        CONFIDENCE["cleaner" if line_model else "cleaner rules only"] = [result.confidence or 0.0 for result in stripped.results]
        decided = stripped.lines
        counted = ["kept", "title"] if name in TITLE_IN_GOLD else ["kept"]
        kept_rows = decided.filter(decided["reason"].is_in(counted)).select("doc", "line")
        kept: list[list[int]] = [[] for _ in dumps]
        for doc, line in kept_rows.iter_rows():
            kept[doc].append(line - 1)
        return kept

    return run


METHODS: dict[str, Method] = {
    "keep every line": keep_all,
    "jusText on lines": justext_lines,
    "heuristic": heuristic,
    "cleaner rules only": cleaner_method(line_model=False),
    "cleaner": cleaner_method(line_model=True),
}


def confidence_split(confidence: list[float], per_page: list[dict]) -> tuple[float, float]:
    """Mean page F1 of the tenth of pages with the lowest ``strip_confidence``, and of the rest:
    whether the confidence finds the pages worth a review."""
    f1 = [2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fp, fn in (row["tp_fp_fn"] for row in per_page)]
    order = sorted(range(len(f1)), key=lambda page: (confidence[page], page))
    cut = max(1, len(order) // 10)
    low, rest = [f1[page] for page in order[:cut]], [f1[page] for page in order[cut:]]
    return sum(low) / len(low), sum(rest) / max(len(rest), 1)


THRESHOLDS = [(rescue, drop) for rescue in (0.33, 0.45, 0.6, 0.75) for drop in (0.1, 0.25, 0.4)]
"""The grid of the line model's (``RESCUE_PROBABILITY``, ``DROP_PROBABILITY``) searched."""


def leave_one_out(wide: Path, names: list[str], limit: int, score) -> None:  # type: ignore[no-untyped-def]
    """Choose the thresholds on every pair of sets, report the choice's figure on the third."""
    from cleaner.strip import line_model

    data = {}
    for name in names:
        folder = wide / name
        ids, dumps = load_wide_set(folder, "textmode", limit)
        data[name] = (folder, ids, dumps, {page: r for page, r in score.load_gold(folder).items() if page in set(ids)})
    shipped = (line_model.RESCUE_PROBABILITY, line_model.DROP_PROBABILITY)
    f1: dict[tuple[float, float], dict[str, float]] = {}
    for rescue, drop in THRESHOLDS:
        line_model.RESCUE_PROBABILITY, line_model.DROP_PROBABILITY = rescue, drop
        f1[(rescue, drop)] = {}
        for name, (folder, ids, dumps, gold) in data.items():
            kept = cleaner_method(line_model=True)(dumps, name)
            predictions = {page: {"id": page, "kept_lines": lines} for page, lines in zip(ids, kept)}
            f1[(rescue, drop)][name] = score.score_text(gold, predictions, folder)[0]["tok_f1"]
        print(f"rescue {rescue:.2f} drop {drop:.2f}: " + "  ".join(f"{n} {f:.4f}" for n, f in f1[(rescue, drop)].items()))
    line_model.RESCUE_PROBABILITY, line_model.DROP_PROBABILITY = shipped
    print()
    held_out = {}
    for name in names:
        others = [other for other in names if other != name]
        chosen = max(THRESHOLDS, key=lambda pair: (sum(f1[pair][o] for o in others), pair))
        held_out[name] = f1[chosen][name]
        print(f"{name}: chosen on {' + '.join(others)}: rescue {chosen[0]:.2f} drop {chosen[1]:.2f}; held-out token F1 {held_out[name]:.4f}")
    worst = min(held_out, key=held_out.__getitem__)
    print(f"worst set held out: {worst}, token F1 {held_out[worst]:.4f} (shipped: rescue {shipped[0]:.2f} drop {shipped[1]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    parser.add_argument("--per-page", type=Path, help="write every page's figures (jsonl) into this folder")
    parser.add_argument("--leave-one-out", action="store_true", help="the line model's thresholds chosen on two sets, measured on the third")
    args = parser.parse_args()
    wide = args.shared / "extraction-wide"
    score = wide_scorer(wide)
    strip_batch(["warm up the stoplists and patterns"])
    if args.leave_one_out:
        leave_one_out(wide, args.sets.split(","), args.limit, score)
        return
    worst: dict[str, tuple[float, str]] = {}
    for name in args.sets.split(","):
        folder = wide / name
        ids, dumps = load_wide_set(folder, "textmode", args.limit)
        gold = {page: record for page, record in score.load_gold(folder).items() if page in set(ids)}
        print(f"\n{name}: {len(ids)} pages")
        print(f"{'method':<20} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>8}")
        for method_name, method in METHODS.items():
            started = time.perf_counter()
            kept = method(dumps, name)
            seconds = time.perf_counter() - started
            predictions = {page: {"id": page, "kept_lines": lines} for page, lines in zip(ids, kept)}
            result, per_page = score.score_text(gold, predictions, folder)
            print(
                f"{method_name:<20} {result['tok_precision']:>9.3f} {result['tok_recall']:>7.3f} "
                f"{result['tok_f1']:>7.3f} {len(ids) / seconds:>8.0f}"
            )
            if method_name.startswith("cleaner"):
                worst[method_name] = min(worst.get(method_name, (2.0, "")), (result["tok_f1"], name))
            if method_name == "cleaner":
                low, rest = confidence_split(CONFIDENCE[method_name], per_page)
                print(f"{'':<20} strip_confidence: mean page F1 {low:.3f} on the tenth of pages least sure, {rest:.3f} on the rest")
            if args.per_page is not None:
                args.per_page.mkdir(parents=True, exist_ok=True)
                with open(args.per_page / f"{name}-{method_name.replace(' ', '-')}.jsonl", "w", encoding="utf-8") as out:
                    for row in per_page:
                        out.write(json.dumps(row) + "\n")
    print()
    for method_name, (f1, name) in worst.items():
        print(f"{method_name}: worst set {name}, token F1 {f1:.3f} (thresholds chosen on these sets: --leave-one-out for held-out figures)")


if __name__ == "__main__":
    main()
