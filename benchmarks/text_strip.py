"""Boilerplate removal on plain text: quality and speed next to baselines measured in the same run.

    python benchmarks/text_strip.py [--shared ../shared] [--limit N]

Two measurements:

* **seeds** (``shared/seeds``, every non-blank line labelled): content lines kept, clutter
  (boilerplate and metadata) lines out of the body.
* **extraction-dev text mode** (``shared/extraction-dev/textmode``): the snippet metric of
  trafilatura's evaluation, counting only snippets that occur in the dump: a ``with``
  snippet found in the output is a true positive, missing a false negative; a ``without``
  snippet found is a false positive, missing a true negative. Precision, recall, F1,
  accuracy and pages per second for cleaner, "keep every line" and jusText on the lines
  (each line wrapped in ``<p>``, stoplist of the guessed language). cleaner's output is its
  title (moved to metadata) followed by its text. cleaner strips the pages as the pipeline
  does, ``--batch`` documents per ``strip_texts`` call, after a warm-up call (its one-time
  cost, loading 100 stoplists, compiling the patterns and starting numba, is printed apart). "cleaner rules only"
  is the same without the line model; the model learned from these very pages, so its honest
  figure is the cross-validated one of ``python -m tools.train_line_model``.

Speed is per core: Polars is limited to one thread (``POLARS_MAX_THREADS=1``, set before it is
imported) unless ``--threads`` says otherwise, and every method runs in this one process.
Each method runs ``--repeat`` times (default 3) and its best time is reported, so that a burst
of load on a shared machine does not decide the figures (outputs are the same every run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

if __name__ == "__main__":
    _threads = next((sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "--threads"), "1")
    os.environ["POLARS_MAX_THREADS"] = _threads  # before Polars is imported

from devset import load_pages, snippet_metrics, squash

from cleaner import StripOptions, strip_text, strip_texts
from cleaner.strip.language import guess_languages


def keep_everything(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip())


def justext_on_lines(text: str) -> str:
    import html

    import justext

    lines = [line for line in text.splitlines() if line.strip()]
    language = guess_languages(["\n".join(lines)])[0] or "English"
    page = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines) + "</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist(language))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def cleaner_texts(texts: list[str], batch: int, options: StripOptions | None = None) -> list[str]:
    """The title cleaner moved to metadata counts as output: it was found, not thrown away."""
    outputs = []
    for start in range(0, len(texts), batch):
        for result in strip_texts(texts[start : start + batch], options=options):
            outputs.append(f"{result.metadata.get('title') or ''}\n{result.text}")
    return outputs


def snippet_scores(pages: list[tuple[dict, str]], method: Callable[[list[str]], list[str]], repeat: int = 1) -> dict[str, float]:
    """The snippet metric of ``method``'s outputs; its speed is the best of ``repeat`` runs."""
    seconds = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        outputs = method([dump for _, dump in pages])
        seconds = min(seconds, time.perf_counter() - started)
    tp = fn = fp = tn = 0
    for (record, dump), output in zip(pages, outputs):
        squashed_dump = squash(dump)
        output = squash(output)
        for snippet in record.get("with") or []:
            snippet = squash(snippet)
            if snippet and snippet in squashed_dump:
                tp, fn = (tp + 1, fn) if snippet in output else (tp, fn + 1)
        for snippet in record.get("without") or []:
            snippet = squash(snippet)
            if snippet and snippet in squashed_dump:
                fp, tn = (fp + 1, tn) if snippet in output else (fp, tn + 1)
    return snippet_metrics(tp, fp, fn, tn, len(pages), seconds)


def seed_scores(seeds: Path) -> dict[str, float]:
    labels: dict[str, dict[int, dict]] = defaultdict(dict)
    for line in (seeds / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        labels[record["file"]][record["line"]] = record
    content = content_kept = clutter = clutter_out = metadata_found = metadata = 0
    for name, by_line in labels.items():
        result = strip_text((seeds / name).read_text(encoding="utf-8"))
        kept = {d.line for d in result.decisions if d.keep}
        for number, label in by_line.items():
            if label["label"] == "content":
                content += 1
                content_kept += number in kept
            else:
                clutter += 1
                clutter_out += number not in kept
            if label["label"] == "metadata":
                metadata += 1
                field = "title" if label["kind"] == "title" else "author"
                metadata_found += bool(result.metadata.get(field)) and result.metadata[field] in label["text"]
    return {
        "content_kept": content_kept / content,
        "clutter_removed": clutter_out / clutter,
        "metadata_found": metadata_found / metadata if metadata else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--limit", type=int, default=0, help="only the first N dev pages")
    parser.add_argument("--batch", type=int, default=1024, help="documents per strip_texts call (default 1024, as the pipeline)")
    parser.add_argument("--threads", default="1", help="Polars threads (default 1: speed per core)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each method; the best is reported (default 3)")
    args = parser.parse_args()

    started = time.perf_counter()
    warm_up = "\n".join(f"Warm-up line {n}: the stoplists are loaded and the patterns compiled once per process." for n in range(2000))
    strip_texts([warm_up])  # large enough for the compiled word loops: numba's start is paid here
    print(f"cleaner one-time start (stoplists, patterns, numba): {time.perf_counter() - started:.2f} s; Polars threads: "
          f"{os.environ.get('POLARS_MAX_THREADS', 'all')}")
    seeds = seed_scores(args.shared / "seeds")
    print("seeds: " + ", ".join(f"{k} {v:.3f}" for k, v in seeds.items()))

    dev = args.shared / "extraction-dev"
    pages = load_pages(dev, lambda page: f"textmode/{page}.txt", lambda path: path.read_text(encoding="utf-8"), args.limit)
    print(f"extraction-dev text mode: {len(pages)} pages")
    results = {
        "keep every line": snippet_scores(pages, lambda texts: [keep_everything(t) for t in texts], args.repeat),
        "jusText on lines": snippet_scores(pages, lambda texts: [justext_on_lines(t) for t in texts], args.repeat),
        "cleaner rules only": snippet_scores(
            pages, lambda texts: cleaner_texts(texts, args.batch, StripOptions(line_model=False)), args.repeat
        ),
        "cleaner": snippet_scores(pages, lambda texts: cleaner_texts(texts, args.batch), args.repeat),
    }
    print(f"{'method':<20}{'precision':>10}{'recall':>8}{'F1':>8}{'accuracy':>10}{'pages/s':>9}")
    for name, score in results.items():
        print(
            f"{name:<20}{score['precision']:>10.3f}{score['recall']:>8.3f}{score['f1']:>8.3f}"
            f"{score['accuracy']:>10.3f}{score['pages_per_second']:>9.0f}"
        )
    ours = results["cleaner"]
    for name in ("keep every line", "jusText on lines"):
        base = results[name]
        print(f"cleaner vs {name}: F1 {ours['f1'] - base['f1']:+.3f}, speed {ours['pages_per_second'] / base['pages_per_second']:.2f}x")
    print("note: the line model was trained on these pages; its held-out figure (pages cross-validated) is printed by")
    print("      python -m tools.train_line_model")


if __name__ == "__main__":
    main()
