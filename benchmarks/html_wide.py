"""HTML mode on the wide extraction sets, each set on its own, next to the libraries in the same run.

    python benchmarks/html_wide.py [--shared ../shared] [--sets dragnet,cleaneval,readability] [--limit N]

For every set of ``shared/extraction-wide`` (Dragnet, CleanEval, Mozilla Readability's test
pages, with human gold), the set's own scorer (``score.py html``: the ScrapingHub token metric,
per-page 4-gram precision and recall averaged over pages) scores:

* trafilatura with ``favor_precision`` and without comments (the best of its settings there);
* readability-lxml's ``summary()`` rendered by html-text (the strongest anchor, as its users
  run it), the same summary spaced as a browser shows it (``cleaner.rendered_text``: html-text
  puts a space between any two elements' texts, "A dvertise" for a drop cap), and cleaner's
  readability pass (``cleaner.extract.readability_text``: the same algorithm on a tree parsed
  once, without the link-rewriting pass of its cleaner, two of its passes done without
  serialising markup, what the markup hides and the form controls left out, spaced as a
  browser shows it), with the pages where its text and readability-lxml's spaced the same way
  differ;
* cleaner's ``extract_html`` (readability-lxml led by trafilatura's lines above the first line
  both share, or trafilatura's text when it is closer to the text rules' reading of the whole
  page; then the text rules): its kept paragraphs, and the title line it moved to metadata,
  which the gold of every set includes when the page shows it.

Speed is pages per second of the call alone, one process (page already decoded). The worst set
is the headline figure. Nothing in cleaner's HTML choice is tuned on these sets; the rule itself
was chosen among others leaving each set out (``benchmarks/html_choice.py``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from devset import load_wide_set, readability_lxml, wide_output, wide_scorer
from readability import Document

from cleaner.extract import extract_html, readability_text
from cleaner.rendered_text import rendered_html_text

SETS = ("dragnet", "cleaneval", "readability")


def trafilatura_precision(html: str) -> str:
    return trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=False) or ""


def readability_lxml_spaced(html: str) -> str:
    try:
        return rendered_html_text(Document(html).summary(html_partial=True))
    except Exception:  # noqa: BLE001 - as readability_lxml: nothing on a page it cannot read
        return ""


def cleaner_text(html: str) -> str:
    return wide_output(extract_html(html))


METHODS: dict[str, Callable[[str], str]] = {
    "trafilatura precision": trafilatura_precision,
    "readability-lxml": readability_lxml,
    "readability-lxml, spaced": readability_lxml_spaced,
    "cleaner's readability pass": readability_text,
    "cleaner": cleaner_text,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    args = parser.parse_args()
    wide = args.shared / "extraction-wide"
    score = wide_scorer(wide)
    cleaner_text("<html><body><p>Warm-up: stoplists and patterns load once per process.</p></body></html>")
    worst: dict[str, tuple[float, str]] = {}
    for name in args.sets.split(","):
        ids, pages = load_wide_set(wide / name, "html", args.limit)
        gold = {page: record for page, record in score.load_gold(wide / name).items() if page in set(ids)}
        print(f"\n{name}: {len(ids)} pages")
        print(f"{'method':<26} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>8}")
        outputs: dict[str, list[str]] = {}
        for method_name, method in METHODS.items():
            started = time.perf_counter()
            texts = []
            for html in pages:
                try:
                    texts.append(method(html))
                except Exception:  # noqa: BLE001 - a library that raises on a page outputs nothing for it
                    texts.append("")
            seconds = time.perf_counter() - started
            outputs[method_name] = texts
            result, _ = score.score_html(gold, {page: {"id": page, "text": text} for page, text in zip(ids, texts)})
            print(f"{method_name:<26} {result['precision']:>9.3f} {result['recall']:>7.3f} {result['f1']:>7.3f} {len(ids) / seconds:>8.1f}")
            worst[method_name] = min(worst.get(method_name, (2.0, "")), (result["f1"], name))
        differ = sum(a != b for a, b in zip(outputs["readability-lxml, spaced"], outputs["cleaner's readability pass"]))
        print(f"pages where cleaner's readability pass and readability-lxml's text (spaced alike) differ: {differ} of {len(ids)}")
    print()
    for method_name, (f1, name) in worst.items():
        print(f"{method_name}: worst set {name}, token F1 {f1:.3f}")


if __name__ == "__main__":
    main()
