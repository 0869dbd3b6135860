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
  title (moved to metadata) followed by its text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from devset import load_pages, snippet_metrics, squash  # noqa: E402

from cleaner import strip_text  # noqa: E402
from cleaner.normalize import normalize_text, words  # noqa: E402
from cleaner.stopwords import guess_language  # noqa: E402


def keep_everything(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip())


def justext_on_lines(text: str) -> str:
    import html

    import justext

    lines = [line for line in text.splitlines() if line.strip()]
    language = guess_language(w for line in lines for w in words(normalize_text(line))) or "English"
    page = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines) + "</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist(language))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def cleaner_text(text: str) -> str:
    """The title cleaner moved to metadata counts as output: it was found, not thrown away."""
    result = strip_text(text)
    return f"{result.metadata.get('title') or ''}\n{result.text}"


def snippet_scores(pages: list[tuple[dict, str]], method: Callable[[str], str]) -> dict[str, float]:
    tp = fn = fp = tn = 0
    started = time.perf_counter()
    for record, dump in pages:
        squashed_dump = squash(dump)
        output = squash(method(dump))
        for snippet in record.get("with") or []:
            snippet = squash(snippet)
            if snippet and snippet in squashed_dump:
                tp, fn = (tp + 1, fn) if snippet in output else (tp, fn + 1)
        for snippet in record.get("without") or []:
            snippet = squash(snippet)
            if snippet and snippet in squashed_dump:
                fp, tn = (fp + 1, tn) if snippet in output else (fp, tn + 1)
    return snippet_metrics(tp, fp, fn, tn, len(pages), time.perf_counter() - started)


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
    args = parser.parse_args()

    seeds = seed_scores(args.shared / "seeds")
    print("seeds: " + ", ".join(f"{k} {v:.3f}" for k, v in seeds.items()))

    dev = args.shared / "extraction-dev"
    pages = load_pages(dev, lambda page: f"textmode/{page}.txt", lambda path: path.read_text(encoding="utf-8"), args.limit)
    print(f"extraction-dev text mode: {len(pages)} pages")
    results = {
        "keep every line": snippet_scores(pages, keep_everything),
        "jusText on lines": snippet_scores(pages, justext_on_lines),
        "cleaner": snippet_scores(pages, cleaner_text),
    }
    print(f"{'method':<18}{'precision':>10}{'recall':>8}{'F1':>8}{'accuracy':>10}{'pages/s':>9}")
    for name, score in results.items():
        print(
            f"{name:<18}{score['precision']:>10.3f}{score['recall']:>8.3f}{score['f1']:>8.3f}"
            f"{score['accuracy']:>10.3f}{score['pages_per_second']:>9.0f}"
        )
    ours = results["cleaner"]
    for name in ("keep every line", "jusText on lines"):
        base = results[name]
        print(f"cleaner vs {name}: F1 {ours['f1'] - base['f1']:+.3f}, speed {ours['pages_per_second'] / base['pages_per_second']:.2f}x")


if __name__ == "__main__":
    main()
