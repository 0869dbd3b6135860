"""HTML mode's choice between its two extractors, chosen leaving one set out.

    python benchmarks/html_choice.py [--shared ../shared] [--limit N] [--workers N]

cleaner reads every page with readability-lxml and trafilatura and keeps trafilatura's text
when ``cleaner.extract.second_is_closer`` says so: when it is closer than readability's to a
third reading of the page (the text rules on the page's whole visible text). This script reads
both texts and the visible text of every page of four sets once (extraction-wide's dragnet,
cleaneval and readability, scored by the set's ``score.py``, token F1, the title line included
as ``html_wide.py`` does; extraction-dev, snippet F1), runs the text rules on each of the two
outcomes, and scores every rule of a family on every set:

* ``third reading``: the shipped rule, nothing tuned;
* ``longer and new (R, S)``: the earlier rule on the two texts alone, trafilatura's text when
  readability's has under 8 words, or when trafilatura's has at least ``R`` times readability's
  word 4-grams and a share ``S`` or more of them is not in readability's; a grid of ``R`` and ``S``;

each as chosen (``alone``) and completed by the other text's lines that the third reading
confirms (``+ confirmed``: ``cleaner.extract.with_confirmed_lines``; shipped with the third reading).

Then, for each set, the rule that scores best on the other three is the one that set would have
shipped with; the figure printed for the set comes from that rule: a run that did not see it.
"Best" is printed two ways: the best worst set (the headline figure), and the best mean, the
criterion of ``text_wide.py --leave-one-out``. The best worst set reacts to a few pages: with the
confirmed lines, a grid rule leads the third reading on CleanEval by 0.0004 (about a third of a
page) and is picked, at 0.004 on Dragnet and extraction-dev.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import math
import re
from dataclasses import dataclass, replace
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from devset import (
    dev_output,
    load_pages,
    load_wide_set,
    snippet_counts,
    snippet_metrics,
    wide_output,
    wide_scorer,
)

from cleaner.decode import decode_bytes
from cleaner.extract import (
    VIEW_OPTIONS,
    Candidates,
    ExtractResult,
    apply_text_rules,
    read_candidates,
    second_is_closer,
    with_confirmed_lines,
)
from cleaner.strip import strip_texts

LENGTH_RATIOS = (1.0, 1.5, 2.0, 3.0, math.inf)
SHARES = (0.0, 0.1, 0.3, 0.5, 0.7)
WIDE_SETS = ("dragnet", "cleaneval", "readability")


@dataclass(frozen=True)
class Rule:
    """One rule of the family: the third reading, or the earlier rule at a grid point."""

    grid: tuple[float, float] | None = None
    confirmed: bool = True

    def __str__(self) -> str:
        choice = "third reading" if self.grid is None else f"longer and new {self.grid}"
        return f"{choice} {'+ confirmed' if self.confirmed else 'alone'}"


THIRD_READING = Rule()
_WORD = re.compile(r"\w+")


def longer_and_new(first: str, second: str, length_ratio: float, disagreement: float) -> bool:
    """The rule before the third reading (on the two texts alone): trafilatura's text when
    readability's has under 8 words and trafilatura's is longer, or when trafilatura's has at
    least ``length_ratio`` times readability's word 4-grams and ``disagreement`` or more of
    them are not in readability's."""
    if len(_WORD.findall(first)) < 8:
        return len(second.strip()) > len(first.strip())
    mine, theirs = _shingles(first), _shingles(second)
    if not theirs or len(theirs) < length_ratio * len(mine):
        return False
    return 1 - len(mine & theirs) / len(theirs) >= disagreement


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text)
    return set(zip(words, words[1:], words[2:], words[3:]))


def rules() -> list[Rule]:
    choices = [None, *itertools.product(LENGTH_RATIOS, SHARES)]
    return [Rule(point, confirmed) for point in choices for confirmed in (True, False)]


def outcomes(candidates: list[Candidates], views: list[str], rule: Rule) -> list[bool]:
    """Per page, whether trafilatura's text is chosen by ``rule``."""
    if rule.grid is None:
        return [second_is_closer(page.take(False).text, page.trafilatura, view) for page, view in zip(candidates, views)]
    ratio, share = rule.grid
    return [longer_and_new(page.readability, page.trafilatura, ratio, share) for page in candidates]


def finished(candidates: list[Candidates], views: list[str], second: bool, confirmed: bool) -> list[ExtractResult]:
    """What cleaner outputs for every page if the choice goes one way on all of them, with or
    without the other text's lines that the third reading confirms."""
    taken = [page.take(second) for page in candidates]
    if confirmed:
        taken = [
            replace(main, text=with_confirmed_lines(main.text, page.readability if second else page.trafilatura, view))
            for main, page, view in zip(taken, candidates, views)
        ]
    return apply_text_rules(taken)


class Scored:
    """One set: its pages' candidates, the text rules' reading of each page's visible text, and,
    per page, the score parts of each outcome, so that any per-page mix of outcomes scores
    without extracting or tokenising again."""

    def __init__(self, name: str, candidates: list[Candidates], parts: Any, aggregate: Any) -> None:
        self.name = name
        self.candidates = candidates
        self.aggregate = aggregate
        self.views = [view.text for view in strip_texts([page.page_text for page in candidates], options=VIEW_OPTIONS)]
        self.parts = {
            (second, confirmed): parts(finished(candidates, self.views, second, confirmed))
            for second in (False, True)
            for confirmed in (False, True)
        }

    def score(self, picks: list[bool], confirmed: bool = False) -> float:
        return self.aggregate([self.parts[pick, confirmed][index] for index, pick in enumerate(picks)])

    def f1(self, rule: Rule) -> float:
        return self.score(outcomes(self.candidates, self.views, rule), rule.confirmed)


def wide_parts(scorer: Any, gold: dict, ids: list[str]) -> Any:
    """Per page, the scorer's ``(tp, fp, fn)`` shares of 4-grams; its mean P and R give F1."""

    def parts(results: list[ExtractResult]) -> list[tuple[float, float, float]]:
        return [scorer.page_triple(gold[page]["gold_text"], wide_output(result)) for page, result in zip(ids, results)]

    return parts


def wide_f1(scorer: Any) -> Any:
    return lambda triples: scorer.aggregate(triples)[2]


def dev_parts(records: list[dict]) -> Any:
    """Per page, the snippet metric's ``(tp, fp, fn, tn)``."""

    def parts(results: list[ExtractResult]) -> list[tuple[int, int, int, int]]:
        return [snippet_counts(record, dev_output(result)) for record, result in zip(records, results)]

    return parts


def dev_f1(counts: list[tuple[int, int, int, int]]) -> float:
    tp, fp, fn, tn = (sum(column) for column in zip(*counts))
    return snippet_metrics(tp, fp, fn, tn, len(counts), 1.0)["f1"]


def read_all(pages: list[str], workers: int) -> list[Candidates]:
    with Pool(workers) as pool:
        return list(pool.imap(read_candidates, pages, chunksize=8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    wide = args.shared / "extraction-wide"
    scorer = wide_scorer(wide)
    sets: list[Scored] = []
    for name in WIDE_SETS:
        ids, pages = load_wide_set(wide / name, "html", args.limit)
        gold = scorer.load_gold(wide / name)
        sets.append(Scored(name, read_all(pages, args.workers), wide_parts(scorer, gold, ids), wide_f1(scorer)))
        print(f"{name}: {len(ids)} pages read", flush=True)
    dev = load_pages(
        args.shared / "extraction-dev",
        lambda page: f"pages/{page}.html.gz",
        lambda path: decode_bytes(gzip.decompress(path.read_bytes()), html=True)[0],
        args.limit,
    )
    sets.append(Scored("dev", read_all([html for _, html in dev], args.workers), dev_parts([record for record, _ in dev]), dev_f1))
    print(f"dev: {len(dev)} pages read", flush=True)

    print()
    table = {rule: {scored.name: scored.f1(rule) for scored in sets} for rule in rules()}
    names = [scored.name for scored in sets]
    print(f"{'rule':<40} " + " ".join(f"{name:>11}" for name in names) + f" {'mean':>7} {'worst':>7}")
    for rule, row in table.items():
        values = [row[name] for name in names]
        print(f"{rule!s:<40} " + " ".join(f"{v:>11.4f}" for v in values) + f" {sum(values) / len(values):>7.4f} {min(values):>7.4f}")
    for second, label in ((False, "readability-lxml's (with trafilatura's lead)"), (True, "trafilatura's")):
        alone = ", ".join(f"{scored.name} {scored.score([second] * len(scored.candidates)):.4f}" for scored in sets)
        print(f"{label} text on every page, then the text rules: {alone}")

    for criterion, label in ((worst_first, "best worst set"), (mean_first, "best mean")):
        print(f"\n{'left out':<11} {f'chosen on the other three ({label})':<44} held-out F1")
        held_out = {}
        for name in names:
            rule = best_rule(table, [n for n in names if n != name], criterion)
            held_out[name] = table[rule][name]
            print(f"{name:<11} {rule!s:<44} {held_out[name]:.4f}")
        worst = min(held_out, key=held_out.__getitem__)
        print(f"worst set held out: {worst}, F1 {held_out[worst]:.4f}")
        print(f"{label} over all four: {best_rule(table, names, criterion)}; shipped: {THIRD_READING}")


def worst_first(scores: list[float]) -> tuple[float, float]:
    """The worst set first (the headline figure), then the mean."""
    return min(scores), sum(scores)


def mean_first(scores: list[float]) -> tuple[float, float]:
    """The mean first (``text_wide.py --leave-one-out``'s criterion), then the worst set."""
    return sum(scores), min(scores)


def best_rule(table: dict[Rule, dict[str, float]], names: list[str], criterion=worst_first) -> Rule:  # type: ignore[no-untyped-def]
    """The rule that ``criterion`` ranks first on ``names``; then the earlier in :func:`rules`
    (the third reading first)."""
    order = {rule: index for index, rule in enumerate(table)}
    return max(table, key=lambda r: (criterion([table[r][n] for n in names]), -order[r]))


if __name__ == "__main__":
    main()
